import { BATCH_TYPE_COUNT } from './BatchType.js'

/**
 * What happened in one frame. {@link BatchScheduler.runFrame} returns the same
 * object every frame, overwritten in place: copy the fields you want to keep.
 */
export class FrameStats {
  /** Frame number, 1 for the first frame run. */
  frame = 0
  /** Job runs this frame (a slice of a sliced job counts as one run; runs that threw count too). */
  processed = 0
  /** Jobs that were eligible this frame and had not run at all when it ended. */
  deferred = 0
  /**
   * Forced runs: every run that happened because its job reached its latency
   * bound (at the start of the frame, whether or not it would have fitted the
   * budget left), plus any run started when the frame's budget was already
   * spent (a fixed-step system's due steps). The panel's red marks.
   */
  forced = 0
  /** Runs that threw. */
  errors = 0
  /** Milliseconds from the start of the frame's work to its end (jobs plus scheduling). */
  usedMs = 0
  /** The budget in force when the frame ended. */
  budgetMs = 0
  /** `usedMs / budgetMs` (1 = exactly the budget). */
  utilization = 0
  /** `max(0, usedMs - budgetMs)`. */
  overrunMs = 0
  /** Live queued jobs per {@link BatchType} at frame end (cancelled jobs not counted). */
  readonly queueDepth = new Uint32Array(BATCH_TYPE_COUNT)
  /** Per {@link BatchType}: frames the oldest eligible job at the head of the queue has waited. */
  readonly oldestWait = new Uint32Array(BATCH_TYPE_COUNT)
  /** Per {@link BatchType}: runs this frame. */
  readonly processedByType = new Uint32Array(BATCH_TYPE_COUNT)
  /** Per {@link BatchType}: jobs deferred this frame. */
  readonly deferredByType = new Uint32Array(BATCH_TYPE_COUNT)
  /** Per {@link BatchType}: milliseconds spent running jobs this frame. */
  readonly msByType = new Float64Array(BATCH_TYPE_COUNT)

  /** Total live queued jobs at frame end, all types. */
  get totalQueueDepth(): number {
    let sum = 0
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) sum += this.queueDepth[t] as number
    return sum
  }

  /** @internal */
  reset(frame: number, budgetMs: number): void {
    this.frame = frame
    this.processed = 0
    this.deferred = 0
    this.forced = 0
    this.errors = 0
    this.usedMs = 0
    this.budgetMs = budgetMs
    this.utilization = 0
    this.overrunMs = 0
    this.queueDepth.fill(0)
    this.oldestWait.fill(0)
    this.processedByType.fill(0)
    this.deferredByType.fill(0)
    this.msByType.fill(0)
  }
}

/** Cumulative figures for one {@link BatchType}. */
export class TypeStats {
  /** Runs of jobs of this type. */
  processed = 0
  /** Deferrals (job-frames spent waiting while eligible). */
  deferred = 0
  /** Forced runs of this type (see {@link FrameStats.forced}). */
  forced = 0
  /** Runs that threw. */
  errors = 0
  /** Milliseconds spent in jobs of this type. */
  totalMs = 0
  /** Highest live queue depth seen at a frame end. */
  peakDepth = 0

  /** Mean milliseconds per run. */
  get avgMs(): number {
    return this.processed === 0 ? 0 : this.totalMs / this.processed
  }
}

/**
 * A fixed-size window of the last frames, in typed arrays, for graphs.
 * Entry `i` frames ago is at index `(head - 1 - i + capacity) % capacity`;
 * use {@link FrameHistory.indexOf}.
 */
export class FrameHistory {
  /** Frames kept. */
  readonly capacity: number
  /** Frames recorded so far, up to `capacity`. */
  count = 0
  /** Index the next frame will be written to. */
  head = 0
  /** Used milliseconds per frame. */
  readonly usedMs: Float32Array
  /** Utilization per frame (1 = budget). */
  readonly utilization: Float32Array
  /** Budget per frame (ms). */
  readonly budgetMs: Float32Array
  /** Jobs processed per frame. */
  readonly processed: Float32Array
  /** Jobs deferred per frame. */
  readonly deferred: Float32Array
  /** Forced runs per frame (see {@link FrameStats.forced}). */
  readonly forced: Float32Array
  /** Overrun (ms) per frame. */
  readonly overrunMs: Float32Array
  /** Queue depth per frame, one array per {@link BatchType}. */
  readonly queueDepth: readonly Float32Array[]

