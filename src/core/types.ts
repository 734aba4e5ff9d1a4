import type { BatchType } from './BatchType.js'
import type { Clock } from './Clock.js'

/**
 * Handed to every job: how much of the frame's budget is left, in the spirit
 * of `requestIdleCallback`'s `IdleDeadline`. A sliced job does a unit of work,
 * checks `shouldYield()`, and returns `true` to resume next frame.
 */
export interface Deadline {
  /** Milliseconds of budget left this frame (≥ 0). */
  timeRemaining(): number
  /** True when the budget is spent: return `true` from the job now to resume next frame. */
  shouldYield(): boolean
}

/**
 * A unit of batch work. Return `true` for "more to do": a one-shot job
 * resumes in a later frame at the head of its queue (jobs behind it wait
 * until it is done); a system's next slice is queued at the tail, like its
 * next run, so a system that always has more to do cannot starve the jobs
 * behind it. Anything else means done.
 *
 * An `async` job (one that returns a Promise or any thenable) is awaited: its
 * synchronous part, up to its first `await`, runs inside the frame and is
 * measured, budgeted and learned like any job; while its Promise is pending
 * it holds no budget, its queue moves on, and a system is not armed again
 * until it settles. A rejection goes to `onError` (counted in
 * `stats.rejected`); every settle is counted in `stats.settled`; pending runs
 * are `stats.inFlight`. The value a Promise resolves to is ignored (an async
 * run is never resumed as a slice).
 */
export type JobFn = (deadline: Deadline) => void | boolean | PromiseLike<unknown>

/**
 * One step of a fixed-timestep system ({@link BatchScheduler.addFixedSystem}):
 * advance the simulation by exactly `stepMs` milliseconds.
 */
export type FixedStepFn = (stepMs: number) => void

/** What `onError` is told about the job that threw. */
export interface JobInfo {
  /** The job's name: its `name` option, else the function's name, else `'anonymous'`. */
  readonly name: string
  /** The job's {@link BatchType}. */
  readonly type: BatchType
}

/** Options of {@link BatchScheduler.enqueue}. */
export interface EnqueueOptions {
  /**
   * Expected cost as a fraction of the budget, 0..1; used to predict the cost
   * until a run of a job with the same name has been measured. Finite values
   * out of range are clamped.
   * @default 0.1
   */
  weight?: number
  /**
   * Name for stats, errors and cost learning: jobs with the same name share
   * one learned cost. Defaults to the function's own name.
   */
  name?: string
  /**
   * The job spreads its work over frames: it is admitted whenever at least
   * `minSliceMs` of budget is left and must stop when `deadline.shouldYield()`.
   * @default false
   */
  sliced?: boolean
}

/** Options of {@link BatchScheduler.addSystem}. */
export interface SystemOptions {
  /** Expected cost as a fraction of the budget, 0..1 (clamped). @default 0.1 */
  weight?: number
  /** Name for stats, errors and the devtools. Defaults to the function's own name. */
  name?: string
  /** Armed once every `interval` frames (a positive integer). @default 1 */
  interval?: number
  /**
   * Treat the system as sliced from the start (see {@link EnqueueOptions.sliced}).
   * A slice that returns `true` queues the next one at the tail of its type's queue.
   * @default false
   */
  sliced?: boolean
  /** Start enabled. @default true */
  enabled?: boolean
}

/** A system registered with {@link BatchScheduler.addSystem}. */
export interface SystemHandle {
  /** Its name. */
  readonly name: string
  /**
   * Its {@link BatchType}. Setting it moves the system to that type's queue
   * (dynamic priority): it keeps its learned cost, and a run already waiting
   * keeps its wait (its latency bound counts from when it was first ready)
   * and joins the tail of the new queue. Set during a frame, the move takes
   * effect when the frame ends (the rest of the frame sees the old type).
   * Throws a RangeError on a value that is not a BatchType.
   */
  type: BatchType
  /** Expected cost as a fraction of the budget (0..1); setting clamps finite values and throws on NaN. */
  weight: number
  /** A disabled system is not armed, and is skipped if already queued. */
  enabled: boolean
  /** Armed once every `interval` frames (positive integer). */
  interval: number
  /** Predicted ms of its next run: the learned cost once measured, else `weight × budgetMs`. */
  readonly estimateMs: number
  /** Smoothed measured ms per run, or `NaN` before its first run. */
  readonly measuredMs: number
  /** Runs so far (for a fixed-step system: steps). */
  readonly runs: number
  /** True while its last run is an async run that has not settled (it is not armed again until then). */
  readonly inFlight: boolean
  /** False once removed (or the scheduler disposed). */
  readonly active: boolean
  /** Unregisters the system; a queued run is dropped. Safe to call twice. */
  remove(): void
}

/** Options of {@link BatchScheduler.addFixedSystem}. */
export interface FixedSystemOptions {
  /** Simulated milliseconds per step (finite, > 0). @default 1000 / 60 */
  stepMs?: number
  /**
   * Most steps run in one frame (a positive integer). Time owed past it is
   * dropped (counted in {@link FixedSystemHandle.droppedSteps}) so a long
   * frame cannot start a spiral of ever longer frames.
   * @default 4
   */
  maxSteps?: number
  /** Name for stats, errors and the devtools. Defaults to the function's own name. */
  name?: string
  /** Expected cost of one step as a fraction of the budget, 0..1 (clamped); used for its estimate until measured. @default 0.1 */
  weight?: number
  /** Start enabled (a disabled fixed system does not accumulate time). @default true */
  enabled?: boolean
}

