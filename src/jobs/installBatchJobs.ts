import type { Camera, Scene } from 'three'
import type { BatchScheduler } from '../core/BatchScheduler.js'
import { describe } from '../core/validate.js'
import { FrustumCullingJob, type FrustumCullingJobOptions } from './FrustumCullingJob.js'
import { GpuWarmupJob, type GpuWarmupJobOptions, type GpuWarmupRenderer } from './GpuWarmupJob.js'
import { LODJob, type LODJobOptions } from './LODJob.js'
import { StaticBatchingJob, type StaticBatchingJobOptions } from './StaticBatchingJob.js'
import { MatrixSyncJob, type MatrixSyncJobOptions } from './MatrixSyncJob.js'
import { checkCamera } from './utils/checkThree.js'

/** Options of {@link installBatchJobs}: the scene and camera, and per job its options, `true` for the defaults, or `false` to leave it out. */
export interface InstallBatchJobsOptions {
  /** The scene the jobs manage (the one you render). */
  scene: Scene
  /** The camera you render with (culling and LOD choice follow it). */
  camera: Camera
  /** {@link MatrixSyncJob}: world matrices of what moved (found by itself: `detect: 'auto'`). @default {} */
  matrices?: MatrixSyncJobOptions | boolean
  /** {@link FrustumCullingJob}: hides what is out of view, with the scene as root. @default {} */
  culling?: FrustumCullingJobOptions | boolean
  /** {@link LODJob}: LOD levels, for every `THREE.LOD` under `root` (the scene unless given). @default {} */
  lods?: LODJobOptions | boolean
  /**
   * {@link StaticBatchingJob}: moves static meshes into `THREE.BatchedMesh`
   * batches, so thousands of draw calls become a few. Off unless asked for:
   * `true` or an options object (its `culling` and `lods` are the culling and
   * LOD jobs installed here: the culling job hides the batches' instances and
   * the LOD job switches batched levels in the frame it picks them; its
   * `warmup` is the warm-up job installed here, when there is one: a new
   * batch opens once its program is compiled).
   * @default false
   */
  batching?: Omit<StaticBatchingJobOptions, 'culling' | 'lods' | 'warmup'> | boolean
  /**
   * The renderer: with it, {@link GpuWarmupJob} is installed too (new
   * materials compiled and textures uploaded before their first draw).
   */
  renderer?: GpuWarmupRenderer
  /** {@link GpuWarmupJob}'s options (scene and camera are the ones above), or `false` to leave it out even with a renderer. @default {} */
  warmup?: Omit<GpuWarmupJobOptions, 'scene' | 'camera'> | boolean
}

/** The jobs {@link installBatchJobs} installed (null for those left out), and one `dispose()` for all. */
export interface BatchJobs {
  /** The matrix job (null when `matrices: false`). */
  readonly matrices: MatrixSyncJob | null
  /** The culling job (null when `culling: false`). */
  readonly culling: FrustumCullingJob | null
  /** The LOD job (null when `lods: false`). */
  readonly lods: LODJob | null
  /** The batching job: installed when `batching` was given. */
  readonly batching: StaticBatchingJob | null
  /** The GPU warm-up job: installed when `renderer` was given (and `warmup` is not false). */
  readonly warmup: GpuWarmupJob | null
  /** Disposes every installed job, last installed first; each restores what it changed. Safe to call twice. */
  dispose(): void
}

/**
 * Installs the built-in jobs on one scene in one call: {@link MatrixSyncJob}
 * (world matrices; finds moves by itself), {@link FrustumCullingJob} (hides
 * what is out of view) and {@link LODJob} (LOD levels); with `batching`,
 * {@link StaticBatchingJob} (fewer draw calls); with a `renderer`, {@link GpuWarmupJob} (programs and textures ready before
 * their first draw). The culling and LOD
 * jobs find the matrix job by themselves. Nothing else to call: move, add,
 * animate and remove objects as in any three.js app.
 *
 * Pass a job's options object to tune it, or `false` to leave it out. If a
 * job throws while installing (a bad option), the ones already installed
 * are disposed and the error is rethrown.
 *
 * @example
 * ```ts
 * const scheduler = new BatchScheduler()
 * const loop = new RenderLoop(renderer, scheduler, { scene, camera })
 * loop.start()
 * const jobs = installBatchJobs(scheduler, { scene, camera })
 * // later: jobs.dispose() restores the scene
 * ```
 * @throws TypeError when `scene` is not a THREE.Scene, `camera` not a camera, or a job's option is neither an object nor a boolean; whatever a job's constructor throws on a bad option.
 */
export function installBatchJobs(scheduler: BatchScheduler, options: InstallBatchJobsOptions): BatchJobs {
  const api = 'installBatchJobs'
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${api}: options must be an object with scene and camera, got ${describe(options)}`)
  }
  const { scene, camera, matrices = {}, culling = {}, lods = {}, batching = false, renderer, warmup = {} } = options
  if (scene === null || typeof scene !== 'object' || (scene as { isScene?: unknown }).isScene !== true) {
    throw new TypeError(`${api}: scene must be a THREE.Scene, got ${describe(scene)}`)
  }
  checkCamera(api, camera)
  const matrixOptions = jobOptions(api, 'matrices', matrices)
  const cullingOptions = jobOptions(api, 'culling', culling)
  const lodOptions = jobOptions(api, 'lods', lods)
  const batchingOptions = jobOptions(api, 'batching', batching)
  const warmupOptions = renderer === undefined ? null : jobOptions(api, 'warmup', warmup)

  const installed: { dispose(): void }[] = []
  const install = <T extends { dispose(): void }>(make: () => T): T => {
    try {
      const job = make()
      installed.push(job)
      return job
    } catch (error) {
      for (let i = installed.length - 1; i >= 0; i--) (installed[i] as { dispose(): void }).dispose()
      throw error
    }
  }
  const m = matrixOptions === null ? null : install(() => new MatrixSyncJob(scheduler, scene, matrixOptions))
  const c = cullingOptions === null ? null : install(() => new FrustumCullingJob(scheduler, camera, scene, cullingOptions))
  const l = lodOptions === null ? null : install(() => new LODJob(scheduler, camera, { root: scene, ...lodOptions }))
  const w =
    warmupOptions === null || renderer === undefined
      ? null
      : install(() => new GpuWarmupJob(scheduler, renderer, { ...warmupOptions, scene, camera }))
  const b = batchingOptions === null ? null : install(() => new StaticBatchingJob(scheduler, scene, { ...batchingOptions, culling: c, lods: l, warmup: w }))
  let disposed = false
  return {
    matrices: m,
    culling: c,
    lods: l,
    batching: b,
    warmup: w,
    dispose() {
      if (disposed) return
      disposed = true
      for (let i = installed.length - 1; i >= 0; i--) (installed[i] as { dispose(): void }).dispose()
    },
  }
}

/** A job's options: `{}` for true, null for false. */
function jobOptions<T extends object>(api: string, key: string, value: T | boolean | undefined): T | null {
  if (value === false) return null
  if (value === true || value === undefined) return {} as T
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${api}: ${key} must be an options object, true or false, got ${describe(value)}`)
  }
  return value
}
