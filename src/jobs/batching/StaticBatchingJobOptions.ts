import type { LOD, Object3D } from 'three'
import { checkBoolean, checkInteger, checkName, checkWeight, describe } from '../../core/validate.js'
import type { MatrixSyncJob } from '../MatrixSyncJob.js'
import type { WorldMatrixChanges } from '../matrices/WorldMatrixChanges.js'
import type { BatchWarmup } from './ColdGroups.js'

/**
 * What the job needs of a culling job (a `FrustumCullingJob` is one). With
 * the listener methods the culler drives the instances: a mesh it hides has
 * its instance hidden at once, and the batches do not cull themselves. With
 * `isCulled` alone the culler's hides are ignored and the batches cull
 * their instances every frame (`perObjectFrustumCulled`).
 */
export interface CullingSource {
  /** True when the culler, not the app, keeps `object` hidden right now. */
  isCulled(object: Object3D): boolean
  /** `FrustumCullingJob.addCullListener`: `listener(object, culled)` on each hide and show the culler makes. */
  addCullListener?(listener: (object: Object3D, culled: boolean) => void): void
  /** `FrustumCullingJob.removeCullListener`. */
  removeCullListener?(listener: (object: Object3D, culled: boolean) => void): void
  /** `FrustumCullingJob.rendererTest`: false when what the culler shows is drawn untested (then the batches do not test their instances either). */
  readonly rendererTest?: boolean
}

/** What the job needs of a LOD job (a `LODJob` is one): to be told when a LOD's level changed. */
export interface LevelSource {
  /** `LODJob.addLevelListener`: `listener(lod)` right after the job switched a LOD's level. */
  addLevelListener(listener: (lod: LOD) => void): void
  /** `LODJob.removeLevelListener`. */
  removeLevelListener(listener: (lod: LOD) => void): void
}

/** Options of {@link StaticBatchingJob}. */
export interface StaticBatchingJobOptions {
  /** Name of the system in stats, errors and the devtools. @default 'staticBatching' */
  name?: string
  /** Expected cost as a fraction of the budget (0..1). The system is sliced and stops itself at the deadline. @default 0.3 */
  weight?: number
  /** Meshes handled between two `deadline.shouldYield()` checks: the most a slice overruns by (a LOD's meshes count as one unit). @default 16 */
  chunkSize?: number
  /** Instances a batch holds at most: a full group opens another batch (no batch ever grows, so no frame copies a whole one). @default 8192 */
  maxInstancesPerBatch?: number
  /** Vertices a batch holds at most (more for one geometry bigger than that alone). @default 262144 */
  maxVerticesPerBatch?: number
  /** A mesh found moved by this many consecutive sweep visits leaves its batch and draws itself (moves told by a MatrixSyncJob never count). @default 3 */
  leaveAfterMoves?: number
  /** A mesh out of its batch rejoins after this many frames without a move or a swap. @default 60 */
  rejoinAfterFrames?: number
  /** Frames between two scans of the scene for meshes added since (a scan overdue by as many again goes before the sweep). @default 30 */
  rescanFrames?: number
  /**
   * A sweep over the batched meshes is spread over at least this many runs
   * (more when the budget is short): the most frames a change waits to be
   * seen when the budget allows, and what keeps a small scene's sweep from
   * using every frame's whole budget. @default 8
   */
  minSweepFrames?: number
  /**
   * `BatchedMesh.perObjectFrustumCulled` of the batches: each batch tests
   * its shown instances against the camera in `onBeforeRender`, every render
   * (a loop over all its instances, a sphere test for each shown one). When
   * a culling job drives the instances it hides most of what is out of view
   * first (conservatively: its guard band is wider than the view while the
   * camera moves), and this exact test is what keeps the GPU from drawing
   * the rest, as three's own test does for the meshes it shows.
   * @default true; with a driving culling job, that job's `rendererTest` (true unless it was made with `rendererTest: false`)
   */
  perObjectFrustumCulled?: boolean
  /** `BatchedMesh.sortObjects` of the batches (opaque only, so the picture does not depend on it). @default false */
  sortObjects?: boolean
  /**
   * The scene's culling job (`FrustumCullingJob`), which hides what is out of
   * view by `visible = false`. It drives the instances: each hide and show it
   * makes of a batched mesh (or of a LOD holding batched levels) is applied
   * to the instance at once, through its cull listener, with the same
   * guarantee (nothing in view is hidden); the batches then test only the
   * instances it shows (see {@link StaticBatchingJobOptions.perObjectFrustumCulled}). Without it (or with a source that has no listener
   * methods) the batches cull their instances themselves and a culler's
   * hides are ignored. Hides made by the app are honoured either way.
   * @default null
   */
  culling?: CullingSource | null
  /**
   * The MatrixSyncJob whose writes update instances at once (moved meshes then
   * stay batched). Left out: the scene's live one, looked up every run; null: none.
   */
  matrices?: MatrixSyncJob | null
  /**
   * Keep three's render walk out of subtrees the batches draw whole: a group
   * (or `LOD` whose levels a job picks) holding only batched meshes and such
   * groups, with nothing written, added or removed below it for 60 frames,
   * is hidden (`visible = false`) for the duration of each render of the
   * scene and shown again after it, so `projectObject` and the shadow pass
   * skip its handles. Needs the scene's `MatrixSyncJob` with `watchHierarchy`
   * (the default): its change stamps tell, before every render, whether
   * anything below such a group changed since it was found (then it is
   * walked as usual). At 100k objects the walk over the handles was the
   * largest CPU cost left with batching (docs/batching.md). Code that reads
   * a group's `visible` from inside a render sees false.
   * @default true
   */
  pruneRender?: boolean
  /**
   * The LOD job that switches the scene's LODs (`LODJob`): when it changes a
   * LOD's level, the batched levels' instances are shown and hidden at once.
   * Without it a switch reaches the instances at the LOD's next sweep visit
   * (the LOD keeps showing its old level until then, never none or two).
   * @default null
   */
  lods?: LevelSource | null
  /**
   * The GPU warm-up job (`GpuWarmupJob`): a batch draws with a program of its
   * own (three's batching variant of the material), compiled on its first
   * draw, a hitch like any new program's. With this job a new group opens no
   * batch until that program is compiled: its members go on drawing
   * themselves meanwhile (a few frames), then join. Settable later through
   * {@link StaticBatchingJob.warmup}.
   * @default null
   */
  warmup?: BatchWarmup | null
}

