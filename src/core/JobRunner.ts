import { BATCH_TYPE_COUNT, BATCH_TYPE_NAMES } from './BatchType.js'
import type { BatchStats, TypeStats } from './BatchStats.js'
import type { AsyncRuns } from './AsyncRuns.js'
import { CHEAP_MS, CheapGroup } from './CheapGroup.js'
import type { Clock } from './Clock.js'
import type { CostModel } from './CostModel.js'
import type { FixedSystemRecord } from './FixedSystemRecord.js'
import { CANCELLED, type JobPool, QUEUED, RUNNING, SLICED, SYSTEM } from './JobPool.js'
import type { ProblemReporter } from './ProblemReporter.js'
import type { SystemRecord } from './SystemRecord.js'
import type { TypeQueues } from './TypeQueues.js'
import type { Deadline, FixedStepFn, JobFn } from './types.js'

/**
 * Runs jobs inside a frame: admission against the budget left, timing (one
 * clock read per job, or per group of cheap ones), cost learning, the
 * counters, errors, async results, and where a job's next slice goes. The
 * scheduler decides which job runs when; this decides whether it fits and
 * what running it does. The frame's times are fields here (not arguments), so
 * nothing is boxed on the hot path.
 * @internal
 */
export class JobRunner {
  /** The budget in ms (the scheduler's `budgetMs`). */
  budget: number
  /** The scheduler's `minSliceMs`. */
  minSlice: number
  /** The scheduler's `trace`. */
  trace = false
  /** Set by the scheduler's dispose: nothing is learned or re-queued after. */
  disposed = false
  /** The frame running. */
  frame = 0
  /** Clock time at which the frame began. */
  frameStart = 0
  /** Ms elapsed since the previous frame (≥ 0), fed to fixed-step systems. */
  deltaMs = 0
  /** Clock time of the last read; cheap jobs since then are in the group. */
  lastNow = 0
  /** The most of the budget each type may use per frame (1 = no cap). */
  readonly typeShare = new Float64Array(BATCH_TYPE_COUNT).fill(1)
  /** 1 where a type runs, 0 where it is disabled. */
  readonly typeEnabled = new Uint8Array(BATCH_TYPE_COUNT).fill(1)
  /** Latency bound per type, in frames. */
  readonly maxDefer = new Float64Array(BATCH_TYPE_COUNT)
  /** One deadline object for the scheduler's life: handing it to jobs allocates nothing. */
  readonly deadline: Deadline
  /** Clock time at which the running job's share of the budget is spent. */
  private deadlineEnd = 0
  /** Ms the job being admitted may use (see computeAllowance). */
  private allowed = 0
  /** The cheap jobs run since the last clock read (`lastNow`); see {@link CHEAP_MS}. */
  private readonly group = new CheapGroup()

  constructor(
    private readonly clock: Clock,
    private readonly pool: JobPool,
    private readonly costs: CostModel,
    private readonly stats: BatchStats,
    private readonly queues: TypeQueues,
    /** The system owning each pool slot, or null for one-shot jobs (the scheduler's array). */
    private readonly systemBySlot: (SystemRecord | null)[],
    private readonly asyncRuns: AsyncRuns,
    private readonly problems: ProblemReporter,
    budget: number,
    minSlice: number,
  ) {
    this.budget = budget
    this.minSlice = minSlice
    this.deadline = {
      timeRemaining: () => {
        const left = this.deadlineEnd - clock.now()
        return left > 0 ? left : 0
      },
      shouldYield: () => clock.now() >= this.deadlineEnd,
    }
  }

