import { BATCH_TYPE_COUNT, BATCH_TYPE_NAMES, BatchType } from './BatchType.js'
import { BatchStats, type FrameStats, type TypeStats } from './BatchStats.js'
import { type Clock, performanceClock } from './Clock.js'
import { CostModel, MAX_LEARNED_NAMES } from './CostModel.js'
import { CANCELLED, JobPool, QUEUED, RUNNING, SKIP, SLICED, SYSTEM } from './JobPool.js'
import { RingQueue } from './RingQueue.js'
import { CHEAP_MS, CheapGroup } from './CheapGroup.js'
import { ProblemReporter } from './ProblemReporter.js'
import { type SystemHost, SystemRecord } from './SystemRecord.js'
import { FixedSystemRecord } from './FixedSystemRecord.js'
import { AsyncRuns } from './AsyncRuns.js'
import { PendingMoves } from './PendingMoves.js'
import { registerSystems } from './registerSystems.js'
import type {
  BatchSchedulerOptions,
  Deadline,
  EnqueueOptions,
  FixedStepFn,
  FixedSystemHandle,
  FixedSystemOptions,
  FixedSystemSpec,
  FrameListener,
  JobFn,
  MaxDeferFrames,
  SchedulerDiagnostics,
  SystemHandle,
  SystemHandles,
  SystemOptions,
  SystemSpec,
  SystemEntry,
} from './types.js'
import {
  checkBoolean,
  checkFunction,
  checkInteger,
  checkName,
  checkPositive,
  checkType,
  checkWeight,
  describe,
} from './validate.js'

/** Re-exported where they were defined before; see CheapGroup.ts. */
export { CHEAP_GROUP, CHEAP_MS } from './CheapGroup.js'

/**
 * A queue is compacted (its cancelled and skipped entries dropped, their slots
 * freed) once it holds more than this many of them and more of them than live
 * jobs. Without it, enqueue + cancel churn while a type is disabled, the
 * scheduler is paused or the tab is hidden (no frames pop the queue) would
 * grow the queue and the job pool without bound.
 */
const COMPACT_MIN = 64

/** Weight of a job or system that gives none: 10 % of the budget. */
export const DEFAULT_WEIGHT = 0.1

/**
 * Default latency bound per {@link BatchType}, in frames: how long a job may
 * wait before it is forced. Transform and Visibility are what the user sees,
 * so they wait least; AI tolerates half a second at 60 fps.
 */
export const DEFAULT_MAX_DEFER_FRAMES: Readonly<Record<BatchType, number>> = {
  [BatchType.Transform]: 2,
  [BatchType.Visibility]: 2,
  [BatchType.Physics]: 4,
  [BatchType.LOD]: 8,
  [BatchType.AI]: 30,
}

/**
 * Runs batch jobs from five priority queues within a per-frame CPU budget.
 *
 * Each {@link BatchScheduler.runFrame} first arms the systems that are due,
 * then runs any job that reached its latency bound (forced), then runs jobs in
 * strict priority order (Transform first, AI last; FIFO within a type) while
 * each job's predicted cost fits in the budget left. A job that does not fit
 * keeps its place and waits for the next frame. Jobs enqueued during a frame
 * become eligible the next frame.
 *
 * The core never touches the DOM or three.js, and allocates nothing per frame
 * once warm.
 *
 * @example
 * ```ts
 * const scheduler = new BatchScheduler({ budgetMs: 2.5 })
 * scheduler.addSystem(BatchType.AI, (deadline) => thinkAgents(deadline), { name: 'agents', weight: 0.3 })
 * scheduler.enqueue(BatchType.LOD, () => rebuildImpostors(), { weight: 0.5 })
 * function frame() {
 *   scheduler.runFrame()          // ≤ 2.5 ms of batch work
 *   renderer.render(scene, camera)
 * }
 * ```
 */
export class BatchScheduler implements SystemHost {
  /** The clock all time is read from. */
  readonly clock: Clock
  /** Everything counted since the start; reading it allocates nothing. */
  readonly stats: BatchStats
  /** Whether job runs are recorded with `performance.measure` (see {@link BatchSchedulerOptions.trace}). */
  trace: boolean

  private budget: number
  private minSlice: number
  private readonly maxDefer = new Float64Array(BATCH_TYPE_COUNT)
  private readonly typeEnabled = new Uint8Array(BATCH_TYPE_COUNT).fill(1)
  private readonly typeShare = new Float64Array(BATCH_TYPE_COUNT).fill(1)
  private readonly queues: RingQueue[] = []
  /** Live (not cancelled, not skipped) queued jobs per type, the running job excluded. */
  private readonly liveCount = new Int32Array(BATCH_TYPE_COUNT)
  /** Eligible jobs of the current frame that have not run yet, per type. */
  private readonly eligibleLive = new Int32Array(BATCH_TYPE_COUNT)
  private readonly pool = new JobPool()
  private readonly costs = new CostModel()
  private readonly systemList: SystemRecord[] = []
  private readonly fixedList: FixedSystemRecord[] = []
  private readonly asyncRuns: AsyncRuns
  /** Type changes asked for during a frame, applied at its end. */
  private readonly moves = new PendingMoves()
  /** The system owning each pool slot, or null for one-shot jobs. */
  private readonly systemBySlot: (SystemRecord | null)[] = []
  private listeners: FrameListener[] = []
  private readonly maxQueueLength: number
  private readonly problems: ProblemReporter
  private readonly deadline: Deadline

  private frameNumber = 0
  private isPaused = false
  private stepsPending = 0
  /** True while a frame that runs is open (between its start and its stats). */
  private running = false
  /** True between beginFrame and endFrame, a paused (skipped) frame included. */
  private frameOpen = false
  /** True while runJobs walks the queues (a job is running or about to). */
  private inJobs = false
  /** Whether this frame's forced runs and fixed steps were done (runJobs may be called twice). */
  private forcedDone = false
  /** Clock time of the previous frame's start, for the measured delta. */
  private previousStart = 0
  private hasPreviousStart = false
  /** True while frame listeners are being called. */
  private notifying = false
  private disposed = false
  private frameStart = 0
  /** The frame's used ms, handed to finishFrame. */
  private usedNow = 0
  /** Ms the job being admitted may use (see computeAllowance). */
  private allowed = 0
  /** The cheap jobs run since the last clock read (`lastNow`); see {@link CHEAP_MS}. */
  private readonly group = new CheapGroup()
  /** Memo of the last function enqueued without a name, to skip reading `fn.name` and the name map. */
  /** Per type, the last function enqueued without a name (and its label and cost entry): skips `fn.name` and the name map. */
  private readonly memoFn: (JobFn | null)[] = [null, null, null, null, null]
  private readonly memoName: string[] = ['', '', '', '', '']
  private readonly memoEntry = new Int32Array(BATCH_TYPE_COUNT).fill(-1)
  /** Clock time at which the running job's share of the budget is spent. */
  private deadlineEnd = 0
  private lastNow = 0
  /** Keeps a queue entry in {@link BatchScheduler.compact}; frees the slot of a dropped one. */
  private readonly keepEntry: (slot: number) => boolean
  private readonly diag = {
    poolCapacity: 0,
    poolUsed: 0,
    queueEntries: 0,
    queueCapacity: 0,
    frameListeners: 0,
    costEntries: 0,
    learnedNames: 0,
    reportedKeys: 0,
  }