/**
 * A fixed-timestep system ({@link BatchScheduler.addFixedSystem}): a
 * {@link SystemHandle} plus what a renderer needs to interpolate.
 * `interval` is ignored (steps follow time, not frames).
 */
export interface FixedSystemHandle extends SystemHandle {
  /** Simulated ms per step. */
  readonly stepMs: number
  /** Most steps per frame. */
  readonly maxSteps: number
  /**
   * Time accumulated but not stepped yet, as a fraction of a step (0 ≤ alpha < 1):
   * draw at `previous + (current - previous) × alpha` for smooth motion when
   * frames and steps do not line up.
   */
  readonly alpha: number
  /** Steps dropped in all because a frame owed more than `maxSteps`. */
  readonly droppedSteps: number
  /** Steps run in the last frame. */
  readonly lastSteps: number
}

/** The timestep of a fixed entry of {@link BatchScheduler.addSystems}. */
export type FixedStepOptions = Pick<FixedSystemOptions, 'stepMs' | 'maxSteps'>

/**
 * One entry of {@link BatchScheduler.addSystems}, `F` being the type of its
 * `fixed` field: with `fixed` (even `{}`) it is a fixed-timestep system
 * ({@link BatchScheduler.addFixedSystem}) whose `run` gets the step's ms;
 * without, a per-frame system ({@link BatchScheduler.addSystem}) whose `run`
 * gets the {@link Deadline}. The name defaults to the entry's key; `interval`
 * and `sliced` are ignored on a fixed entry.
 */
export interface SystemEntry<F = undefined> extends SystemOptions {
  /** Its {@link BatchType}. */
  type: BatchType
  /** The timestep, for a fixed-timestep system. */
  fixed?: F
  /** The system: a {@link JobFn}, or a {@link FixedStepFn} for a fixed entry. */
  run: [F] extends [FixedStepOptions] ? FixedStepFn : JobFn
}

/** A per-frame entry of {@link BatchScheduler.addSystems}. */
export type SystemSpec = SystemEntry<undefined>

/** A fixed-timestep entry of {@link BatchScheduler.addSystems}. */
export type FixedSystemSpec = SystemEntry<FixedStepOptions> & {
  /** The timestep (required on a fixed entry). */
  fixed: FixedStepOptions
}

/** The handles {@link BatchScheduler.addSystems} returns: one per key, a {@link FixedSystemHandle} for fixed entries. */
export type SystemHandles<D> = {
  readonly [K in keyof D]: [D[K]] extends [FixedStepOptions] ? FixedSystemHandle : SystemHandle
}

/** Called at the end of every frame with that frame's stats (the same object each time). */
export type FrameListener = (frame: import('./BatchStats.js').FrameStats) => void

/** Latency bounds in frames, per {@link BatchType}. */
export type MaxDeferFrames = number | Partial<Record<BatchType, number>>

/** Options of the {@link BatchScheduler} constructor. */
export interface BatchSchedulerOptions {
  /** CPU milliseconds per frame for batch jobs (finite, > 0). @default 2.5 */
  budgetMs?: number
  /** Source of time. @default performance.now() */
  clock?: Clock
  /**
   * Latency bound in frames: a job that has waited this many frames runs at
   * the start of the next frame even past the budget (forced). One number for
   * every type, or per type. Non-negative integers.
   * @default { Transform: 2, Visibility: 2, Physics: 4, LOD: 8, AI: 30 }
   */
  maxDeferFrames?: MaxDeferFrames
  /**
   * Called with every error a job throws. The default prints `console.error`
   * once per job name.
   */
  onError?: (error: unknown, job: JobInfo) => void
  /** Frames kept in `stats.history` (positive integer). @default 300 */
  historyLength?: number
  /**
   * A sliced job is admitted when at least this many ms of budget are left.
   * @default 0.1
   */
  minSliceMs?: number
  /**
   * Most live jobs one type's queue may hold; `enqueue` past it throws a
   * `RangeError` (nothing is dropped silently). Systems are not counted.
   * @default 1_000_000
   */
  maxQueueLength?: number
  /**
   * Record every job run with `performance.measure('batch:<type>:<name>')` so
   * jobs show in the Chrome DevTools Performance panel. Costs nothing when off.
   * @default false
   */
  trace?: boolean
  /**
   * Most of the budget each type may use per frame, 0 < share ≤ 1, per type.
   * @default 1 for every type (no cap)
   */
  typeShare?: Partial<Record<BatchType, number>>
}

/**
 * Sizes of a scheduler's internal structures ({@link BatchScheduler.diagnostics}),
 * for diagnostics and leak tests: in a long-running app each stays bounded by
 * the peak number of live jobs, not by the number of jobs ever queued.
 */
export interface SchedulerDiagnostics {
  /** Job slots allocated. Grows by doubling and never shrinks: the high-water mark of live jobs + systems. */
  readonly poolCapacity: number
  /** Slots in use: queued and running jobs, systems, and tombstones not dropped yet. */
  readonly poolUsed: number
  /** Queue entries over all types, tombstones (cancelled jobs, skipped systems) included. */
  readonly queueEntries: number
  /** Ring-buffer slots allocated over all types' queues (grow by doubling, never shrink). */
  readonly queueCapacity: number
  /** Registered frame listeners. */
  readonly frameListeners: number
  /** Learned-cost entries in use: one per job name, one per system. */
  readonly costEntries: number
  /** Distinct job names with a learned cost (at most `MAX_LEARNED_NAMES`, 4096). */
  readonly learnedNames: number
  /** Distinct problems printed once (errors per job name: at most 256, plus a few fixed ones). */
  readonly reportedKeys: number
}