/** {@link StaticBatchingJobOptions} checked, with their defaults. @internal */
export interface BatchingSettings {
  readonly name: string
  readonly weight: number
  readonly chunkSize: number
  readonly maxInstances: number
  readonly maxVertices: number
  readonly leaveAfterMoves: number
  readonly rejoinAfterFrames: number
  readonly rescanFrames: number
  readonly minSweepFrames: number
  readonly perObjectFrustumCulled: boolean
  readonly sortObjects: boolean
  readonly culling: CullingSource | null
  /** The culler tells each hide and show (it has the listener methods): the instances follow them. */
  readonly driven: boolean
  readonly lods: LevelSource | null
  readonly matrices: WorldMatrixChanges | null | undefined
  readonly pruneRender: boolean
  readonly warmup: BatchWarmup | null
}

/** `value`, or `fallback` when it is undefined (as a destructuring default: null stays null and is rejected). */
const or = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value)

const hasMethods = (o: unknown, ...names: string[]): boolean =>
  o !== null && typeof o === 'object' && names.every((n) => typeof (o as Record<string, unknown>)[n] === 'function')

/** @throws TypeError prefixed with `api` when `scene` is not a THREE.Scene. @internal */
export function checkScene(api: string, scene: unknown): void {
  if (scene === null || typeof scene !== 'object' || (scene as { isScene?: unknown }).isScene !== true) {
    throw new TypeError(`${api}: scene must be a THREE.Scene, got ${describe(scene)}`)
  }
}

/**
 * Checks the options and fills in the defaults.
 * @throws TypeError on a bad option, prefixed with `api`.
 * @internal
 */
export function readBatchingOptions(api: string, options: StaticBatchingJobOptions): BatchingSettings {
  const { culling = null, lods = null, matrices, warmup = null } = options
  if (culling !== null && !hasMethods(culling, 'isCulled')) {
    throw new TypeError(`${api}: culling must be a FrustumCullingJob (an object with isCulled) or null, got ${describe(culling)}`)
  }
  if (lods !== null && !hasMethods(lods, 'addLevelListener', 'removeLevelListener')) {
    throw new TypeError(`${api}: lods must be a LODJob or null, got ${describe(lods)}`)
  }
  if (matrices !== undefined && matrices !== null && !hasMethods(matrices, 'addWriteListener')) {
    throw new TypeError(`${api}: matrices must be a MatrixSyncJob or null, got ${describe(matrices)}`)
  }
  checkWarmup(api, 'warmup', warmup)
  const driven = culling !== null && hasMethods(culling, 'addCullListener', 'removeCullListener')
  const exact = !driven || (culling as CullingSource).rendererTest !== false
  return {
    name: checkName(api, or(options.name, 'staticBatching')) ?? 'staticBatching',
    weight: checkWeight(api, or(options.weight, 0.3)),
    chunkSize: checkInteger(api, 'chunkSize', or(options.chunkSize, 16), 1),
    maxInstances: checkInteger(api, 'maxInstancesPerBatch', or(options.maxInstancesPerBatch, 8192), 1),
    maxVertices: checkInteger(api, 'maxVerticesPerBatch', or(options.maxVerticesPerBatch, 262144), 3),
    leaveAfterMoves: checkInteger(api, 'leaveAfterMoves', or(options.leaveAfterMoves, 3), 1),
    rejoinAfterFrames: checkInteger(api, 'rejoinAfterFrames', or(options.rejoinAfterFrames, 60), 0),
    rescanFrames: checkInteger(api, 'rescanFrames', or(options.rescanFrames, 30), 1),
    minSweepFrames: checkInteger(api, 'minSweepFrames', or(options.minSweepFrames, 8), 1),
    perObjectFrustumCulled: checkBoolean(api, 'perObjectFrustumCulled', options.perObjectFrustumCulled, exact),
    sortObjects: checkBoolean(api, 'sortObjects', options.sortObjects, false),
    pruneRender: checkBoolean(api, 'pruneRender', options.pruneRender, true),
    culling,
    driven,
    lods,
    matrices,
    warmup,
  }
}

/** @throws TypeError prefixed with `api` when `warmup` is neither null nor a GpuWarmupJob-like object. @internal */
export function checkWarmup(api: string, what: string, warmup: unknown): asserts warmup is BatchWarmup | null {
  if (warmup !== null && !hasMethods(warmup, 'add', 'isWarming')) {
    throw new TypeError(`${api}: ${what} must be a GpuWarmupJob (an object with add and isWarming) or null, got ${describe(warmup)}`)
  }
}