  /**
   * @param options see {@link BatchSchedulerOptions}; every field is optional.
   */
  constructor({
    budgetMs = 2.5,
    clock = performanceClock,
    maxDeferFrames,
    onError,
    historyLength = 300,
    minSliceMs = 0.1,
    maxQueueLength = 1_000_000,
    trace = false,
    typeShare,
  }: BatchSchedulerOptions = {}) {
    const api = 'BatchScheduler'
    this.budget = checkPositive(api, 'budgetMs', budgetMs)
    if (clock === null || typeof clock !== 'object' || typeof clock.now !== 'function') {
      throw new TypeError(`${api}: clock must be an object with a now() method, got ${describe(clock)}`)
    }
    this.clock = clock
    if (onError !== undefined) checkFunction(api, 'onError', onError)
    this.problems = new ProblemReporter(onError)
    this.stats = new BatchStats(checkInteger(api, 'historyLength', historyLength, 1))
    this.asyncRuns = new AsyncRuns(this.stats, this.problems)
    this.minSlice = checkMinSlice(api, minSliceMs)
    this.maxQueueLength = checkInteger(api, 'maxQueueLength', maxQueueLength, 1)
    this.trace = checkBoolean(api, 'trace', trace, false)
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) {
      this.queues.push(new RingQueue())
      this.maxDefer[t] = DEFAULT_MAX_DEFER_FRAMES[t as BatchType]
    }
    if (maxDeferFrames !== undefined) this.applyMaxDefer(api, maxDeferFrames)
    if (typeShare !== undefined) {
      if (typeShare === null || typeof typeShare !== 'object') {
        throw new TypeError(`${api}: typeShare must be an object keyed by BatchType, got ${describe(typeShare)}`)
      }
      for (const key of Object.keys(typeShare)) {
        const type = Number(key)
        checkType(`${api}: typeShare key`, type)
        this.typeShare[type] = checkShare(`${api}: typeShare[${key}]`, (typeShare as Record<number, unknown>)[type])
      }
    }
    this.stats.last.budgetMs = this.budget

