/**
 * three-batch-scheduler/jobs: built-in jobs that take per-frame work off
 * `renderer.render` and run it under the scheduler's budget.
 *
 * - {@link MatrixSyncJob} (Transform): world matrices of what moved, instead of the whole scene every frame.
 * - {@link FrustumCullingJob} (Visibility): hides what is out of view, in a sliced sweep with a guard band.
 * - {@link LODJob} (LOD): picks LOD levels round-robin instead of every LOD every frame.
 * - {@link GpuWarmupJob} (LOD): compiles programs and uploads textures of new objects before they are first drawn, between frames when the main thread is idle (and in budgeted slices once a step's measured cost fits them).
 * - {@link StaticBatchingJob} (Visibility): moves static meshes into `THREE.BatchedMesh` batches, a few per frame.
 *
 * Each restores what it changed on `dispose()`. {@link installBatchJobs}
 * installs the set in one call.
 *
 * @example
 * ```ts
 * import { installBatchJobs } from 'three-batch-scheduler/jobs'
 * const jobs = installBatchJobs(scheduler, { scene, camera })   // jobs.matrices, jobs.culling, jobs.lods
 * // or one by one:
 * import { MatrixSyncJob, FrustumCullingJob, LODJob } from 'three-batch-scheduler/jobs'
 * const matrices = new MatrixSyncJob(scheduler, scene)
 * const culling = new FrustumCullingJob(scheduler, camera, scene)
 * const lods = new LODJob(scheduler, camera, { root: scene })
 * ```
 * @module
 */
export { installBatchJobs, type BatchJobs, type InstallBatchJobsOptions } from './installBatchJobs.js'
export { MatrixSyncJob, type MatrixSyncJobOptions } from './MatrixSyncJob.js'
export { MatrixSyncStats } from './matrices/MatrixSyncStats.js'
export type { WorldMatrixChanges } from './matrices/WorldMatrixChanges.js'
export { LODJob, type LODJobOptions } from './LODJob.js'
export { LODJobStats } from './lod/LODJobStats.js'
export { FrustumCullingJob, type CullListener, type FrustumCullingJobOptions } from './FrustumCullingJob.js'
export { FrustumCullingStats } from './culling/FrustumCullingStats.js'
export { GpuWarmupJob, type GpuWarmupJobOptions, type GpuWarmupRenderer } from './GpuWarmupJob.js'
export { GpuWarmupStats } from './warmup/GpuWarmupStats.js'
export type { IdleDeadlineLike, IdleRunner } from './warmup/idle.js'
export { StaticBatchingJob, type StaticBatchingJobOptions, type CullingSource, type LevelSource, type BatchWarmup } from './StaticBatchingJob.js'
export { StaticBatchingStats } from './batching/StaticBatchingStats.js'
