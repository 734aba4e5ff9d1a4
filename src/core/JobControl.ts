import { BATCH_TYPE_NAMES, type BatchType } from './BatchType.js'
import type { BatchStats } from './BatchStats.js'
import { CANCELLED, type JobPool, QUEUED, RUNNING, SYSTEM } from './JobPool.js'
import type { PendingMoves } from './PendingMoves.js'
import type { SystemRecord } from './SystemRecord.js'
import type { SystemRegistry } from './SystemRegistry.js'
import type { TypeQueues } from './TypeQueues.js'

/**
 * What `BatchScheduler` does to a queued one-shot job by its id once the
 * arguments are checked: cancel it, tell whether it waits, change its type
 * (now, or at the frame's end through {@link PendingMoves}), and apply the
 * type changes asked for during a frame. @internal
 */
export class JobControl {
  constructor(
    private readonly pool: JobPool,
    private readonly queues: TypeQueues,
    private readonly stats: BatchStats,
    private readonly registry: SystemRegistry,
    private readonly moves: PendingMoves,
    private readonly maxQueueLength: number,
  ) {}

  /** `BatchScheduler.cancel` for a non-negative integer id. */
  cancel(id: number): boolean {
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
    const type = pool.type[slot] as number
    this.queues.leave(slot, type)
    this.stats.cancelled++
    this.queues.compactIfNeeded(type)
    return true
  }

  /** `BatchScheduler.isPending`. */
  isPending(id: number): boolean {
    const slot = this.pool.slotOf(id)
    if (slot < 0) return false
    const flags = this.pool.flags[slot] as number
    return (flags & (SYSTEM | CANCELLED)) === 0 && (flags & QUEUED) !== 0
  }

  /** `BatchScheduler.setJobType` for a non-negative integer id and a checked type. */
  setType(api: string, id: number, type: BatchType): boolean {
    const pool = this.pool
    const slot = pool.slotOf(id)
    if (slot < 0) return false
    const flags = pool.flags[slot] as number
    if (flags & (SYSTEM | CANCELLED) || (flags & QUEUED) === 0) return false
    if (pool.type[slot] === type) return true
    if ((this.queues.live[type] as number) >= this.maxQueueLength) {
      throw new RangeError(`${api}: the ${BATCH_TYPE_NAMES[type]} queue is full (maxQueueLength ${this.maxQueueLength}); the job was not moved`)
    }
    if (this.queues.inFrame) this.moves.push(id, type, null)
    else this.registry.moveSlot(slot, type)
    return true
  }

  /** Applies a type change asked for during the frame that just ended (a job's, or a system's). */
  readonly applyMove = (id: number, type: number, record: SystemRecord | null): void => {
    if (record !== null) {
      this.registry.applyType(record, type as BatchType)
      return
    }
    const slot = this.pool.slotOf(id)
    if (slot < 0) return
    const flags = this.pool.flags[slot] as number
    if (flags & QUEUED && (flags & CANCELLED) === 0) this.registry.moveSlot(slot, type)
  }
}
