import { BATCH_TYPE_NAMES, BatchType } from './BatchType.js'
import { BatchStats, type FrameStats } from './BatchStats.js'
import type { Clock } from './Clock.js'
import { CostModel } from './CostModel.js'
import { JobNames } from './JobNames.js'
import { FrameListeners } from './FrameListeners.js'
import { JobPool, QUEUED, SLICED } from './JobPool.js'
import { FrameCycle } from './FrameCycle.js'
import { JobControl } from './JobControl.js'
import { Diagnostics } from './Diagnostics.js'
import { ProblemReporter } from './ProblemReporter.js'
import { SystemRecord } from './SystemRecord.js'
import { AsyncRuns } from './AsyncRuns.js'
import { PendingMoves } from './PendingMoves.js'
import { TypeQueues } from './TypeQueues.js'
import { JobRunner } from './JobRunner.js'
import { SystemRegistry } from './SystemRegistry.js'
import { registerSystems } from './registerSystems.js'
import { checkFixedOptions, checkSystemOptions } from './systemOptions.js'
import { checkSchedulerOptions } from './schedulerOptions.js'
import type {
  BatchSchedulerOptions,
  EnqueueOptions,
  FixedStepFn,
  FixedSystemHandle,
  FixedSystemOptions,
  FixedSystemSpec,
  FrameListener,
  JobFn,
  SchedulerDiagnostics,
  SystemEntry,
  SystemHandle,
  SystemHandles,
  SystemOptions,
  SystemSpec,
} from './types.js'
import { checkBoolean, checkFunction, checkInteger, checkName, checkNonNegative, checkPositive, checkShare, checkType, checkWeight, describe } from './validate.js'

export { DEFAULT_MAX_DEFER_FRAMES, DEFAULT_WEIGHT } from './schedulerOptions.js'

