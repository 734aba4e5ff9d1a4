import type { MatrixSyncJob } from '../MatrixSyncJob.js'

/** Options of {@link FrustumCullingJob}. */
export interface FrustumCullingJobOptions {
  /** Name of the system, for stats, errors and the devtools. @default 'frustum-culling' */
  name?: string
  /** Expected cost as a fraction of the budget (0..1), shown and tuned in the devtools. @default 0.3 */
  weight?: number
  /**
   * Safety margin of the guard band: decisions allow the camera and each
   * object to move `1 + guardMargin` times as far as their recent peak speed
   * predicts before the decision is revisited. Larger hides less and trips the
   * guard (show everything, start over) less often. Correctness does not depend
   * on it for the camera (the guard is checked before every render); for
   * objects it is the slack on their observed speed. A finite number ≥ 0.
   * @default 0.5
   */
  guardMargin?: number
  /**
   * Also hide objects with `castShadow = true`. Off by default: a hidden
   * object casts no shadow, and a caster out of view can shade what is in view.
   * Casters are then left to three.js's own culling (per camera and per light).
   * @default false
   */
  cullShadowCasters?: boolean
  /**
   * Fewest frames a sweep is spread over while the camera moves: a slice
   * visits at most `ceil(tracked / minSweepFrames)` objects (and stops
   * earlier at the deadline). Spreading a sweep that would fit in one frame
   * cuts the job's cost per frame by about this factor, but while the camera
   * moves each decision must last longer, so the guard band (camera speed ×
   * sweep frames) widens and the objects in it, which the renderer draws
   * without a test, are drawn out of view. Measured (10k meshes, a camera
   * orbiting at 1.8 units and 0.01 rad a frame, Node 20): 1 → 0.48 ms a
   * frame and 424 out-of-view meshes drawn a frame; 4 → 0.17 ms and 842
   * drawn. Raise it when a draw call costs you less than the visits it
   * saves. An integer ≥ 1.
   * @default 1
   */
  minSweepFrames?: number
  /**
   * Fewest frames a sweep is spread over while the camera is still (its
   * motion estimate would widen the guard by less than 1e-4 of the view's
   * reach over such a sweep): the band then does not depend on the sweep's
   * length, so spreading it costs no hiding. Objects keep being revisited, so
   * one that starts moving without {@link FrustumCullingJob.markMoved} is
   * noticed within this many frames; one seen moving is padded by its own
   * speed over the longer sweep. Measured (10k meshes, still camera, Node
   * 20): 1 → about 0.4 ms a frame, 8 → 0.11 ms, every out-of-view mesh hidden in
   * both. An integer ≥ 1 (below `minSweepFrames` it is `minSweepFrames`).
   * @default 8
   */
  stillSweepFrames?: number
  /**
   * Leave three's own frustum test on for what the job shows (`frustumCulled`
   * stays `true`): the job hides what is out of view so the renderer skips
   * it, and three's exact test still keeps out-of-view objects inside the
   * guard band from being drawn. With `false` the job also turns
   * `frustumCulled` off on what it manages, so the renderer tests nothing
   * the job manages, at the price of drawing the shown objects that are out
   * of view within the guard band: in the demo city at 10k objects that was
   * 40 % more draw calls, which cost far more than the tests it saved.
   * @default true
   */
  rendererTest?: boolean
  /**
   * The scene's {@link MatrixSyncJob}, if it has one. The job then knows which
   * world matrices changed since it last read an object (the matrix job
   * stamps every matrix it writes, and every object whose children it sees
   * change), and decides an unchanged object from the sphere it stored,
   * without touching the object: a visit then costs a few array reads instead
   * of a dozen scattered object reads, which is what makes a sweep of 100k
   * objects fit in a few frames. An object is read in full when it changed,
   * when the decision changes (hide ↔ show), and at least once every
   * {@link FrustumCullingJobOptions.verifyEvery} sweeps; and a managed object
   * (not a LOD) whose world matrix the matrix job writes is re-tested right
   * then, as {@link FrustumCullingJob.markMoved} would. What the matrix job
   * cannot see is noticed at that re-read: a world matrix written outside it
   * (your own `updateMatrixWorld()` on a moved object), a geometry or its
   * bounds replaced, `castShadow` / `frustumCulled` changed; call
   * {@link FrustumCullingJob.markMoved} for those to take effect at once.
   * Skinned, instanced and batched meshes (bounds that change without a
   * matrix) are always read in full. By default, when `root` is a Scene, the
   * Scene's live MatrixSyncJob is used (looked up at each slice, so the order
   * in which the two jobs are installed does not matter); `null` never
   * trusts a stored sphere (every visit reads the object, as with three's own
   * matrix updates).
   * @default the root Scene's MatrixSyncJob, if any
   */
  matrices?: MatrixSyncJob | null
  /**
   * With `matrices`: every managed object is read in full at least once
   * every this many sweeps (a rolling share of each sweep; the members of a
   * cell take their turn together), as a net for changes the matrix job
   * cannot see. 1 reads everything every sweep. An integer ≥ 1.
   * @default 8
   */
  verifyEvery?: number
  /**
   * Coarse cells from the scene graph: a group (`Group` or plain
   * `Object3D`) whose children are all objects the job manages (without
   * children of their own), LODs or such groups is hidden itself while the
   * job holds all of them hidden, so the renderer skips the whole subtree; and, with a
   * MatrixSyncJob, the sweep decides such a group's members as one unit
   * (hidden, or shown well inside the view) while none of them changed,
   * from a sphere it stores. What is drawn is the same as without cells. A
   * group whose children change is no longer a cell until
   * {@link FrustumCullingJob.refresh}; set `frustumCulled = false` on a group
   * to keep it out.
   * @default true
   */
  cells?: boolean
}
