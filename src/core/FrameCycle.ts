import { BATCH_TYPE_COUNT } from './BatchType.js'
import type { BatchStats, FrameStats } from './BatchStats.js'
import type { Clock } from './Clock.js'
import type { FixedSystemRecord } from './FixedSystemRecord.js'
import type { FrameListeners } from './FrameListeners.js'
import type { JobControl } from './JobControl.js'
import type { JobRunner } from './JobRunner.js'
import type { PendingMoves } from './PendingMoves.js'
import type { SystemRegistry } from './SystemRegistry.js'
import type { TypeQueues } from './TypeQueues.js'
import { checkNonNegative } from './validate.js'

/**
 * A frame's life for `BatchScheduler`: opening it (count, arm systems,
 * feed fixed-step systems), walking the queues, closing it (stats, pending
 * type changes, frame listeners), the pause and its pending steps, and the
 * re-entrance checks of `runFrame` / `beginFrame` / `runJobs` / `endFrame`,
 * whose bodies these are. A scheduler disposed (`runner.disposed`) runs no
 * frame. @internal
 */
export class FrameCycle {
  /** Number of the last frame started (0 before the first). */
  frame = 0
  isPaused = false
  stepsPending = 0
  /** True between beginFrame and endFrame, a paused (skipped) frame included. */
  frameOpen = false
  /** True while runJobs walks the queues (a job is running or about to). */
  inJobs = false
  /** Whether this frame's forced runs and fixed steps were done (runJobs may be called twice). */
  private forcedDone = false
  /** Whether a frame started before (else the measured delta is 0). */
  private hasPreviousStart = false
  /** The frame's used ms, handed to finishFrame. */
  private usedNow = 0

  constructor(
    private readonly clock: Clock,
    private readonly stats: BatchStats,
    private readonly queues: TypeQueues,
    private readonly runner: JobRunner,
    private readonly registry: SystemRegistry,
    private readonly moves: PendingMoves,
    private readonly listeners: FrameListeners,
    private readonly jobs: JobControl,
  ) {}

  /** `BatchScheduler.runFrame`. */
  run(deltaMs: number | undefined): FrameStats {
    const last = this.stats.last
    if (this.runner.disposed) return last
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

  /** `BatchScheduler.beginFrame`. */
  begin(deltaMs: number | undefined): void {
    if (this.runner.disposed) return
    this.checkFrameCall('BatchScheduler.beginFrame', deltaMs)
    if (this.frameOpen) throw new Error('BatchScheduler.beginFrame: a frame is already open; call endFrame() first')
    this.openFrame(deltaMs)
  }

  /** `BatchScheduler.runJobs`. */
  runJobs(): void {
    if (this.runner.disposed) return
    if (this.inJobs) throw new Error('BatchScheduler.runJobs: called from inside a job')
    if (!this.frameOpen) throw new Error('BatchScheduler.runJobs: no frame is open; call beginFrame() first')
    if (!this.queues.inFrame) return
    // The app's work since beginFrame counts.
    this.runner.lastNow = this.clock.now()
    this.walk()
  }

  /** `BatchScheduler.endFrame`. */
  end(): FrameStats {
    const last = this.stats.last
    if (this.runner.disposed) return last
    if (this.inJobs) throw new Error('BatchScheduler.endFrame: called from inside a job; a job cannot end its own frame')
    if (this.listeners.notifying) throw new Error('BatchScheduler.endFrame: called from a frame listener')
    if (!this.frameOpen) throw new Error('BatchScheduler.endFrame: no frame is open; call beginFrame() first')
    if (!this.queues.inFrame) {
      this.frameOpen = false
      return last
    }
    return this.closeFrame()
  }

  /** Runs the frame's jobs from the runner's `lastNow` on. */
  private walk(): void {
    this.inJobs = true
    this.runner.walk(this.registry.fixed, !this.forcedDone)
    this.forcedDone = true
    this.inJobs = false
  }

  /** The checks every frame-starting call makes, before it changes anything. */
  private checkFrameCall(api: string, deltaMs: number | undefined): void {
    // Checked before the pause, so a re-entrant call does not use up a pending step.
    if (this.inJobs) throw new Error(`${api}: called from inside a job; a job cannot run a frame of its own scheduler`)
    if (this.listeners.notifying) throw new Error(`${api}: called from a frame listener; a frame cannot start inside the end of another`)
    if (deltaMs !== undefined) checkNonNegative(api, 'deltaMs', deltaMs)
  }

  /**
   * Opens a frame: counts it, arms systems, feeds fixed-step systems. Returns
   * false (the frame is open but skipped) while paused with no step pending.
   */
  private openFrame(deltaMs: number | undefined): boolean {
    this.frameOpen = true
    const t0 = this.clock.now()
    const runner = this.runner
    // The runner's frameStart still holds the previous frame's start (a
    // skipped frame's too). Branches rather than `??`, and fields rather than
    // locals: V8 boxes a double that meets `undefined` or crosses a call.
    if (deltaMs !== undefined) runner.deltaMs = deltaMs
    else if (this.hasPreviousStart) runner.deltaMs = t0 - runner.frameStart
    if (!(runner.deltaMs > 0)) runner.deltaMs = 0
    runner.frameStart = t0
    this.hasPreviousStart = true
    if (this.isPaused) {
      if (this.stepsPending === 0) return false
      this.stepsPending--
    }
    const frame = ++this.frame
    this.stats.last.reset(frame, runner.budget)
    this.forcedDone = false
    runner.frame = frame
    runner.lastNow = t0
    this.registry.arm(frame)
    const typeEnabled = runner.typeEnabled
    this.queues.startFrame(frame, typeEnabled)
    const fixed = this.registry.fixed
    for (let i = 0; i < fixed.length; i++) {
      const record = fixed[i] as FixedSystemRecord
      if (record.enabled && typeEnabled[record.kind]) this.stats.droppedSteps += record.advance(runner)
      else record.due = record.stepsLast = 0
    }
    return true
  }

  /** Records the frame's stats, applies pending type changes, calls listeners. */
  private closeFrame(): FrameStats {
    const last = this.stats.last
    // Through a field, not an argument: a double passed to a call that is not inlined is boxed.
    this.usedNow = this.clock.now() - this.runner.frameStart
    this.finishFrame(this.frame)
    this.queues.inFrame = false
    this.frameOpen = false
    if (!this.runner.disposed) {
      if (this.moves.length > 0) this.moves.drain(this.jobs.applyMove)
      for (let t = 0; t < BATCH_TYPE_COUNT; t++) this.queues.compactIfNeeded(t)
    }
    this.listeners.notify(last)
    return last
  }

  private finishFrame(frame: number): void {
    const usedMs = this.usedNow
    const stats = this.stats
    const last = stats.last
    const budget = this.runner.budget
    last.usedMs = usedMs
    last.budgetMs = budget
    last.utilization = usedMs / budget
    last.overrunMs = usedMs > budget ? usedMs - budget : 0
    const total = this.queues.record(stats, frame, this.runner.disposed)
    stats.frames = frame
    stats.deferred += last.deferred
    if (total > stats.peakQueueDepth) stats.peakQueueDepth = total
    if (last.overrunMs > stats.maxOverrunMs) stats.maxOverrunMs = last.overrunMs
    stats.history.record(last)
  }
}