/**
 * Runs batch jobs from five priority queues within a per-frame CPU budget.
 *
 * Each {@link BatchScheduler.runFrame} first arms the systems that are due,
 * then runs any job that reached its latency bound (forced), then runs jobs in
 * strict priority order (Transform first, AI last; FIFO within a type) while
 * each job's predicted cost fits in the budget left. A job that does not fit
 * keeps its place and waits for the next frame. Jobs enqueued during a frame
 * become eligible the next frame. Async jobs are awaited without holding
 * budget; a job's type can change (`setJobType`, `handle.type`);
 * fixed-timestep systems (`addFixedSystem`) step by the frame's time; apps
 * that drive frames themselves use `beginFrame` / `runJobs` / `endFrame`
 * (see docs/async-and-fixed.md).
 *
 * The core never touches the DOM or three.js, and allocates nothing per frame
 * once warm (an async run allocates its Promise's reactions). This class is
 * a facade: the queues live in `TypeQueues`, running a job in `JobRunner`,
 * a frame's life in `FrameCycle`, systems in `SystemRegistry`, what is done
 * to a job by id in `JobControl`.
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
export class BatchScheduler {
  /** The clock all time is read from. */
  readonly clock: Clock
  /** Everything counted since the start; reading it allocates nothing. */
  readonly stats: BatchStats

  /** Latency bound per type, in frames (the runner's array). */
  private readonly maxDefer: Float64Array
  /** 1 where a type runs (the runner's array). */
  private readonly typeEnabled: Uint8Array
  private readonly pool = new JobPool()
  private readonly costs = new CostModel()
  /** The queues and their counts; `queues.inFrame` is true while a frame runs. */
  private readonly queues = new TypeQueues(this.pool)
  /** Admission, timing, counting: what running a job does. */
  private readonly runner: JobRunner
  private readonly registry: SystemRegistry
  private readonly asyncRuns: AsyncRuns
  /** Type changes asked for during a frame, applied at its end. */
  private readonly moves = new PendingMoves()
  private readonly listeners: FrameListeners
  private readonly maxQueueLength: number
  private readonly problems: ProblemReporter
  /** Cancelling a one-shot job, changing its type. */
  private readonly jobs: JobControl
  /** Opening, walking and closing frames; the pause; the frame number. */
  private readonly cycle: FrameCycle
  private disposed = false
  /** One-shot jobs' labels and learned-cost entries. */
  private readonly names: JobNames
  private readonly diag: Diagnostics

  /**
   * @param options see {@link BatchSchedulerOptions}; every field is optional.
   */
  constructor(options: BatchSchedulerOptions = {}) {
    const o = checkSchedulerOptions(options)
    const clock = (this.clock = o.clock)
    this.problems = new ProblemReporter(o.onError)
    this.stats = new BatchStats(o.historyLength)
    this.asyncRuns = new AsyncRuns(this.stats, this.problems)
    this.names = new JobNames(this.costs, this.problems)
    this.listeners = new FrameListeners(this.problems)
    this.maxQueueLength = o.maxQueueLength
    const bySlot: (SystemRecord | null)[] = []
    this.runner = new JobRunner(clock, this.pool, this.costs, this.stats, this.queues, bySlot, this.asyncRuns, this.problems, o.budget, o.minSlice)
    this.runner.trace = o.trace
    this.maxDefer = this.runner.maxDefer
    this.typeEnabled = this.runner.typeEnabled
    this.registry = new SystemRegistry(this.pool, this.costs, this.queues, this.runner, bySlot, this.moves)
    this.jobs = new JobControl(this.pool, this.queues, this.stats, this.registry, this.moves, o.maxQueueLength)
    this.cycle = new FrameCycle(clock, this.stats, this.queues, this.runner, this.registry, this.moves, this.listeners, this.jobs)
    this.maxDefer.set(o.maxDefer)
    this.runner.typeShare.set(o.typeShare)
    this.stats.last.budgetMs = o.budget
    this.diag = new Diagnostics(this.pool, this.queues, this.listeners, this.costs, this.problems)
  }

  /** Whether job runs are recorded with `performance.measure` (see {@link BatchSchedulerOptions.trace}). */
  get trace(): boolean {
    return this.runner.trace
  }

  /** Turns tracing on or off (a boolean). */
  set trace(value: boolean) {
    this.runner.trace = checkBoolean('BatchScheduler.trace', 'trace', value, false)
  }

  /** CPU milliseconds per frame for batch jobs. Must be finite and > 0; takes effect at once. */
  get budgetMs(): number {
    return this.runner.budget
  }

  /** Sets the budget (finite, > 0); throws a RangeError/TypeError otherwise and keeps the old value. */
  set budgetMs(value: number) {
    this.runner.budget = checkPositive('BatchScheduler.budgetMs', 'budgetMs', value)
  }

  /** A sliced job is admitted when at least this many ms of budget are left (finite, ≥ 0). */
  get minSliceMs(): number {
    return this.runner.minSlice
  }

  /** Sets {@link BatchScheduler.minSliceMs}; throws a RangeError/TypeError on NaN, a negative or non-finite value, and keeps the old one. */
  set minSliceMs(value: number) {
    this.runner.minSlice = checkNonNegative('BatchScheduler.minSliceMs', 'minSliceMs', value)
  }

  /** Number of the last frame started (0 before the first). */
  get frame(): number {
    return this.cycle.frame
  }

  /** Registered systems, in registration order (a live view: do not modify). */
  get systems(): readonly SystemHandle[] {
    return this.registry.list
  }

  /**
   * While paused, {@link BatchScheduler.runFrame} runs nothing (jobs wait,
   * nothing ages, no frame is counted) unless a step was requested. For
   * debugging from the devtools panel.
   */
  get paused(): boolean {
    return this.cycle.isPaused
  }

  /** Pauses (true) or resumes (false) the scheduler. */
  set paused(value: boolean) {
    const cycle = this.cycle
    cycle.isPaused = checkBoolean('BatchScheduler.paused', 'paused', value, false)
    if (!cycle.isPaused) cycle.stepsPending = 0
  }

  /** While paused, lets the next `runFrame` call run one frame. */
  step(): void {
    if (this.cycle.isPaused) this.cycle.stepsPending++
  }

  /** True once {@link BatchScheduler.dispose} was called. */
  get isDisposed(): boolean {
    return this.disposed
  }

  /** True while a frame runs ({@link BatchScheduler.runFrame}, or between `beginFrame` and `endFrame`). */
  get isRunning(): boolean {
    return this.queues.inFrame
  }

  /**
   * Sizes of the internal structures (job pool, queues, listeners, learned
   * costs), for diagnostics and leak tests. Read-only; the same object every
   * time, refreshed on each read (allocates nothing).
   */
  get diagnostics(): SchedulerDiagnostics {
    return this.diag.read()
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
    if ((this.queues.live[type] as number) >= this.maxQueueLength) {
      throw new RangeError(
        `${api}: the ${BATCH_TYPE_NAMES[type]} queue is full (maxQueueLength ${this.maxQueueLength}); the job was not queued`,
      )
    }
    const pool = this.pool
    const slot = pool.alloc()
    const names = this.names
    names.resolve(type, fn, name)
    pool.fn[slot] = fn
    pool.name[slot] = names.label
    pool.type[slot] = type
    pool.flags[slot] = sliced ? QUEUED | SLICED : QUEUED
    pool.weight[slot] = weight
    pool.costIndex[slot] = names.entry
    pool.eligibleFrame[slot] = this.cycle.frame + 1
    pool.lastRunFrame[slot] = -1
    this.queues.push(type, slot)
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
    return this.jobs.cancel(id)
  }

  /** True while the job is queued (or between slices) and not cancelled. */
  isPending(id: number): boolean {
    return this.jobs.isPending(id)
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
    return this.registry.addSystem(type, fn, checkSystemOptions(api, options))
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
    return this.registry.addFixedSystem(type, fn, checkFixedOptions(api, options))
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
    return this.jobs.setType(api, id, type)
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
    return this.cycle.run(deltaMs)
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
    this.cycle.begin(deltaMs)
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
    this.cycle.runJobs()
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
    return this.cycle.end()
  }

  /**
   * Milliseconds of the frame's budget left now (≥ 0): inside a frame, the
   * budget minus the time since it began; outside one, the whole budget.
   */
  timeRemaining(): number {
    const budget = this.runner.budget
    if (!this.queues.inFrame) return budget
    const left = budget - (this.clock.now() - this.runner.frameStart)
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
    checkNonNegative('BatchScheduler.hasBudget', 'ms', ms)
    return left > 0 && left >= ms
  }

  /**
   * Listens to the end of every frame (after stats are recorded). Listeners
   * run outside the budget; one that throws is reported once and kept.
   */
  addFrameListener(listener: FrameListener): void {
    checkFunction('BatchScheduler.addFrameListener', 'listener', listener)
    if (!this.disposed) this.listeners.add(listener)
  }

  /** Stops a listener added with {@link BatchScheduler.addFrameListener}. */
  removeFrameListener(listener: FrameListener): void {
    this.listeners.remove(listener)
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
    this.runner.typeShare[type] = checkShare(api, share)
  }

  /** The share of the budget a type may use per frame (see {@link BatchScheduler.setTypeShare}). */
  getTypeShare(type: BatchType): number {
    checkType('BatchScheduler.getTypeShare', type)
    return this.runner.typeShare[type] as number
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
    return this.queues.live[type] as number
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
    this.runner.disposed = true
    this.registry.clear()
    this.asyncRuns.dispose()
    this.moves.clear()
    this.cycle.frameOpen = false
    this.queues.clear()
    this.pool.clear()
    this.costs.clear()
    this.listeners.clear()
    // Drop the last job function too: its closure may hold app objects.
    this.names.clear()
  }

  // ---- internals ---------------------------------------------------------

  private checkAlive(api: string): void {
    if (this.disposed) throw new Error(`${api}: the scheduler was disposed`)
  }
}
