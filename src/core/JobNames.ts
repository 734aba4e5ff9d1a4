import { BATCH_TYPE_COUNT } from './BatchType.js'
import { type CostModel, MAX_LEARNED_NAMES } from './CostModel.js'
import type { ProblemReporter } from './ProblemReporter.js'
import type { JobFn } from './types.js'

/**
 * A one-shot job's label and learned-cost entry: its `name` option, else its
 * function's name, else `'anonymous'`. Jobs with one name share one learned
 * cost. Per type, the last function enqueued without a name is remembered, so
 * enqueueing the same function again skips `fn.name` and the name map.
 * @internal
 */
export class JobNames {
  /** The label {@link JobNames.resolve} found. */
  label = ''
  /** The learned-cost entry {@link JobNames.resolve} found (-1: not learned). */
  entry = -1
  private readonly memoFn: (JobFn | null)[] = [null, null, null, null, null]
  private readonly memoName: string[] = ['', '', '', '', '']
  private readonly memoEntry = new Int32Array(BATCH_TYPE_COUNT).fill(-1)

  constructor(
    private readonly costs: CostModel,
    private readonly problems: ProblemReporter,
  ) {}

  /** Sets {@link JobNames.label} and {@link JobNames.entry} for a job (fields, not a returned object: nothing allocated). */
  resolve(type: number, fn: JobFn, name: string | undefined): void {
    if (name !== undefined) {
      this.label = name || 'anonymous'
      this.entry = name ? this.learnedEntry(name) : -1
    } else if (fn === this.memoFn[type]) {
      this.label = this.memoName[type] as string
      this.entry = this.memoEntry[type] as number
    } else {
      const key = fn.name
      this.label = key || 'anonymous'
      this.entry = key ? this.learnedEntry(key) : -1
      this.memoFn[type] = fn
      this.memoName[type] = this.label
      this.memoEntry[type] = this.entry
    }
  }

  /** Drops the remembered functions: their closures may hold app objects. */
  clear(): void {
    this.memoFn.fill(null)
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
}
