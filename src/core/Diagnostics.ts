import type { CostModel } from './CostModel.js'
import type { FrameListeners } from './FrameListeners.js'
import type { JobPool } from './JobPool.js'
import type { ProblemReporter } from './ProblemReporter.js'
import type { TypeQueues } from './TypeQueues.js'
import type { SchedulerDiagnostics } from './types.js'

/**
 * `BatchScheduler.diagnostics`: the sizes of the scheduler's structures, in
 * one plain object refreshed on each read (allocates nothing). @internal
 */
export class Diagnostics {
  private readonly values = {
    poolCapacity: 0,
    poolUsed: 0,
    queueEntries: 0,
    queueCapacity: 0,
    frameListeners: 0,
    costEntries: 0,
    learnedNames: 0,
    reportedKeys: 0,
  }

  constructor(
    private readonly pool: JobPool,
    private readonly queues: TypeQueues,
    private readonly listeners: FrameListeners,
    private readonly costs: CostModel,
    private readonly problems: ProblemReporter,
  ) {}

  /** The same object every time, refreshed. */
  read(): SchedulerDiagnostics {
    const d = this.values
    d.poolCapacity = this.pool.capacity
    d.poolUsed = this.pool.used
    d.queueEntries = this.queues.entries
    d.queueCapacity = this.queues.capacity
    d.frameListeners = this.listeners.size
    d.costEntries = this.costs.used
    d.learnedNames = this.costs.names
    d.reportedKeys = this.problems.size
    return d
  }
}