  constructor(capacity: number) {
    this.capacity = capacity
    this.usedMs = new Float32Array(capacity)
    this.utilization = new Float32Array(capacity)
    this.budgetMs = new Float32Array(capacity)
    this.processed = new Float32Array(capacity)
    this.deferred = new Float32Array(capacity)
    this.forced = new Float32Array(capacity)
    this.overrunMs = new Float32Array(capacity)
    const depth: Float32Array[] = []
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) depth.push(new Float32Array(capacity))
    this.queueDepth = depth
  }

  /** Array index of the frame `framesAgo` frames before the latest (0 = latest), or -1 if not recorded. */
  indexOf(framesAgo: number): number {
    if (framesAgo < 0 || framesAgo >= this.count) return -1
    return (this.head - 1 - framesAgo + this.capacity) % this.capacity
  }

  /** @internal */
  record(frame: FrameStats): void {
    const i = this.head
    this.usedMs[i] = frame.usedMs
    this.utilization[i] = frame.utilization
    this.budgetMs[i] = frame.budgetMs
    this.processed[i] = frame.processed
    this.deferred[i] = frame.deferred
    this.forced[i] = frame.forced
    this.overrunMs[i] = frame.overrunMs
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) (this.queueDepth[t] as Float32Array)[i] = frame.queueDepth[t] as number
    this.head = (i + 1) % this.capacity
    if (this.count < this.capacity) this.count++
  }

  /** Forgets every recorded frame. */
  clear(): void {
    this.count = 0
    this.head = 0
  }
}

/**
 * Everything the scheduler has counted since it started. Reading any field or
 * percentile allocates nothing.
 */
export class BatchStats {
  /** Frames run. */
  frames = 0
  /** Job runs in all. */
  processed = 0
  /** Deferrals in all (a job waiting three frames counts three). */
  deferred = 0
  /** Forced runs in all (see {@link FrameStats.forced}: latency bound reached, or started past the budget). */
  forced = 0
  /** Runs that threw, in all. */
  errors = 0
  /** Jobs cancelled before they ran. */
  cancelled = 0
  /**
   * Async runs pending now: jobs and systems whose Promise has not settled
   * (a run that never settles stays here). Not a counter: {@link BatchStats.reset} keeps it.
   */
  inFlight = 0
  /** Async runs that settled (fulfilled or rejected), in all. */
  settled = 0
  /** Fixed-timestep steps dropped in all, because a frame owed a system more than its `maxSteps`. */
  droppedSteps = 0
  /** Async runs whose Promise rejected, in all (each passed to `onError`); not in {@link BatchStats.errors}, which counts throws. */
  rejected = 0
  /** Highest total live queue depth seen at a frame end. */
  peakQueueDepth = 0
  /** Largest overrun seen (ms). */
  maxOverrunMs = 0
  /** Cumulative figures per {@link BatchType}. */
  readonly perType: readonly TypeStats[]
  /** The frame just run (the object {@link BatchScheduler.runFrame} returns). */
  readonly last = new FrameStats()
  /** The last `historyLength` frames. */
  readonly history: FrameHistory

  private readonly sorted: Float32Array
  private sortedFrame = -1

  constructor(historyLength: number) {
    const perType: TypeStats[] = []
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) perType.push(new TypeStats())
    this.perType = perType
    this.history = new FrameHistory(historyLength)
    this.sorted = new Float32Array(historyLength)
  }

  /**
   * The `p`-th percentile (0..100) of used ms over the history window
   * (nearest-rank). 0 before the first frame.
   */
  percentile(p: number): number {
    const n = this.history.count
    if (n === 0) return 0
    if (this.sortedFrame !== this.frames) {
      // Copy and sort in place: no subarray views, so nothing is allocated.
      const sorted = this.sorted
      const used = this.history.usedMs
      for (let i = 0; i < n; i++) sorted[i] = used[i] as number
      for (let i = n; i < sorted.length; i++) sorted[i] = Infinity
      sorted.sort()
      this.sortedFrame = this.frames
    }
    const clamped = p <= 0 ? 0 : p >= 100 ? 100 : p
    const rank = Math.max(1, Math.ceil((clamped / 100) * n))
    return this.sorted[rank - 1] as number
  }

  /** Median used ms over the history window. */
  get p50(): number {
    return this.percentile(50)
  }

  /** 95th percentile of used ms over the history window. */
  get p95(): number {
    return this.percentile(95)
  }

  /** 99th percentile of used ms over the history window. */
  get p99(): number {
    return this.percentile(99)
  }

  /** Resets every counter and the history. */
  reset(): void {
    this.frames = 0
    this.processed = 0
    this.deferred = 0
    this.forced = 0
    this.errors = 0
    this.cancelled = 0
    this.settled = 0
    this.rejected = 0
    this.droppedSteps = 0
    this.peakQueueDepth = 0
    this.maxOverrunMs = 0
    for (const t of this.perType) {
      t.processed = 0
      t.deferred = 0
      t.forced = 0
      t.errors = 0
      t.totalMs = 0
      t.peakDepth = 0
    }
    this.history.clear()
    this.sortedFrame = -1
  }
}
