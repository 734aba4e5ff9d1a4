/**
 * three-batch-scheduler/jobs: built-in jobs that take per-frame work off
 * `renderer.render` and run it under the scheduler's budget.
 *
 * - {@link MatrixSyncJob} (Transform): world matrices of what moved, instead of the whole scene every frame.
 * - {@link FrustumCullingJob} (Visibility): hides what is out of view, in a sliced sweep with a guard band.
 * - {@link LODJob} (LOD): picks LOD levels round-robin instead of every LOD every frame.
 * - {@link StaticBatchingJob} (Visibility): moves static meshes into `THREE.BatchedMesh` batches, a few per frame.
 *
 * Each restores what it changed on `dispose()`.
 *
 * @example
 * ```ts
 * import { MatrixSyncJob, FrustumCullingJob, LODJob } from 'three-batch-scheduler/jobs'
 * const matrices = new MatrixSyncJob(scheduler, scene)
 * const culling = new FrustumCullingJob(scheduler, camera, scene)
 * const lods = new LODJob(scheduler, camera, { root: scene })
 * ```
 * @module
 */
export { MatrixSyncJob, type MatrixSyncJobOptions } from './MatrixSyncJob.js'
export { LODJob, type LODJobOptions } from './LODJob.js'
export { FrustumCullingJob, type FrustumCullingJobOptions } from './FrustumCullingJob.js'
export { FrustumCullingStats } from './culling/FrustumCullingStats.js'
export { StaticBatchingJob, type StaticBatchingJobOptions, type CullingSource } from './StaticBatchingJob.js'
export { StaticBatchingStats } from './batching/StaticBatchingStats.js'
