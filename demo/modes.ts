/**
 * The demo's two ways of running the same scene:
 * - `ScheduledMode`: RenderLoop + the built-in jobs (matrix sync, frustum
 *   culling, LOD) + the cars' AI as a sliced system and their physics as a
 *   fixed-timestep system drawn with interpolation, all under the budget;
 * - `PlainMode`: what a plain three.js app does: everything, every frame
 *   (auto matrix updates, the renderer's own culling and LOD.update, AI and
 *   physics for every car).
 * Both report the same timings, so the panel and the HUD compare them live.
 */
import type { PerspectiveCamera, WebGLRenderer } from 'three'
import { type BatchScheduler, BatchType, type SystemHandle } from '../src/index.js'
import { FrustumCullingJob, GpuWarmupJob, LODJob, MatrixSyncJob, StaticBatchingJob } from '../src/jobs/index.js'
import { GpuTimer, RenderLoop } from '../src/three/index.js'
import type { Traffic } from './traffic.js'
import type { City } from './world.js'

export interface Timings {
  deltaMs: number
  updateMs: number
  jobsMs: number
  renderMs: number
  frameMs: number
  gpuMs: number
}

export interface ModeContext {
  renderer: WebGLRenderer
  camera: PerspectiveCamera
  city: City
  scheduler: BatchScheduler
  traffic: Traffic
  /** The app's must-run logic: camera path, controls. */
  update: (deltaMs: number, time: number) => void
  /** Install the GPU warm-up job in scheduled mode (new objects held until compiled and uploaded). */
  warmup: boolean
  /** Scheduler mode batches the city's static meshes (StaticBatchingJob). */
  batching: boolean
}

export interface Mode {
  readonly scheduled: boolean
  /** Timings of the last complete frame (CPU ms). */
  readonly timings: Timings
  /** Objects the scheduler's culling job hides now (0 in plain mode: the renderer culls inside render). */
  readonly hidden: number
  /** Of the groups the culling job found to be coarse cells, those hidden whole now (their subtrees skipped by the renderer). */
  readonly hiddenGroups: number
  /** The GPU warm-up job, when scheduled with `warmup` on; else null. */
  readonly warmup: GpuWarmupJob | null
  /** Turns the warm-up job on or off (scheduled mode only). */
  setWarmup(on: boolean): void
  /** True once every sweep has caught up with a still camera (matrices, LOD levels, culling). */
  settled(): boolean
  start(): void
  dispose(): void
}

export class ScheduledMode implements Mode {
  readonly scheduled = true
  readonly loop: RenderLoop
  readonly matrices: MatrixSyncJob
  readonly culling: FrustumCullingJob
  readonly lods: LODJob
  warmup: GpuWarmupJob | null = null
  /** The batching job while batching is on, else null. */
  batching: StaticBatchingJob | null = null
  private readonly systems: SystemHandle[] = []
  private readonly startFrame: number

  constructor(private readonly ctx: ModeContext) {
    const { scheduler, city, camera, renderer, traffic } = ctx
    this.startFrame = scheduler.frame
    this.matrices = new MatrixSyncJob(scheduler, city.scene)
    this.culling = new FrustumCullingJob(scheduler, camera, city.scene)
    this.lods = new LODJob(scheduler, camera, { root: city.root })
    const meshes = city.cars.meshes
    const matrices = this.matrices
    traffic.onMoved = (i) => matrices.markDirty(meshes[i]!)
    traffic.resync()
    // Physics steps at a fixed 60 Hz whatever the frame rate (RenderLoop feeds
    // the scheduler its clamped delta); the meshes are drawn between the last
    // two steps by the step's alpha, in a sliced system that runs after the
    // steps (a Physics system: fixed steps run first in their type's turn).
    const cars = scheduler.addSystems({
      physics: { type: BatchType.Physics, fixed: { stepMs: 1000 / 60, maxSteps: 4 }, run: (stepMs) => traffic.fixedStep(stepMs), name: 'car physics', weight: 0.05 },
      motion: { type: BatchType.Physics, run: (deadline) => traffic.interpolate(deadline), name: 'car motion', sliced: true, weight: 0.3 },
      ai: { type: BatchType.AI, run: (deadline) => traffic.think(deadline), name: 'car AI', sliced: true, weight: 0.2, interval: 3 },
    })
    traffic.stepAlpha = cars.physics
    this.systems.push(cars.physics, cars.motion, cars.ai)
    this.loop = new RenderLoop(renderer, scheduler, { scene: city.scene, camera, update: ctx.update })
    this.setWarmup(ctx.warmup)
    this.setBatching(ctx.batching)
  }