  /**
   * Runs the frame's jobs: first (when `forcedFirst`) at most one forced run
   * per type, the head that waited its latency bound, counted as forced
   * whether or not it would have fitted (it ran because of its bound, not
   * because the budget admitted it); then in priority order each type's due
   * fixed steps (never deferred) and its jobs while they fit; FIFO within a type.
   */
  walk(fixed: readonly FixedSystemRecord[], forcedFirst: boolean): void {
    const pool = this.pool
    const queues = this.queues
    const frame = this.frame
    if (forcedFirst) {
      for (let t = 0; t < BATCH_TYPE_COUNT && !this.disposed; t++) {
        if (!this.typeEnabled[t]) continue
        const slot = queues.head(t)
        if (slot < 0 || frame - (pool.eligibleFrame[slot] as number) < (this.maxDefer[t] as number)) continue
        this.runHead(t, slot, true)
      }
    }
    for (let t = 0; t < BATCH_TYPE_COUNT && !this.disposed; t++) {
      if (!this.typeEnabled[t]) continue
      if (fixed.length > 0) this.runFixedSteps(fixed, t)
      while (!this.disposed && !this.spent()) {
        const slot = queues.head(t)
        if (slot < 0 || (pool.eligibleFrame[slot] as number) > frame || !this.fits(slot)) break
        this.runHead(t, slot, false)
      }
    }
    this.flushGroup()
  }

  /** True once the frame's time (cheap jobs not read yet included) reached the budget. */
  spent(): boolean {
    return this.lastNow + this.group.pendingMs - this.frameStart >= this.budget
  }

  /** Whether the job's predicted cost fits in the budget left (and its type's share). */
  fits(slot: number): boolean {
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
  runHead(type: number, slot: number, forced: boolean): void {
    const pool = this.pool
    const stats = this.stats
    const last = stats.last
    const typeStats = stats.perType[type] as TypeStats
    this.queues.shift(type)
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
    this.count(type, typeStats, threw)

    flags = (pool.flags[slot] as number) & ~RUNNING
    pool.lastRunFrame[slot] = this.frame
    if (this.disposed) return
    if (flags & CANCELLED) {
      pool.release(slot)
      return
    }
    if (system !== null) system.runCount++
    if (result === true && !threw && (system === null || system.enabled)) {
      pool.flags[slot] = flags | SLICED
      pool.eligibleFrame[slot] = this.frame + 1
      // A one-shot job keeps the head until it is done (FIFO). A system may
      // say "more" every frame: at the head for good it would starve every
      // job behind it, so its next slice is queued at the tail, like its next run.
      if (system !== null) this.queues.push(type, slot)
      else this.queues.unshift(type, slot)
      return
    }
    if (system !== null) pool.flags[slot] = flags & ~QUEUED
    else pool.release(slot)
  }

  /** Runs the due steps of the fixed-step systems of `type`, past the budget if need be. */
  runFixedSteps(fixed: readonly FixedSystemRecord[], type: number): void {
    for (let i = 0; i < fixed.length && !this.disposed; i++) {
      const record = fixed[i] as FixedSystemRecord
      if (record.kind !== type) continue
      while (record.due > 0 && record.active && !this.disposed) {
        record.due--
        this.runStep(record)
      }
      // A step that removed its own system (or an earlier one) moved the next one down.
      if (fixed[i] !== record) i--
    }
  }

  /**
   * Reads the clock once for the cheap jobs run since the last read, and
   * splits the measured time among them in proportion to their predictions.
   */
  flushGroup(): void {
    const group = this.group
    if (group.count === 0) return
    const now = this.clock.now()
    group.measured = now - this.lastNow
    group.split(this.costs, this.stats, !this.disposed)
    this.lastNow = now
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
    this.count(type, typeStats, threw)
    record.runCount++
    record.stepsLast++
    if (this.disposed) return
    const flags = (pool.flags[slot] as number) & ~RUNNING
    pool.flags[slot] = flags
    if (flags & CANCELLED) pool.release(slot)
  }

  /** Counts one run (and its error). */
  private count(type: number, typeStats: TypeStats, threw: boolean): void {
    const stats = this.stats
    const last = stats.last
    last.processed++
    last.processedByType[type] = (last.processedByType[type] as number) + 1
    stats.processed++
    typeStats.processed++
    if (threw) {
      last.errors++
      stats.errors++
      typeStats.errors++
    }
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
