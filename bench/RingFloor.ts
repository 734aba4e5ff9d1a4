/**
 * The floor: the least a budgeted five-priority scheduler can do per job.
 * Jobs live in a slot pool (a function array plus a typed free list); each
 * priority is a typed ring of slot numbers; a frame drains the rings in
 * priority order and reads the clock once every {@link FLOOR_CLOCK_EVERY}
 * jobs to stop at the budget. No cost model, no stats, no latency bound, no
 * validation: what is left is the cost of the data structure and of the
 * clock reads that any budget needs.
 */

/** Jobs run between two clock reads (the same grouping as the core's `CHEAP_GROUP`). */
export const FLOOR_CLOCK_EVERY = 8

const PRIORITIES = 5

export type FloorJob = (deadline: unknown) => unknown

export class RingFloor {
  private fns: (FloorJob | null)[]
  private free: Int32Array
  private freeCount: number
  private readonly rings: Int32Array[] = []
  private readonly heads = new Int32Array(PRIORITIES)
  private readonly lengths = new Int32Array(PRIORITIES)
  private mask: number

  constructor(
    capacity: number,
    private readonly budgetMs: number,
  ) {
    let size = 16
    while (size < capacity) size *= 2
    this.mask = size - 1
    this.fns = new Array<FloorJob | null>(size).fill(null)
    this.free = new Int32Array(size)
    for (let i = 0; i < size; i++) this.free[i] = size - 1 - i
    this.freeCount = size
    for (let p = 0; p < PRIORITIES; p++) this.rings.push(new Int32Array(size))
  }

  enqueue(priority: number, fn: FloorJob): void {
    const slot = this.free[--this.freeCount] as number
    this.fns[slot] = fn
    const ring = this.rings[priority] as Int32Array
    const length = this.lengths[priority] as number
    ring[((this.heads[priority] as number) + length) & this.mask] = slot
    this.lengths[priority] = length + 1
  }

  /** Runs jobs in priority order until the rings are empty or the budget is spent; returns jobs run. */
  runFrame(): number {
    const start = performance.now()
    const mask = this.mask
    let ran = 0
    for (let p = 0; p < PRIORITIES; p++) {
      const ring = this.rings[p] as Int32Array
      let head = this.heads[p] as number
      let length = this.lengths[p] as number
      while (length > 0) {
        if ((ran & (FLOOR_CLOCK_EVERY - 1)) === 0 && ran > 0 && performance.now() - start >= this.budgetMs) {
          this.heads[p] = head
          this.lengths[p] = length
          return ran
        }
        const slot = ring[head] as number
        head = (head + 1) & mask
        length--
        const fn = this.fns[slot] as FloorJob
        this.fns[slot] = null
        this.free[this.freeCount++] = slot
        fn(null)
        ran++
      }
      this.heads[p] = head
      this.lengths[p] = 0
    }
    return ran
  }
}
