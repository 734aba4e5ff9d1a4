import type { BatchScheduler } from '../core/BatchScheduler.js'
import type { BatchType } from '../core/BatchType.js'

/**
 * The per-type settings of a scheduler as plain properties, so lil-gui
 * controllers can bind to them (`gui.add(controls, 'enabled')`). Reads and
 * writes go straight to the scheduler; nothing is cached.
 *
 * @example
 * ```ts
 * const ai = new TypeControls(scheduler, BatchType.AI)
 * gui.add(ai, 'share', 0.05, 1, 0.05)
 * ```
 */
export class TypeControls {
  /** The scheduler whose settings these are. */
  readonly scheduler: BatchScheduler
  /** The type they belong to. */
  readonly type: BatchType

  /**
   * @param scheduler the scheduler to read and write.
   * @param type the `BatchType`.
   */
  constructor(scheduler: BatchScheduler, type: BatchType) {
    this.scheduler = scheduler
    this.type = type
  }

  /** Whether the type runs ({@link BatchScheduler.setTypeEnabled}). */
  get enabled(): boolean {
    return this.scheduler.isTypeEnabled(this.type)
  }

  /** Enables or disables the type on the scheduler. */
  set enabled(value: boolean) {
    this.scheduler.setTypeEnabled(this.type, value)
  }

  /** Latency bound in frames ({@link BatchScheduler.setMaxDeferFrames}). */
  get maxDeferFrames(): number {
    return this.scheduler.getMaxDeferFrames(this.type)
  }

  /** Sets the type's latency bound on the scheduler. */
  set maxDeferFrames(value: number) {
    this.scheduler.setMaxDeferFrames(this.type, value)
  }

  /** Most of the budget the type may use per frame, 0 < share ≤ 1 ({@link BatchScheduler.setTypeShare}). */
  get share(): number {
    return this.scheduler.getTypeShare(this.type)
  }

  /** Sets the type's share of the budget on the scheduler. */
  set share(value: number) {
    this.scheduler.setTypeShare(this.type, value)
  }
}
