import type { MatrixSyncJob } from '../MatrixSyncJob.js'

/** Options of {@link FrustumCullingJob}. */
export interface FrustumCullingJobOptions {
  /** Name of the system, for stats, errors and the devtools. @default 'frustumCulling' */
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
   * The scene's {@link MatrixSyncJob}, if it has one. Its change stamps tell
   * the job which world matrices changed since it last read an object, so an
   * unchanged object whose decision stands is decided from the sphere the job
   * stored, without reading it (`stats.trusted`): what makes a sweep of 100k
   * objects fit in a few frames. It also re-tests at once an object whose
   * world matrix the matrix job writes, so `markDirty` is all a move needs.
   * What the matrix job cannot see (a world matrix you write yourself, a
   * geometry or bounds replaced, `castShadow` / `frustumCulled` changed) is
   * seen at the object's next full read (see
   * {@link FrustumCullingJobOptions.verifyEvery}); call
   * {@link FrustumCullingJob.markMoved} for it to take effect at once. By
   * default, when `root` is a Scene, the Scene's live MatrixSyncJob is used
   * (looked up at each slice, so the two jobs may be installed in any order);
   * `null` reads every object at every visit. See docs/culling.md, *Trusted visits*.
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
   * Coarse cells from the scene graph: a group (`Group` or plain `Object3D`)
   * whose children are all objects the job manages (without children of
   * their own), LODs or such groups is hidden itself while the job holds all
   * of them hidden, so the renderer skips the whole subtree; and, with a
   * MatrixSyncJob, the sweep decides such a group's members as one unit
   * (hidden, or shown well inside the view) while none of them changed, from
   * a sphere it stores (see docs/culling.md, *Cells and units*). What is
   * drawn is the same as without cells. A group whose children change is no
   * longer a cell until {@link FrustumCullingJob.refresh}; set
   * `frustumCulled = false` on a group to keep it out.
   * @default true
   */
  cells?: boolean
}
