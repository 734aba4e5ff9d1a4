import type { JobFn } from './types.js'
import { growTypedArray } from './utils/growTypedArray.js'

/** Job is in a queue, or running. */
export const QUEUED = 1
/** Cancelled or removed: a tombstone until its queue entry is popped. */
export const CANCELLED = 2
/** A queued system that was disabled: skipped when popped. */
export const SKIP = 4
/** Admitted on a minimum slice of budget rather than its predicted cost. */
export const SLICED = 8
/** The slot belongs to a system and is re-armed. */
export const SYSTEM = 16
/** The job is running now. */
export const RUNNING = 32

/** Slots per generation in a job id: `id = generation * SLOT_SPAN + slot`. */
export const SLOT_SPAN = 2 ** 24
const GENERATION_LIMIT = 2 ** 29

/**
 * Job records as parallel arrays (struct of arrays), recycled through a free
 * list, so enqueueing and running jobs allocates nothing once warm. Grows by
 * doubling when full.
 * @internal
 */
export class JobPool {
  capacity = 0
  fn: (JobFn | null)[] = []
  name: string[] = []
  type = new Uint8Array(0)
  flags = new Uint8Array(0)
  weight = new Float64Array(0)
  costIndex = new Int32Array(0)
  /** First frame in which the job may run; waited frames = frame - eligibleFrame. */
  eligibleFrame = new Float64Array(0)
  lastRunFrame = new Float64Array(0)
  generation = new Uint32Array(0)
  private free = new Int32Array(0)
  private freeCount = 0

  constructor(initialCapacity = 256) {
    this.grow(initialCapacity)
  }

  /** Takes a free slot (growing if needed) and returns its index. */
  alloc(): number {
    if (this.freeCount === 0) this.grow(this.capacity * 2)
    return this.free[--this.freeCount] as number
  }

  /** Returns a slot to the pool; ids that named it stop matching. */
  release(slot: number): void {
    this.fn[slot] = null
    this.flags[slot] = 0
    this.costIndex[slot] = -1
    this.generation[slot] = ((this.generation[slot] as number) + 1) % GENERATION_LIMIT
    this.free[this.freeCount++] = slot
  }

  /** The public id of the job in `slot`. */
  idOf(slot: number): number {
    return (this.generation[slot] as number) * SLOT_SPAN + slot
  }

  /** The slot an id names, or -1 if that job no longer exists. */
  slotOf(id: number): number {
    const slot = id % SLOT_SPAN
    if (slot >= this.capacity) return -1
    if ((this.generation[slot] as number) !== Math.floor(id / SLOT_SPAN)) return -1
    return this.flags[slot] === 0 ? -1 : slot
  }

  /** Number of slots in use. */
  get used(): number {
    return this.capacity - this.freeCount
  }

  /** Releases every slot. */
  clear(): void {
    this.freeCount = 0
    for (let slot = this.capacity - 1; slot >= 0; slot--) {
      if (this.flags[slot] !== 0) {
        this.fn[slot] = null
        this.flags[slot] = 0
        this.generation[slot] = ((this.generation[slot] as number) + 1) % GENERATION_LIMIT
      }
      this.free[this.freeCount++] = slot
    }
  }

  private grow(capacity: number): void {
    if (capacity > SLOT_SPAN) throw new RangeError(`BatchScheduler: more than ${SLOT_SPAN} live jobs`)
    const old = this.capacity
    this.type = growTypedArray(this.type, capacity)
    this.flags = growTypedArray(this.flags, capacity)
    this.weight = growTypedArray(this.weight, capacity)
    this.costIndex = growTypedArray(this.costIndex, capacity)
    this.eligibleFrame = growTypedArray(this.eligibleFrame, capacity)
    this.lastRunFrame = growTypedArray(this.lastRunFrame, capacity)
    this.generation = growTypedArray(this.generation, capacity)
    this.free = growTypedArray(this.free, capacity, this.freeCount)
    for (let slot = old; slot < capacity; slot++) {
      this.fn.push(null)
      this.name.push('')
      this.costIndex[slot] = -1
    }
    // Highest slot pushed first, so alloc() hands out the lowest free slot first.
    for (let slot = capacity - 1; slot >= old; slot--) this.free[this.freeCount++] = slot
    this.capacity = capacity
  }
}
