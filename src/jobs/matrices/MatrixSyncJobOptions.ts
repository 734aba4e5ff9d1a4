import { checkBoolean, checkInteger, checkName, checkWeight, describe } from '../../core/validate.js'

/** Options of `MatrixSyncJob` (see docs/matrices.md for how each one plays). */
export interface MatrixSyncJobOptions {
  /** Name of the system in stats, errors and the devtools. @default 'matrixSync' */
  name?: string
  /**
   * Expected cost as a fraction of the budget (0..1), shown and tuned in the
   * devtools. The system is sliced, so it is admitted whenever the
   * scheduler's `minSliceMs` is left and stops itself at the deadline.
   * @default 0.4
   */
  weight?: number
  /** Objects updated between two `deadline.shouldYield()` checks: the most the job overruns by. @default 16 */
  chunkSize?: number
  /**
   * Staleness bound: a mark made while `scheduler.frame` is F is applied, past
   * the budget if need be, by the job's first run at a frame ≥ F + maxLagFrames.
   * An integer ≥ 1 (1 = never defer a mark), or `Infinity` to stay within the
   * budget whatever the backlog.
   * @default 8
   */
  maxLagFrames?: number
  /**
   * Listen to `childadded` / `childremoved` on every object in the scene, so
   * objects added anywhere in it are brought up to date without a
   * `markDirty` call. Costs one listener array pair per object. When false,
   * call `markDirty(object)` after adding an object.
   * @default true
   */
  watchHierarchy?: boolean
  /**
   * With `watchHierarchy`: compute an added subtree's world matrices at once,
   * inside `parent.add()`, so it is never drawn at a stale place (at the
   * origin for a new object). When false, it is queued like `markDirty`.
   * @default true
   */
  updateOnAdd?: boolean
  /**
   * How the job learns what moved.
   *
   * - `'auto'`: apps move objects the way three.js apps do (writing
   *   `position` / `rotation` / `quaternion` / `scale`, `lookAt`, an
   *   `AnimationMixer`, helpers) and the job finds the moves by itself: an
   *   unmarked change to an object's local transform (or to `matrix` when
   *   `matrixAutoUpdate` is false) gets a correct world matrix, with its
   *   subtree, within `detectFrames` frames when the object starts moving,
   *   and in every frame while it keeps moving. Objects three recomputes in
   *   ways a snapshot cannot see (cameras, skinned meshes and their bones,
   *   `CameraHelper`, the light helpers, positional audio) are recomputed in
   *   every frame. `markDirty` is still the zero-lag path.
   * - `'manual'`: only what you {@link MatrixSyncJob.markDirty} (and what is
   *   added to the scene) is updated; nothing is compared. The cheapest mode,
   *   for apps that mark every move.
   *
   * @default 'auto'
   */
  detect?: 'auto' | 'manual'
  /**
   * With `detect: 'auto'`: an object that starts moving without a mark is
   * found within this many frames (the budgeted scan compares
   * 1/detectFrames of the scene per frame). An integer ≥ 1.
   * @default 4
   */
  detectFrames?: number
}

/** {@link MatrixSyncJobOptions} checked, with their defaults. @internal */
export interface CheckedMatrixSyncOptions {
  name: string
  weight: number
  chunkSize: number
  maxLag: number
  watchHierarchy: boolean
  updateOnAdd: boolean
  detect: 'auto' | 'manual'
  detectFrames: number
}

/**
 * Checks `MatrixSyncJob`'s options (install only: not a per-frame path), in
 * the order they are documented; the defaults are the constructor's. @internal
 */
export function checkMatrixSyncOptions(
  api: string,
  { name, weight, chunkSize, maxLagFrames, watchHierarchy, updateOnAdd, detect, detectFrames }: MatrixSyncJobOptions,
): CheckedMatrixSyncOptions {
  const label = checkName(api, name) ?? 'matrixSync'
  const w = checkWeight(api, weight)
  const chunk = checkInteger(api, 'chunkSize', chunkSize, 1)
  const maxLag = maxLagFrames === Infinity ? Infinity : checkInteger(api, 'maxLagFrames', maxLagFrames, 1)
  const watch = checkBoolean(api, 'watchHierarchy', watchHierarchy, true)
  const onAdd = checkBoolean(api, 'updateOnAdd', updateOnAdd, true)
  if (detect !== 'auto' && detect !== 'manual') {
    throw new TypeError(`${api}: detect must be 'auto' or 'manual', got ${describe(detect)}`)
  }
  return {
    name: label,
    weight: w,
    chunkSize: chunk,
    maxLag,
    watchHierarchy: watch,
    updateOnAdd: onAdd,
    detect,
    detectFrames: checkInteger(api, 'detectFrames', detectFrames, 1),
  }
}