  setWarmup(on: boolean): void {
    if (on === (this.warmup !== null)) return
    if (on) this.warmup = new GpuWarmupJob(this.ctx.scheduler, this.ctx.renderer, { scene: this.ctx.city.scene, camera: this.ctx.camera })
    else {
      this.warmup?.dispose()
      this.warmup = null
    }
    // New batches open once their program is compiled (through the warm-up job).
    if (this.batching !== null) this.batching.warmup = this.warmup
  }

  /** Turns batching on (a new StaticBatchingJob) or off (the job disposed: the scene as it was). */
  setBatching(on: boolean): void {
    if (on === (this.batching !== null)) return
    if (on) this.batching = new StaticBatchingJob(this.ctx.scheduler, this.ctx.city.scene, { culling: this.culling, lods: this.lods, warmup: this.warmup })
    else {
      this.batching?.dispose()
      this.batching = null
    }
  }

  get timings(): Timings {
    return this.loop.timings as Timings
  }

  get hidden(): number {
    return this.culling.stats.hidden
  }

  get hiddenGroups(): number {
    return this.culling.stats.hiddenCells
  }

  settled(): boolean {
    const s = this.culling.stats
    return (
      this.matrices.isIdle &&
      this.lods.laps >= 2 &&
      (this.batching === null || (this.batching.isIdle && this.batching.stats.sweeps >= 2)) &&
      s.sweeps >= 2 &&
      this.ctx.scheduler.frame - this.startFrame > 10
    )
  }

  start(): void {
    this.loop.start()
  }

  dispose(): void {
    this.loop.dispose()
    this.setWarmup(false)
    for (const s of this.systems) s.remove()
    this.setBatching(false)
    this.lods.dispose()
    this.culling.dispose()
    this.matrices.dispose()
    this.ctx.traffic.onMoved = () => {}
    this.ctx.traffic.stepAlpha = { alpha: 1 }
  }
}

export class PlainMode implements Mode {
  readonly scheduled = false
  readonly hidden = 0
  readonly hiddenGroups = 0
  readonly warmup = null
  readonly timings: Timings = { deltaMs: 0, updateMs: 0, jobsMs: 0, renderMs: 0, frameMs: 0, gpuMs: NaN }
  private last = -1
  private frames = 0
  /** The library's GPU timer around the plain render too, so both modes' GPU ms compare (NaN where none). */
  private readonly gpu: GpuTimer

  constructor(private readonly ctx: ModeContext) {
    this.gpu = new GpuTimer(ctx.renderer)
  }

  setWarmup(): void {
    // Plain three.js: no jobs.
  }

  settled(): boolean {
    return this.frames > 3
  }

  start(): void {
    this.last = -1
    this.ctx.traffic.resync()
    this.ctx.renderer.setAnimationLoop(this.frame)
  }

  dispose(): void {
    this.ctx.renderer.setAnimationLoop(null)
    this.gpu.dispose()
  }

  private readonly frame = (time: number): void => {
    const { renderer, city, camera, scheduler, traffic } = this.ctx
    const t = this.timings
    const t0 = performance.now()
    const delta = this.last < 0 ? 0 : Math.min(250, time - this.last)
    this.last = time
    t.deltaMs = delta
    this.ctx.update(delta, time)
    // The plain way: every car thinks and moves every frame.
    traffic.think()
    traffic.step()
    const t1 = performance.now()
    // The scheduler has nothing to run; a frame keeps the panel's graphs moving.
    scheduler.runFrame()
    const t2 = performance.now()
    // Matrix updates, frustum culling and LOD.update for every object happen in here.
    this.gpu.poll()
    this.gpu.begin()
    renderer.render(city.scene, camera)
    this.gpu.end()
    const t3 = performance.now()
    t.gpuMs = this.gpu.lastMs
    t.updateMs = t1 - t0
    t.jobsMs = t2 - t1
    t.renderMs = t3 - t2
    t.frameMs = t3 - t0
    this.frames++
  }
}
