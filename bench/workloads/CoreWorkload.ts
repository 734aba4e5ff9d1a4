import { BatchType, type BatchScheduler, type Deadline, type FrameStats, type JobFn } from '../../src/index.js'
import type { AllocationWorkload } from './AllocationWorkload.js'

const ENTITIES = 4096
const SWEEP = 262144
const CHUNK = 256
const DT = 1 / 60

/**
 * Frame listener and stats readers sum into this so no read is optimized
 * away. A typed array, not a `let`: a module-level `let` holding a double
 * allocates a new number on every write.
 */
const sink = new Float64Array(1)

/**
 * The core's steady state: one system per BatchType (Transform, Visibility,
 * Physics every frame, LOD every 2nd frame), a sliced AI system sweeping
 * 32k entries, ten one-shot jobs per frame with options objects made once,
 * a sliced one-shot job re-enqueued whenever it finishes, one job enqueued
 * and cancelled per frame, and a frame listener. With `readStats`, the
 * percentiles and totals a devtools panel shows are read every frame too.
 */
export class CoreWorkload implements AllocationWorkload {
  readonly name: string
  readonly description: string
  readonly budgetMs = 0.5

  private scheduler: BatchScheduler | null = null
  private readonly x = new Float32Array(ENTITIES)
  private readonly v = new Float32Array(ENTITIES)
  private readonly big = new Float32Array(SWEEP)
  private sweepCursor = 0
  private rebuildCursor = 0
  private rebuildQueued = false
  private readonly systems: JobFn[]
  private readonly oneShots: { type: BatchType; fn: JobFn; options: { name: string; weight: number } }[]
  private readonly rebuild: JobFn
  private readonly rebuildOptions = { name: 'rebuild', weight: 0.2, sliced: true }
  private readonly cancelled: JobFn
  private readonly cancelledOptions = { name: 'cancelled', weight: 0.01 }
  private readonly listener = (frame: FrameStats): void => {
    sink[0] = (sink[0] as number) + frame.processed + frame.deferred + (frame.queueDepth[BatchType.AI] as number)
  }
  private readonly baselineDeadline: Deadline = { timeRemaining: () => 0, shouldYield: () => true }

  constructor(private readonly readStats = false) {
    this.name = readStats ? 'core + stats reads' : 'core'
    this.description = readStats
      ? 'core, plus stats.p50/p95/p99, totalQueueDepth and perType avgMs read every frame'
      : '5 systems (AI sliced), 10 one-shot jobs/frame, a sliced one-shot job, an enqueue+cancel, a frame listener'
    for (let i = 0; i < ENTITIES; i++) {
      this.x[i] = i
      this.v[i] = 1
    }
    const x = this.x
    const v = this.v
    const big = this.big
    this.systems = [
      function transformSystem() {
        for (let i = 0; i < 1024; i++) x[i] = (x[i] as number) + (v[i] as number) * DT
      },
      function visibilitySystem() {
        let visible = 0
        for (let i = 0; i < 1024; i++) if ((x[i] as number) > 0) visible++
        sink[0] = (sink[0] as number) + visible
      },
      function physicsSystem() {
        for (let i = 1024; i < 2048; i++) v[i] = (v[i] as number) * 0.999
      },
      function lodSystem() {
        for (let i = 2048; i < 3072; i++) x[i] = (x[i] as number) * 1.0001
      },
      (deadline: Deadline) => {
        let c = this.sweepCursor
        while (c < SWEEP) {
          const end = c + CHUNK
          for (; c < end; c++) big[c] = (big[c] as number) * 0.5 + 1
          if (deadline.shouldYield()) break
        }
        this.sweepCursor = c < SWEEP ? c : 0
        return c < SWEEP
      },
    ]
    const oneShot = (name: string, type: BatchType, from: number): { type: BatchType; fn: JobFn; options: { name: string; weight: number } } => ({
      type,
      options: { name, weight: 0.01 },
      fn: () => {
        for (let i = from; i < from + 64; i++) x[i] = (x[i] as number) + 1e-6
      },
    })
    this.oneShots = []
    for (let i = 0; i < 10; i++) this.oneShots.push(oneShot(`oneShot${i % 5}`, (i % 5) as BatchType, i * 64))
    this.rebuild = (deadline: Deadline) => {
      let c = this.rebuildCursor
      while (c < SWEEP) {
        const end = c + CHUNK
        for (; c < end; c++) big[c] = (big[c] as number) + 1
        if (deadline.shouldYield()) break
      }
      if (c < SWEEP) {
        this.rebuildCursor = c
        return true
      }
      this.rebuildCursor = 0
      this.rebuildQueued = false
      return false
    }
    this.cancelled = () => {
      sink[0] = (sink[0] as number) - 1
    }
  }

  setup(scheduler: BatchScheduler): void {
    this.scheduler = scheduler
    const [transform, visibility, physics, lod, ai] = this.systems as [JobFn, JobFn, JobFn, JobFn, JobFn]
    scheduler.addSystem(BatchType.Transform, transform, { weight: 0.02 })
    scheduler.addSystem(BatchType.Visibility, visibility, { weight: 0.02 })
    scheduler.addSystem(BatchType.Physics, physics, { weight: 0.02 })
    scheduler.addSystem(BatchType.LOD, lod, { weight: 0.02, interval: 2 })
    scheduler.addSystem(BatchType.AI, ai, { name: 'aiSweep', weight: 0.3, sliced: true })
    scheduler.addFrameListener(this.listener)
  }

  beforeFrame(): void {
    const scheduler = this.scheduler as BatchScheduler
    for (let i = 0; i < this.oneShots.length; i++) {
      const job = this.oneShots[i] as (typeof this.oneShots)[number]
      scheduler.enqueue(job.type, job.fn, job.options)
    }
    if (!this.rebuildQueued) {
      this.rebuildQueued = true
      scheduler.enqueue(BatchType.LOD, this.rebuild, this.rebuildOptions)
    }
    scheduler.cancel(scheduler.enqueue(BatchType.AI, this.cancelled, this.cancelledOptions))
    if (this.readStats) {
      const stats = scheduler.stats
      sink[0] = (sink[0] as number) + stats.p50 + stats.p95 + stats.p99 + stats.last.totalQueueDepth + (stats.perType[BatchType.AI]?.avgMs ?? 0)
    }
  }

  baselineFrame(frame: number): void {
    const deadline = this.baselineDeadline
    for (let i = 0; i < this.systems.length; i++) {
      if (i === 3 && frame % 2 === 1) continue
      ;(this.systems[i] as JobFn)(deadline)
    }
    for (let i = 0; i < this.oneShots.length; i++) (this.oneShots[i] as (typeof this.oneShots)[number]).fn(deadline)
    this.rebuild(deadline)
  }

  dispose(): void {
    this.scheduler = null
    if (sink[0] === Number.MIN_VALUE) console.log(sink[0])
  }
}