    const clockRef = this.clock
    // One deadline object for the scheduler's life: handing it to jobs allocates nothing.
    this.deadline = {
      timeRemaining: () => {
        const left = this.deadlineEnd - clockRef.now()
        return left > 0 ? left : 0
      },
      shouldYield: () => clockRef.now() >= this.deadlineEnd,
    }
    const pool = this.pool
    this.keepEntry = (slot) => {
      const flags = pool.flags[slot] as number
      if (flags & CANCELLED) {
        pool.release(slot)
        return false
      }
      if (flags & SKIP) {
        pool.flags[slot] = flags & ~(SKIP | QUEUED)
        return false
      }
      return true
    }
  }

  /** CPU milliseconds per frame for batch jobs. Must be finite and > 0; takes effect at once. */
  get budgetMs(): number {
    return this.budget
  }

  /** Sets the budget (finite, > 0); throws a RangeError/TypeError otherwise and keeps the old value. */
  set budgetMs(value: number) {
    this.budget = checkPositive('BatchScheduler.budgetMs', 'budgetMs', value)
  }

  /** A sliced job is admitted when at least this many ms of budget are left (finite, ≥ 0). */
  get minSliceMs(): number {
    return this.minSlice
  }

  /** Sets {@link BatchScheduler.minSliceMs}; throws a RangeError/TypeError on NaN, a negative or non-finite value, and keeps the old one. */
  set minSliceMs(value: number) {
    this.minSlice = checkMinSlice('BatchScheduler.minSliceMs', value)
  }

  /** Number of the last frame started (0 before the first). */
  get frame(): number {
    return this.frameNumber
  }

  /** Registered systems, in registration order (a live view: do not modify). */
  get systems(): readonly SystemHandle[] {
    return this.systemList
  }

  /**
   * While paused, {@link BatchScheduler.runFrame} runs nothing (jobs wait,
   * nothing ages, no frame is counted) unless a step was requested. For
   * debugging from the devtools panel.
   */
  get paused(): boolean {
    return this.isPaused
  }

  /** Pauses (true) or resumes (false) the scheduler. */
  set paused(value: boolean) {
    this.isPaused = checkBoolean('BatchScheduler.paused', 'paused', value, false)
    if (!this.isPaused) this.stepsPending = 0
  }

  /** While paused, lets the next `runFrame` call run one frame. */
  step(): void {
    if (this.isPaused) this.stepsPending++
  }

  /** True once {@link BatchScheduler.dispose} was called. */
  get isDisposed(): boolean {
    return this.disposed
  }

  /** True while {@link BatchScheduler.runFrame} is running jobs. */
  get isRunning(): boolean {
    return this.running
  }

  /**
   * Sizes of the internal structures (job pool, queues, listeners, learned
   * costs), for diagnostics and leak tests. Read-only; the same object every
   * time, refreshed on each read (allocates nothing).
   */
  get diagnostics(): SchedulerDiagnostics {
    const d = this.diag
    let entries = 0
    let capacity = 0
    for (const queue of this.queues) {
      entries += queue.length
      capacity += queue.capacity
    }
    d.poolCapacity = this.pool.capacity
    d.poolUsed = this.pool.used
    d.queueEntries = entries
    d.queueCapacity = capacity
    d.frameListeners = this.listeners.length
    d.costEntries = this.costs.used
    d.learnedNames = this.costs.names
    d.reportedKeys = this.problems.size
    return d
  }

  /**
   * Queues a one-shot job. It becomes eligible in the next frame to run (the
   * current one if called between frames) and runs once, or in slices if it
   * returns `true`.
   *
   * @returns the job's id, for {@link BatchScheduler.cancel}.
   * @throws RangeError on an unknown type, a non-finite weight, or a full queue; TypeError when `fn` is not a function.
   */
  enqueue(type: BatchType, fn: JobFn, options?: EnqueueOptions): number {
    const api = 'BatchScheduler.enqueue'
    this.checkAlive(api)
    checkType(api, type)
    checkFunction(api, 'fn', fn)
    let weight = 0.1 // DEFAULT_WEIGHT, as a literal: an imported constant is boxed on every call
    let name: string | undefined
    let sliced = false
    if (options !== undefined) {
      if (options === null || typeof options !== 'object') {
        throw new TypeError(`${api}: options must be an object, got ${describe(options)}`)
      }
      if (options.weight !== undefined) weight = checkWeight(api, options.weight)
      name = checkName(api, options.name)
      sliced = checkBoolean(api, 'sliced', options.sliced, false)
    }
    if ((this.liveCount[type] as number) >= this.maxQueueLength) {
      throw new RangeError(
        `${api}: the ${BATCH_TYPE_NAMES[type]} queue is full (maxQueueLength ${this.maxQueueLength}); the job was not queued`,
      )
    }
    const pool = this.pool
    const slot = pool.alloc()
    let label: string
    let entry: number
    if (name !== undefined) {
      label = name || 'anonymous'
      entry = name ? this.learnedEntry(name) : -1
    } else if (fn === this.memoFn[type]) {
      label = this.memoName[type] as string
      entry = this.memoEntry[type] as number
    } else {
      const key = fn.name
      label = key || 'anonymous'
      entry = key ? this.learnedEntry(key) : -1
      this.memoFn[type] = fn
      this.memoName[type] = label
      this.memoEntry[type] = entry
    }
    pool.fn[slot] = fn
    pool.name[slot] = label
    pool.type[slot] = type
    pool.flags[slot] = sliced ? QUEUED | SLICED : QUEUED
    pool.weight[slot] = weight
    pool.costIndex[slot] = entry
    pool.eligibleFrame[slot] = this.frameNumber + 1
    pool.lastRunFrame[slot] = -1
    ;(this.queues[type] as RingQueue).push(slot)
    this.liveCount[type] = (this.liveCount[type] as number) + 1
    return pool.idOf(slot)
  }

  /**
   * Cancels a queued job (tombstoned, dropped when its queue reaches it).
   * Cancelling the job that is running stops it from resuming.
   *
   * @returns true if the job was waiting and will not run now; false if it
   * already ran, is running, was cancelled, or the id is unknown.
   */
  cancel(id: number): boolean {
    if (typeof id !== 'number') throw new TypeError(`BatchScheduler.cancel: id must be a number, got ${describe(id)}`)
    if (this.disposed || !Number.isInteger(id) || id < 0) return false
    const pool = this.pool
    const slot = pool.slotOf(id)
    if (slot < 0) return false
    const flags = pool.flags[slot] as number
    if (flags & (SYSTEM | CANCELLED)) return false
    if (flags & RUNNING) {
      pool.flags[slot] = flags | CANCELLED
      return false
    }
    pool.flags[slot] = flags | CANCELLED
    pool.fn[slot] = null
    this.leaveQueue(slot)
    this.stats.cancelled++
    this.compactIfNeeded(pool.type[slot] as number)
    return true
  }

  /** True while the job is queued (or between slices) and not cancelled. */
  isPending(id: number): boolean {
    const slot = this.pool.slotOf(id)
    if (slot < 0) return false
    const flags = this.pool.flags[slot] as number
    return (flags & (SYSTEM | CANCELLED)) === 0 && (flags & QUEUED) !== 0
  }

  /**
   * Registers a system: a job re-armed every `interval` frames. It is never
   * queued twice: a system still waiting (deferred) when it is due again is
   * not armed again.
   *
   * @example
   * ```ts
   * const ai = scheduler.addSystem(BatchType.AI, (deadline) => {
   *   while (agents.hasWork()) { agents.step(); if (deadline.shouldYield()) return true }
   * }, { name: 'agents', weight: 0.4, interval: 2 })
   * ai.weight = 0.2   // tune live
   * ai.remove()
   * ```
   */
  addSystem(type: BatchType, fn: JobFn, options?: SystemOptions): SystemHandle {
    const api = 'BatchScheduler.addSystem'
    this.checkAlive(api)
    checkType(api, type)
    checkFunction(api, 'fn', fn)
    let weight = 0.1 // DEFAULT_WEIGHT, as a literal: an imported constant is boxed on every call
    let name: string | undefined
    let interval = 1
    let sliced = false
    let enabled = true
    if (options !== undefined) {
      if (options === null || typeof options !== 'object') {
        throw new TypeError(`${api}: options must be an object, got ${describe(options)}`)
      }
      if (options.weight !== undefined) weight = checkWeight(api, options.weight)
      name = checkName(api, options.name)
      if (options.interval !== undefined) interval = checkInteger(api, 'interval', options.interval, 1)
      sliced = checkBoolean(api, 'sliced', options.sliced, false)
      enabled = checkBoolean(api, 'enabled', options.enabled, true)
    }
    const slot = this.allocSystemSlot(fn, name, type, sliced ? SYSTEM | SLICED : SYSTEM, weight)
    const record = new SystemRecord(this, slot, this.pool.name[slot] as string, type, interval, enabled)
    this.registerSystem(record)
    return record
  }

  /**
   * Registers a fixed-timestep system (Bevy's `FixedUpdate`): each frame's
   * elapsed time (the `deltaMs` given to `runFrame`, else measured) feeds an
   * accumulator, and `floor(accumulated / stepMs)` steps, at most `maxSteps`,
   * run in that frame in its type's turn, even past the budget (determinism
   * first: steps are never deferred; the budget accounts them and admits the
   * rest around them; a step started past the budget counts as forced).
   * Time owed past `maxSteps` is dropped and counted
   * ({@link FixedSystemHandle.droppedSteps}); {@link FixedSystemHandle.alpha}
   * is the leftover fraction of a step, for interpolation.
   *
   * @example
   * ```ts
   * const physics = scheduler.addFixedSystem(BatchType.Physics, (stepMs) => world.step(stepMs / 1000), { stepMs: 1000 / 60 })
   * // when drawing: mesh.position.lerpVectors(previous, current, physics.alpha)
   * ```
   * @throws RangeError / TypeError on a bad type, function or option.
   */
  addFixedSystem(type: BatchType, fn: FixedStepFn, options?: FixedSystemOptions): FixedSystemHandle {
    const api = 'BatchScheduler.addFixedSystem'
    this.checkAlive(api)
    checkType(api, type)
    checkFunction(api, 'fn', fn)
    let stepMs = 1000 / 60
    let maxSteps = 4
    let weight = 0.1
    let name: string | undefined
    let enabled = true
    if (options !== undefined) {
      if (options === null || typeof options !== 'object') {
        throw new TypeError(`${api}: options must be an object, got ${describe(options)}`)
      }
      if (options.stepMs !== undefined) stepMs = checkPositive(api, 'stepMs', options.stepMs)
      if (options.maxSteps !== undefined) maxSteps = checkInteger(api, 'maxSteps', options.maxSteps, 1)
      if (options.weight !== undefined) weight = checkWeight(api, options.weight)
      name = checkName(api, options.name)
      enabled = checkBoolean(api, 'enabled', options.enabled, true)
    }
    const slot = this.allocSystemSlot(fn as unknown as JobFn, name, type, SYSTEM, weight)
    const record = new FixedSystemRecord(this, slot, this.pool.name[slot] as string, type, enabled, stepMs, maxSteps)
    this.fixedList.push(record)
    this.registerSystem(record)
    return record
  }

  /**
   * Registers many systems from one description (the seed's declarative
   * registration): each key names a system (unless it gives `name`); an
   * entry with `fixed` is a fixed-timestep system ({@link BatchScheduler.addFixedSystem}),
   * any other a per-frame one ({@link BatchScheduler.addSystem}). All or
   * nothing: on a bad entry, the ones already added are removed.
   *
   * @example
   * ```ts
   * const { agents, physics } = scheduler.addSystems({
   *   agents: { type: BatchType.AI, run: (d) => agents.think(d), weight: 0.2, sliced: true },
   *   physics: { type: BatchType.Physics, fixed: { stepMs: 1000 / 60, maxSteps: 4 }, run: (stepMs) => world.step(stepMs) },
   * })
   * physics.alpha // a FixedSystemHandle
   * ```
   * @returns a handle per key, in the description's shape.
   * @throws RangeError / TypeError naming the entry (`systems.physics: ...`).
   */
  addSystems<D>(systems: { [K in keyof D]: SystemEntry<D[K]> }): SystemHandles<D> {
    return registerSystems(this, systems as Record<string, SystemSpec | FixedSystemSpec>) as SystemHandles<D>
  }

  /**
   * Moves a queued one-shot job to the tail of another type's queue (dynamic
   * priority). It keeps its learned cost and its wait: its latency bound
   * counts from when it was first ready. Called during a frame (from a job),
   * the move takes effect when the frame ends; until then the job keeps its
   * place and may still run as its old type.
   *
   * @returns true if the job is waiting and moves (or already has that type);
   * false if it already ran, was cancelled, is a system, or the id is unknown.
   * @throws RangeError on an unknown type or a full target queue; TypeError when `id` is not a number.
   */
  setJobType(id: number, type: BatchType): boolean {
    const api = 'BatchScheduler.setJobType'
    if (typeof id !== 'number') throw new TypeError(`${api}: id must be a number, got ${describe(id)}`)
    checkType(api, type)
    if (this.disposed || !Number.isInteger(id) || id < 0) return false
    const pool = this.pool
    const slot = pool.slotOf(id)
    if (slot < 0) return false
    const flags = pool.flags[slot] as number
    if (flags & (SYSTEM | CANCELLED) || (flags & QUEUED) === 0) return false
    if (pool.type[slot] === type) return true
    if ((this.liveCount[type] as number) >= this.maxQueueLength) {
      throw new RangeError(`${api}: the ${BATCH_TYPE_NAMES[type]} queue is full (maxQueueLength ${this.maxQueueLength}); the job was not moved`)
    }
    if (this.running) this.moves.push(id, type, null)
    else this.moveSlot(slot, type)
    return true
  }

  /**
   * Runs one frame: `beginFrame(deltaMs)`, {@link BatchScheduler.runJobs},
   * `endFrame()`. Arms due systems, adds the elapsed time to fixed-step
   * systems, runs forced jobs, then in priority order each type's due fixed
   * steps and its jobs while they fit in the budget. Never throws because of a
   * job. After {@link BatchScheduler.dispose} it does nothing.
   *
   * @param deltaMs the time since the previous frame (finite, ≥ 0), which
   * feeds fixed-step systems; `RenderLoop` passes its clamped delta. Without
   * it the scheduler measures the time between frame starts on its clock.
   * @returns the frame's stats: the same object every frame (`stats.last`).
   * @throws Error when called from inside a job (the calling job's error is
   * counted), from a frame listener (reported like any listener error), or
   * while a frame is open ({@link BatchScheduler.beginFrame}); RangeError or
   * TypeError on a bad `deltaMs`. The scheduler stays usable.
   */
  runFrame(deltaMs?: number): FrameStats {
    const last = this.stats.last
    if (this.disposed) return last
    this.checkFrameCall('BatchScheduler.runFrame', deltaMs)
    if (this.frameOpen) {
      throw new Error('BatchScheduler.runFrame: a frame is open (beginFrame was called); call endFrame() to close it, runJobs() to run jobs in it')
    }
    if (!this.openFrame(deltaMs)) {
      this.frameOpen = false
      return last
    }
    this.walk()
    return this.closeFrame()
  }

  /**
   * Opens a frame for an app that drives frames itself: the budget starts
   * now. Between it and {@link BatchScheduler.endFrame}, the app's own work
   * can read {@link BatchScheduler.timeRemaining} / {@link BatchScheduler.hasBudget},
   * and {@link BatchScheduler.runJobs} runs the scheduler's jobs in the budget
   * left. `runFrame()` is `beginFrame(); runJobs(); endFrame()`. While paused
   * (and no step pending) the frame is open but runs and counts nothing.
   *
   * @example
   * ```ts
   * scheduler.beginFrame(delta)
   * while (scheduler.hasBudget(0.2)) decodeOneTile()   // the app's own work
   * scheduler.runJobs()                                // the queued jobs, in what is left
   * const stats = scheduler.endFrame()
   * ```
   * @throws Error when a frame is already open, or when called from inside a
   * job or a frame listener; RangeError / TypeError on a bad `deltaMs`. The
   * scheduler stays usable (an open frame stays open).
   */
  beginFrame(deltaMs?: number): void {
    if (this.disposed) return
    this.checkFrameCall('BatchScheduler.beginFrame', deltaMs)
    if (this.frameOpen) throw new Error('BatchScheduler.beginFrame: a frame is already open; call endFrame() first')
    this.openFrame(deltaMs)
  }

  /**
   * Runs the open frame's jobs: forced ones, then each type's due fixed steps
   * and its jobs in priority order while they fit the budget left (time the
   * app spent since `beginFrame` counts). May be called more than once per
   * frame; forced runs and fixed steps happen only in the first call.
   *
   * @throws Error when no frame is open, or when called from inside a job.
   */
  runJobs(): void {
    if (this.disposed) return
    if (this.inJobs) throw new Error('BatchScheduler.runJobs: called from inside a job')
    if (!this.frameOpen) throw new Error('BatchScheduler.runJobs: no frame is open; call beginFrame() first')
    if (!this.running) return
    // The app's work since beginFrame counts.
    this.lastNow = this.clock.now()
    this.walk()
  }

  /** Runs the frame's jobs from `lastNow` on (see {@link BatchScheduler.runJobs}). */
  private walk(): void {
    const pool = this.pool
    const frame = this.frameNumber
    const t0 = this.frameStart
    this.inJobs = true

    if (!this.forcedDone) {
      this.forcedDone = true
      // Latency bound: at most one forced run per type per frame, before
      // anything else. Counted as forced whether or not it would have fitted:
      // it ran because of its bound, not because the budget admitted it.
      for (let t = 0; t < BATCH_TYPE_COUNT && !this.disposed; t++) {
        if (!this.typeEnabled[t]) continue
        const slot = this.liveHead(t)
        if (slot < 0 || frame - (pool.eligibleFrame[slot] as number) < (this.maxDefer[t] as number)) continue
        this.runHead(t, slot, true)
      }
    }

    // Priority order: each type's due fixed steps (never deferred), then its
    // jobs within the budget; FIFO within a type.
    for (let t = 0; t < BATCH_TYPE_COUNT && !this.disposed; t++) {
      if (!this.typeEnabled[t]) continue
      if (this.fixedList.length > 0) this.runFixedSteps(t)
      while (!this.disposed) {
        if (this.lastNow + this.group.pendingMs - t0 >= this.budget) break
        const slot = this.liveHead(t)
        if (slot < 0 || (pool.eligibleFrame[slot] as number) > frame || !this.fits(slot)) break
        this.runHead(t, slot, false)
      }
    }
    this.flushGroup()
    this.inJobs = false
  }

  /**
   * Closes the frame opened by {@link BatchScheduler.beginFrame}: records its
   * stats (used ms from `beginFrame` to now, the app's work included), applies
   * type changes made during it, and calls the frame listeners.
   *
   * @returns the frame's stats (`stats.last`; the last recorded frame when paused).
   * @throws Error when no frame is open, or when called from inside a job or a frame listener.
   */
  endFrame(): FrameStats {
    const last = this.stats.last
    if (this.disposed) return last
    if (this.inJobs) throw new Error('BatchScheduler.endFrame: called from inside a job; a job cannot end its own frame')
    if (this.notifying) throw new Error('BatchScheduler.endFrame: called from a frame listener')
    if (!this.frameOpen) throw new Error('BatchScheduler.endFrame: no frame is open; call beginFrame() first')
    if (!this.running) {
      this.frameOpen = false
      return last
    }
    return this.closeFrame()
  }

  /**
   * Milliseconds of the frame's budget left now (≥ 0): inside a frame, the
   * budget minus the time since it began; outside one, the whole budget.
   */
  timeRemaining(): number {
    if (!this.running) return this.budget
    const left = this.budget - (this.clock.now() - this.frameStart)
    return left > 0 ? left : 0
  }

  /**
   * Whether at least `ms` of the frame's budget is left (more than 0 when `ms`
   * is omitted); see {@link BatchScheduler.timeRemaining}.
   * @throws RangeError / TypeError when `ms` is not a finite number ≥ 0.
   */
  hasBudget(ms?: number): boolean {
    const left = this.timeRemaining()
    if (ms === undefined) return left > 0
    checkDelta('BatchScheduler.hasBudget', 'ms', ms)
    return left > 0 && left >= ms
  }

  /**
   * Listens to the end of every frame (after stats are recorded). Listeners
   * run outside the budget; one that throws is reported once and kept.
   */
  addFrameListener(listener: FrameListener): void {
    checkFunction('BatchScheduler.addFrameListener', 'listener', listener)
    if (this.disposed || this.listeners.includes(listener)) return
    this.listeners = [...this.listeners, listener]
  }

  /** Stops a listener added with {@link BatchScheduler.addFrameListener}. */
  removeFrameListener(listener: FrameListener): void {
    const i = this.listeners.indexOf(listener)
    if (i >= 0) this.listeners = this.listeners.filter((l) => l !== listener)
  }

  /** Enables or disables a whole type: a disabled type's jobs stay queued but do not run or count as deferred. */
  setTypeEnabled(type: BatchType, enabled: boolean): void {
    const api = 'BatchScheduler.setTypeEnabled'
    checkType(api, type)
    this.typeEnabled[type] = checkBoolean(api, 'enabled', enabled, true) ? 1 : 0
  }

  /** Whether the type runs (see {@link BatchScheduler.setTypeEnabled}). */
  isTypeEnabled(type: BatchType): boolean {
    checkType('BatchScheduler.isTypeEnabled', type)
    return this.typeEnabled[type] === 1
  }

  /**
   * Caps the share of the budget one type may use per frame (0 < share ≤ 1;
   * 1 = no cap, the default). A capped type leaves the rest to lower types,
   * which helps them progress without waiting for their latency bound.
   */
  setTypeShare(type: BatchType, share: number): void {
    const api = 'BatchScheduler.setTypeShare'
    checkType(api, type)
    this.typeShare[type] = checkShare(api, share)
  }

  /** The share of the budget a type may use per frame (see {@link BatchScheduler.setTypeShare}). */
  getTypeShare(type: BatchType): number {
    checkType('BatchScheduler.getTypeShare', type)
    return this.typeShare[type] as number
  }

  /** The latency bound of a type, in frames. */
  getMaxDeferFrames(type: BatchType): number {
    checkType('BatchScheduler.getMaxDeferFrames', type)
    return this.maxDefer[type] as number
  }

  /** Sets the latency bound of a type (a non-negative integer, in frames). */
  setMaxDeferFrames(type: BatchType, frames: number): void {
    const api = 'BatchScheduler.setMaxDeferFrames'
    checkType(api, type)
    this.maxDefer[type] = checkInteger(api, 'frames', frames, 0)
  }

  /** Live queued jobs of one type (cancelled and skipped ones not counted). */
  queueDepth(type: BatchType): number {
    checkType('BatchScheduler.queueDepth', type)
    return this.liveCount[type] as number
  }

  /**
   * Predicted ms of the next run of jobs named `name`: the learned cost, or
   * NaN before one was measured.
   */
  learnedCostMs(name: string): number {
    const entry = this.costs.find(name)
    return entry < 0 ? NaN : this.costs.predict(entry)
  }

  /**
   * Stops everything: drops every queued job and system, removes listeners.
   * Later `runFrame` calls do nothing; `enqueue` and `addSystem` throw. Safe to
   * call twice, and from inside a job (the frame ends after that job).
   */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    for (const record of this.systemList) record.deactivate()
    this.systemList.length = 0
    this.fixedList.length = 0
    this.asyncRuns.dispose()
    this.moves.clear()
    this.frameOpen = false
    this.systemBySlot.fill(null)
    for (const queue of this.queues) queue.clear()
    this.liveCount.fill(0)
    this.eligibleLive.fill(0)
    this.pool.clear()
    this.costs.clear()
    this.listeners = []
    // Drop the last job function too: its closure may hold app objects.
    this.memoFn.fill(null)
  }

  // ---- internals ---------------------------------------------------------

  /** @internal Sets a system's type: at once between frames, at the frame's end during one. */
  setSystemType(record: SystemRecord, value: unknown): void {
    checkType('SystemHandle.type', value)
    if (!record.active || this.disposed) {
      record.kind = value
      return
    }
    if (this.running) this.moves.push(-1, value, record)
    else this.applySystemType(record, value)
  }

  private applySystemType(record: SystemRecord, type: BatchType): void {
    record.kind = type
    if (record.active) this.moveSlot(record.slot, type)
  }

  /** Moves a slot to another type: out of its queue (if queued) to the tail of the new one. Not while a frame walks the queues. */
  private moveSlot(slot: number, to: number): void {
    const pool = this.pool
    const from = pool.type[slot] as number
    if (from === to) return
    const flags = pool.flags[slot] as number
    if (flags & QUEUED && (flags & RUNNING) === 0) {
      ;(this.queues[from] as RingQueue).remove(slot)
      ;(this.queues[to] as RingQueue).push(slot)
      if ((flags & (SKIP | CANCELLED)) === 0) {
        this.liveCount[from] = (this.liveCount[from] as number) - 1
        this.liveCount[to] = (this.liveCount[to] as number) + 1
      }
    }
    pool.type[slot] = to
  }

  /** Applies the type changes asked for during the frame that just ended. */
  private readonly applyMove = (id: number, type: number, record: SystemRecord | null): void => {
    if (record !== null) {
      this.applySystemType(record, type as BatchType)
      return
    }
    const slot = this.pool.slotOf(id)
    if (slot < 0) return
    const flags = this.pool.flags[slot] as number
    if (flags & QUEUED && (flags & CANCELLED) === 0) this.moveSlot(slot, type)
  }

  private allocSystemSlot(fn: JobFn, name: string | undefined, type: BatchType, flags: number, weight: number): number {
    const pool = this.pool
    const slot = pool.alloc()
    pool.fn[slot] = fn
    pool.name[slot] = name ?? (fn.name || 'anonymous')
    pool.type[slot] = type
    pool.flags[slot] = flags
    pool.weight[slot] = weight
    pool.costIndex[slot] = this.costs.create()
    pool.eligibleFrame[slot] = 0
    pool.lastRunFrame[slot] = -1
    return slot
  }

  private registerSystem(record: SystemRecord): void {
    this.systemList.push(record)
    while (this.systemBySlot.length <= record.slot) this.systemBySlot.push(null)
    this.systemBySlot[record.slot] = record
  }

  /** The checks every frame-starting call makes, before it changes anything. */
  private checkFrameCall(api: string, deltaMs: number | undefined): void {
    // Checked before the pause, so a re-entrant call does not use up a pending step.
    if (this.inJobs) throw new Error(`${api}: called from inside a job; a job cannot run a frame of its own scheduler`)
    if (this.notifying) throw new Error(`${api}: called from a frame listener; a frame cannot start inside the end of another`)
    if (deltaMs !== undefined) checkDelta(api, 'deltaMs', deltaMs)
  }

  /**
   * Opens a frame: counts it, arms systems, feeds fixed-step systems. Returns
   * false (the frame is open but skipped) while paused with no step pending.
   */
  private openFrame(deltaMs: number | undefined): boolean {
    this.frameOpen = true
    const t0 = this.clock.now()
    const delta = deltaMs ?? (this.hasPreviousStart ? t0 - this.previousStart : 0)
    this.previousStart = t0
    this.hasPreviousStart = true
    if (this.isPaused) {
      if (this.stepsPending === 0) return false
      this.stepsPending--
    }
    const frame = ++this.frameNumber
    this.stats.last.reset(frame, this.budget)
    this.running = true
    this.forcedDone = false
    this.frameStart = t0
    this.lastNow = t0
    this.armSystems(frame)
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) {
      this.eligibleLive[t] = this.typeEnabled[t] ? (this.liveCount[t] as number) : 0
    }
    const fixed = this.fixedList
    for (let i = 0; i < fixed.length; i++) {
      const record = fixed[i] as FixedSystemRecord
      if (record.enabled && this.typeEnabled[record.kind]) this.stats.droppedSteps += record.advance(delta > 0 ? delta : 0)
      else record.due = record.stepsLast = 0
    }
    return true
  }

  /** Records the frame's stats, applies pending type changes, calls listeners. */
  private closeFrame(): FrameStats {
    const last = this.stats.last
    // Through a field, not an argument: a double passed to a call that is not inlined is boxed.
    this.usedNow = this.clock.now() - this.frameStart
    this.finishFrame(this.frameNumber)
    this.running = false
    this.frameOpen = false
    if (!this.disposed) {
      if (this.moves.length > 0) this.moves.drain(this.applyMove)
      for (let t = 0; t < BATCH_TYPE_COUNT; t++) this.compactIfNeeded(t)
    }
    this.notify(last)
    return last
  }

  /** Runs the due steps of the fixed-step systems of `type`, past the budget if need be. */
  private runFixedSteps(type: number): void {
    const fixed = this.fixedList
    for (let i = 0; i < fixed.length && !this.disposed; i++) {
      const record = fixed[i] as FixedSystemRecord
      if (record.kind !== type) continue
      while (record.due > 0 && record.active && !this.disposed) {
        record.due--
        this.runStep(record)
      }
    }
  }

  /** One fixed step: timed on its own, learned, counted (forced when started past the budget). */
  private runStep(record: FixedSystemRecord): void {
    this.flushGroup()
    const pool = this.pool
    const stats = this.stats
    const last = stats.last
    const slot = record.slot
    const type = record.kind
    const typeStats = stats.perType[type] as TypeStats
    const start = this.lastNow
    if (start - this.frameStart >= this.budget) {
      last.forced++
      stats.forced++
      typeStats.forced++
    }
    this.computeAllowance(type)
    this.deadlineEnd = start + (this.allowed > 0 ? this.allowed : 0)
    pool.flags[slot] = (pool.flags[slot] as number) | RUNNING
    let threw = false
    try {
      ;(pool.fn[slot] as unknown as FixedStepFn)(record.stepMs)
    } catch (error) {
      threw = true
      this.report(error, slot, type)
    }
    const end = this.clock.now()
    this.lastNow = end
    const ms = end - start
    if (this.trace) this.measure(type, slot, start, end)
    const costIndex = pool.costIndex[slot] as number
    if (costIndex >= 0 && !this.disposed) {
      this.costs.sample = ms
      this.costs.commit(costIndex)
    }
    last.msByType[type] = (last.msByType[type] as number) + ms
    typeStats.totalMs += ms
    last.processed++
    last.processedByType[type] = (last.processedByType[type] as number) + 1
    stats.processed++
    typeStats.processed++
    if (threw) {
      last.errors++
      stats.errors++
      typeStats.errors++
    }
    record.runCount++
    record.stepsLast++
    if (this.disposed) return
    const flags = (pool.flags[slot] as number) & ~RUNNING
    pool.flags[slot] = flags
    if (flags & CANCELLED) pool.release(slot)
  }

  /** @internal */
  systemWeight(slot: number): number {
    return this.pool.weight[slot] as number
  }

  /** @internal */
  setSystemWeight(slot: number, value: unknown): void {
    this.pool.weight[slot] = checkWeight('SystemHandle.weight', value)
  }

  /** @internal */
  systemEstimate(slot: number): number {
    const learned = this.costs.predict(this.pool.costIndex[slot] as number)
    return Number.isNaN(learned) ? (this.pool.weight[slot] as number) * this.budget : learned
  }

  /** @internal */
  systemMeasured(slot: number): number {
    return this.costs.predict(this.pool.costIndex[slot] as number)
  }

  /** @internal Called when a system's `enabled` changes. */
  systemEnabledChanged(slot: number, enabled: boolean): void {
    const pool = this.pool
    const flags = pool.flags[slot] as number
    if ((flags & QUEUED) === 0 || flags & RUNNING) return
    const type = pool.type[slot] as number
    if (!enabled && (flags & SKIP) === 0) {
      pool.flags[slot] = flags | SKIP
      this.countLeave(slot, type)
      this.compactIfNeeded(type)
    } else if (enabled && flags & SKIP) {
      pool.flags[slot] = flags & ~SKIP
      this.liveCount[type] = (this.liveCount[type] as number) + 1
      if (this.running && (pool.eligibleFrame[slot] as number) <= this.frameNumber) this.eligibleLive[type] = (this.eligibleLive[type] as number) + 1
    }
  }

  /** @internal */
  removeSystem(record: SystemRecord): void {
    const slot = record.slot
    const pool = this.pool
    const flags = pool.flags[slot] as number
    const i = this.systemList.indexOf(record)
    if (i >= 0) this.systemList.splice(i, 1)
    const f = this.fixedList.indexOf(record as FixedSystemRecord)
    if (f >= 0) this.fixedList.splice(f, 1)
    this.systemBySlot[slot] = null
    this.costs.release(pool.costIndex[slot] as number)
    pool.costIndex[slot] = -1
    if (flags & RUNNING) {
      pool.flags[slot] = flags | CANCELLED
    } else if (flags & QUEUED) {
      pool.flags[slot] = flags | CANCELLED
      pool.fn[slot] = null
      if ((flags & SKIP) === 0) this.leaveQueue(slot)
      this.compactIfNeeded(pool.type[slot] as number)
    } else {
      pool.release(slot)
    }
  }

  private applyMaxDefer(api: string, value: MaxDeferFrames): void {
    if (typeof value === 'number') {
      const frames = checkInteger(api, 'maxDeferFrames', value, 0)
      this.maxDefer.fill(frames)
      return
    }
    if (value === null || typeof value !== 'object') {
      throw new TypeError(`${api}: maxDeferFrames must be a number or an object keyed by BatchType, got ${describe(value)}`)
    }
    for (const key of Object.keys(value)) {
      const type = Number(key)
      checkType(`${api}: maxDeferFrames key`, type)
      const frames = (value as Record<number, unknown>)[type]
      this.maxDefer[type] = checkInteger(api, `maxDeferFrames[${key}]`, frames, 0)
    }
  }

  private checkAlive(api: string): void {
    if (this.disposed) throw new Error(`${api}: the scheduler was disposed`)
  }

  /** A queued job stops being live (cancelled, removed or skipped). */
  private leaveQueue(slot: number): void {
    this.countLeave(slot, this.pool.type[slot] as number)
  }

  private countLeave(slot: number, type: number): void {
    this.liveCount[type] = (this.liveCount[type] as number) - 1
    if (this.running && (this.pool.eligibleFrame[slot] as number) <= this.frameNumber) this.eligibleLive[type] = (this.eligibleLive[type] as number) - 1
  }

  /**
   * Compacts a queue whose dead entries (cancelled, skipped) outnumber its
   * live ones, past {@link COMPACT_MIN}. Not while a frame walks the queues:
   * the frame's end does it then.
   */
  private compactIfNeeded(type: number): void {
    if (this.running) return
    const dead = (this.queues[type] as RingQueue).length - (this.liveCount[type] as number)
    if (dead > COMPACT_MIN && dead > (this.liveCount[type] as number)) this.compact(type)
  }

  /** Drops a queue's cancelled and skipped entries, keeping the order of the rest. */
  private compact(type: number): void {
    const queue = this.queues[type] as RingQueue
    const keep = this.keepEntry
    const n = queue.length
    let kept = 0
    for (let i = 0; i < n; i++) {
      const slot = queue.at(i)
      if (keep(slot)) queue.set(kept++, slot)
    }
    queue.truncate(kept)
  }

  /** The learned-cost entry of a job name; -1 (and a warning, once) past {@link MAX_LEARNED_NAMES} names. */
  private learnedEntry(name: string): number {
    const entry = this.costs.entryFor(name)
    if (entry < 0) {
      this.problems.once(
        'names',
        `BatchScheduler.enqueue: more than ${MAX_LEARNED_NAMES} distinct job names; jobs with new names are not learned (predicted from their weight). Give jobs of one kind one name.`,
      )
    }
    return entry
  }

  private armSystems(frame: number): void {
    const pool = this.pool
    const list = this.systemList
    for (let i = 0; i < list.length; i++) {
      const system = list[i] as SystemRecord
      if (!system.enabled || system.pending || system.stepped) continue
      const slot = system.slot
      const flags = pool.flags[slot] as number
      if (flags & QUEUED || frame - system.lastArmed < system.interval) continue
      system.lastArmed = frame
      pool.flags[slot] = flags | QUEUED
      pool.eligibleFrame[slot] = frame
      const type = pool.type[slot] as number
      ;(this.queues[type] as RingQueue).push(slot)
      this.liveCount[type] = (this.liveCount[type] as number) + 1
    }
  }

  /** The first live job of a type's queue, dropping tombstones on the way; -1 if none. */
  private liveHead(type: number): number {
    const queue = this.queues[type] as RingQueue
    const pool = this.pool
    while (queue.length > 0) {
      const slot = queue.peek()
      const flags = pool.flags[slot] as number
      if (flags & CANCELLED) {
        queue.shift()
        pool.release(slot)
      } else if (flags & SKIP) {
        queue.shift()
        pool.flags[slot] = flags & ~(SKIP | QUEUED)
      } else {
        return slot
      }
    }
    return -1
  }

  /** Ms the job may use now: the frame's budget left, capped by its type's share. */
  private computeAllowance(type: number): void {
    const left = this.budget - (this.lastNow + this.group.pendingMs - this.frameStart)
    const share = this.typeShare[type] as number
    if (share >= 1) {
      this.allowed = left
      return
    }
    const typeLeft = share * this.budget - (this.stats.last.msByType[type] as number)
    this.allowed = typeLeft < left ? typeLeft : left
  }

  /** Whether the job's predicted cost fits in the budget left (and its type's share). */
  private fits(slot: number): boolean {
    const pool = this.pool
    this.computeAllowance(pool.type[slot] as number)
    const left = this.allowed
    if (left <= 0) return false
    if ((pool.flags[slot] as number) & SLICED) return left >= Math.min(this.minSlice, this.budget * (this.typeShare[pool.type[slot] as number] as number))
    const entry = pool.costIndex[slot] as number
    const costs = this.costs
    const predicted =
      entry >= 0 && (costs.samples[entry] as number) > 0 ? (costs.estimate[entry] as number) : (pool.weight[slot] as number) * this.budget
    return predicted <= left
  }

  /**
   * Pops the head job of `type` (which must be `slot`) and runs it. A cheap
   * job (see {@link CHEAP_MS}) joins the current clock-read group; any other
   * job closes the group first and is timed on its own.
   */
  private runHead(type: number, slot: number, forced: boolean): void {
    const pool = this.pool
    const stats = this.stats
    const last = stats.last
    const typeStats = stats.perType[type] as TypeStats
    ;(this.queues[type] as RingQueue).shift()
    this.liveCount[type] = (this.liveCount[type] as number) - 1
    this.eligibleLive[type] = (this.eligibleLive[type] as number) - 1
    if (forced) {
      last.forced++
      stats.forced++
      typeStats.forced++
    }
    let flags = pool.flags[slot] as number
    let predicted = -1
    if ((flags & SLICED) === 0 && !this.trace) {
      const entry = pool.costIndex[slot] as number
      if (entry >= 0 && (this.costs.samples[entry] as number) > 0) predicted = this.costs.estimate[entry] as number
    }
    const cheap = predicted >= 0 && predicted < CHEAP_MS // false for NaN (not measured yet)
    if (!cheap) this.flushGroup()

    const fn = pool.fn[slot] as JobFn
    const system = flags & SYSTEM ? (this.systemBySlot[slot] as SystemRecord) : null
    pool.flags[slot] = flags | RUNNING
    const start = this.lastNow + this.group.pendingMs
    this.computeAllowance(type)
    const allowance = this.allowed
    this.deadlineEnd = start + (allowance > 0 ? allowance : 0)
    let result: unknown
    let threw = false
    try {
      result = fn(this.deadline)
    } catch (error) {
      threw = true
      this.report(error, slot, type)
    }
    // Before the cancel / dispose exits below: a Promise is always watched, so its rejection is handled.
    if (result !== undefined && result !== true && result !== false && !threw) {
      this.asyncRuns.watch(result, pool.name[slot] as string, type, system)
    }

    const costIndex = pool.costIndex[slot] as number
    if (cheap) {
      if (this.group.add(costIndex, type, predicted) || threw) this.flushGroup()
    } else {
      const end = this.clock.now()
      this.lastNow = end
      const ms = end - start
      if (this.trace) this.measure(type, slot, start, end)
      if (costIndex >= 0) {
        this.costs.sample = ms
        this.costs.commit(costIndex)
      }
      last.msByType[type] = (last.msByType[type] as number) + ms
      typeStats.totalMs += ms
    }
    last.processed++
    last.processedByType[type] = (last.processedByType[type] as number) + 1
    stats.processed++
    typeStats.processed++
    if (threw) {
      last.errors++
      stats.errors++
      typeStats.errors++
    }

    flags = (pool.flags[slot] as number) & ~RUNNING
    pool.lastRunFrame[slot] = this.frameNumber
    if (this.disposed) return
    if (flags & CANCELLED) {
      pool.release(slot)
      return
    }
    if (system !== null) system.runCount++
    if (result === true && !threw && (system === null || system.enabled)) {
      const next = this.frameNumber + 1
      pool.flags[slot] = flags | SLICED
      pool.eligibleFrame[slot] = next
      const queue = this.queues[type] as RingQueue
      this.liveCount[type] = (this.liveCount[type] as number) + 1
      // A one-shot job keeps the head until it is done (FIFO). A system may
      // say "more" every frame: at the head for good it would starve every
      // job behind it, so its next slice is queued at the tail, like its next run.
      if (system !== null) {
        queue.push(slot)
        return
      }
      queue.unshift(slot)
      return
    }
    if (system !== null) pool.flags[slot] = flags & ~QUEUED
    else pool.release(slot)
  }

  /**
   * Reads the clock once for the cheap jobs run since the last read, and
   * splits the measured time among them in proportion to their predictions.
   */
  private flushGroup(): void {
    const group = this.group
    if (group.count === 0) return
    const now = this.clock.now()
    group.measured = now - this.lastNow
    group.split(this.costs, this.stats, !this.disposed)
    this.lastNow = now
  }

  private finishFrame(frame: number): void {
    const usedMs = this.usedNow
    const stats = this.stats
    const last = stats.last
    const pool = this.pool
    const budget = this.budget
    last.usedMs = usedMs
    last.budgetMs = budget
    last.utilization = usedMs / budget
    last.overrunMs = usedMs > budget ? usedMs - budget : 0
    let total = 0
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) {
      const depth = this.liveCount[t] as number
      const deferred = Math.max(0, this.eligibleLive[t] as number)
      last.queueDepth[t] = depth
      last.deferredByType[t] = deferred
      last.deferred += deferred
      const head = this.disposed ? -1 : this.liveHead(t)
      const since = head < 0 ? frame + 1 : (pool.eligibleFrame[head] as number)
      last.oldestWait[t] = since <= frame ? frame - since + 1 : 0
      const typeStats = stats.perType[t] as TypeStats
      typeStats.deferred += deferred
      if (depth > typeStats.peakDepth) typeStats.peakDepth = depth
      total += depth
    }
    stats.frames = frame
    stats.deferred += last.deferred
    if (total > stats.peakQueueDepth) stats.peakQueueDepth = total
    if (last.overrunMs > stats.maxOverrunMs) stats.maxOverrunMs = last.overrunMs
    stats.history.record(last)
  }

  private notify(frame: FrameStats): void {
    const listeners = this.listeners
    this.notifying = true
    try {
      for (let i = 0; i < listeners.length; i++) {
        try {
          ;(listeners[i] as FrameListener)(frame)
        } catch (error) {
          this.problems.once('listener', `BatchScheduler: a frame listener threw; it stays registered:`, error)
        }
      }
    } finally {
      this.notifying = false
    }
  }

  private report(error: unknown, slot: number, type: number): void {
    this.problems.jobError(error, this.pool.name[slot] as string, type)
  }

  private measure(type: number, slot: number, start: number, end: number): void {
    try {
      performance.measure(`batch:${BATCH_TYPE_NAMES[type]}:${this.pool.name[slot]}`, { start, end })
    } catch {
      // A clock that is not performance.now() gives times the timeline cannot place.
    }
  }
}

function checkShare(api: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${api}: share must be a number, got ${describe(value)}`)
  if (!Number.isFinite(value) || value <= 0 || value > 1) {
    throw new RangeError(`${api}: share must be a finite number in (0, 1], got ${describe(value)}`)
  }
  return value
}

function checkMinSlice(api: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${api}: minSliceMs must be a number, got ${describe(value)}`)
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${api}: minSliceMs must be a finite number >= 0, got ${describe(value)}`)
  }
  return value
}

function checkDelta(api: string, arg: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${api}: ${arg} must be a number, got ${describe(value)}`)
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${api}: ${arg} must be a finite number >= 0, got ${describe(value)}`)
  }
  return value
}
