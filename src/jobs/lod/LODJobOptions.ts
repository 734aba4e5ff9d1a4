import type { Object3D } from 'three'
import type { MatrixSyncJob } from '../MatrixSyncJob.js'

/** Options of {@link LODJob}. */
export interface LODJobOptions {
  /** Name of the system in stats, errors and the devtools. @default 'lod' */
  name?: string
  /**
   * Expected cost as a fraction of the budget (0..1), shown and tuned in the
   * devtools. The system is sliced: it stops itself at the deadline.
   * @default 0.2
   */
  weight?: number
  /** LODs updated between two `deadline.shouldYield()` checks: the most the job overruns by. @default 16 */
  chunkSize?: number
  /**
   * Staleness bound: the job does not yield while the next LOD in line was
   * last updated `maxLagFrames` or more frames ago, so after any run at frame
   * G every managed LOD was updated at a frame > G − maxLagFrames. An integer
   * ≥ 1, or `Infinity` to stay within the budget whatever the LOD count.
   * @default 30
   */
  maxLagFrames?: number
  /** Manage every LOD found under this object at install (see {@link LODJob.addAll}). */
  root?: Object3D
  /**
   * The scene's {@link MatrixSyncJob}, if it has one: a LOD whose world
   * matrix the matrix job has not written since its last update is known not
   * to have moved, so the job checks whether its update would change
   * anything from numbers it stored, without reading the LOD (see
   * *Skipping* on {@link LODJob}). By default, when `root` is a Scene, the
   * Scene's live MatrixSyncJob (looked up at each run); `null`, or no
   * matrix job, reads each LOD's world position instead.
   * @default the root Scene's MatrixSyncJob, if any
   */
  matrices?: MatrixSyncJob | null
  /**
   * Skip an update that would change nothing (see *Skipping* on
   * {@link LODJob}). With false, every LOD's `update` runs on every turn.
   * @default true
   */
  skipUnchanged?: boolean
}
