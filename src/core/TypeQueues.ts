import { BATCH_TYPE_COUNT } from './BatchType.js'
import type { BatchStats, TypeStats } from './BatchStats.js'
import { CANCELLED, type JobPool, QUEUED, SKIP } from './JobPool.js'
import { RingQueue } from './RingQueue.js'

/**
 * A queue is compacted (its cancelled and skipped entries dropped, their slots
 * freed) once it holds more than this many of them and more of them than live
 * jobs. Without it, enqueue + cancel churn while a type is disabled, the
 * scheduler is paused or the tab is hidden (no frames pop the queue) would
 * grow the queue and the job pool without bound.
 */
const COMPACT_MIN = 64

/**
 * The five FIFO queues of job slots, one per {@link BatchType}, with their
 * counts: every entry added or removed goes through here, so `live` always
 * counts the queued jobs that will run (tombstones excluded). Cancelled and
 * skipped entries are tombstones, dropped when a queue's head reaches them or
 * by compaction between frames, never spliced while a frame walks them.
 * @internal
 */
export class TypeQueues {
  /** Live (not cancelled, not skipped) queued jobs per type, the running job excluded. */
  readonly live = new Int32Array(BATCH_TYPE_COUNT)
  /** Eligible jobs of the current frame that have not run yet, per type. */
  readonly eligible = new Int32Array(BATCH_TYPE_COUNT)
  /** True while a frame runs: a job leaving adjusts `eligible`, compaction and moves wait. */
  inFrame = false
  /** The frame running (or last run). */
  frame = 0
  private readonly rings: RingQueue[] = []
  /** Keeps a queue entry in {@link TypeQueues.compact}; frees the slot of a dropped one. */
  private readonly keep: (slot: number) => boolean

  constructor(private readonly pool: JobPool) {
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) this.rings.push(new RingQueue())
    this.keep = (slot) => {
      const flags = pool.flags[slot] as number
      if (flags & CANCELLED) {
        pool.release(slot)
        return false
      }
      if (flags & SKIP) {
        pool.flags[slot] = flags & ~(SKIP | QUEUED)
        return false
      }
      return true
    }
  }

  /** Queues a live slot at the tail of its type. */
  push(type: number, slot: number): void {
    ;(this.rings[type] as RingQueue).push(slot)
    this.live[type] = (this.live[type] as number) + 1
  }

  /** Queues a live slot at the head of its type (a one-shot job's next slice). */
  unshift(type: number, slot: number): void {
    ;(this.rings[type] as RingQueue).unshift(slot)
    this.live[type] = (this.live[type] as number) + 1
  }

  /** The first live slot of a type's queue, dropping tombstones on the way; -1 if none. */
  head(type: number): number {
    const queue = this.rings[type] as RingQueue
    const pool = this.pool
    while (queue.length > 0) {
      const slot = queue.peek()
      const flags = pool.flags[slot] as number
      if (flags & CANCELLED) {
        queue.shift()
        pool.release(slot)
      } else if (flags & SKIP) {
        queue.shift()
        pool.flags[slot] = flags & ~(SKIP | QUEUED)
      } else {
        return slot
      }
    }
    return -1
  }

  /** Pops the head (a live slot, found by {@link TypeQueues.head}) to run it. */
  shift(type: number): void {
    ;(this.rings[type] as RingQueue).shift()
    this.live[type] = (this.live[type] as number) - 1
    this.eligible[type] = (this.eligible[type] as number) - 1
  }

  /** A queued slot stops being live (cancelled, removed or skipped); its entry stays as a tombstone. */
  leave(slot: number, type: number): void {
    this.live[type] = (this.live[type] as number) - 1
    if (this.inFrame && (this.pool.eligibleFrame[slot] as number) <= this.frame) this.eligible[type] = (this.eligible[type] as number) - 1
  }

  /** A skipped (tombstoned) slot becomes live again. */
  rejoin(slot: number, type: number): void {
    this.live[type] = (this.live[type] as number) + 1
    if (this.inFrame && (this.pool.eligibleFrame[slot] as number) <= this.frame) this.eligible[type] = (this.eligible[type] as number) + 1
  }

  /**
   * Moves a slot to another type: out of its queue (if it is in one) to the
   * tail of the new one, in O(queue length). Not while a frame walks the queues.
   */
  move(slot: number, to: number, queued: boolean, live: boolean): void {
    const pool = this.pool
    const from = pool.type[slot] as number
    if (from === to) return
    if (queued) {
      ;(this.rings[from] as RingQueue).remove(slot)
      ;(this.rings[to] as RingQueue).push(slot)
      if (live) {
        this.live[from] = (this.live[from] as number) - 1
        this.live[to] = (this.live[to] as number) + 1
      }
    }
    pool.type[slot] = to
  }

  /** Starts a frame: every live job of an enabled type is eligible. */
  startFrame(frame: number, typeEnabled: Uint8Array): void {
    this.inFrame = true
    this.frame = frame
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) this.eligible[t] = typeEnabled[t] ? (this.live[t] as number) : 0
  }

  /** Writes the frame's per-type depths, deferrals and oldest waits into the stats; returns the total depth. */
  record(stats: BatchStats, frame: number, disposed: boolean): number {
    const last = stats.last
    const pool = this.pool
    let total = 0
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) {
      const depth = this.live[t] as number
      const deferred = Math.max(0, this.eligible[t] as number)
      last.queueDepth[t] = depth
      last.deferredByType[t] = deferred
      last.deferred += deferred
      const head = disposed ? -1 : this.head(t)
      const since = head < 0 ? frame + 1 : (pool.eligibleFrame[head] as number)
      last.oldestWait[t] = since <= frame ? frame - since + 1 : 0
      const typeStats = stats.perType[t] as TypeStats
      typeStats.deferred += deferred
      if (depth > typeStats.peakDepth) typeStats.peakDepth = depth
      total += depth
    }
    return total
  }

  /**
   * Compacts a queue whose dead entries (cancelled, skipped) outnumber its
   * live ones, past {@link COMPACT_MIN}. Not while a frame walks the queues:
   * the frame's end does it then.
   */
  compactIfNeeded(type: number): void {
    if (this.inFrame) return
    const live = this.live[type] as number
    const dead = (this.rings[type] as RingQueue).length - live
    if (dead > COMPACT_MIN && dead > live) this.compact(type)
  }

  /** Entries over all types, tombstones included. */
  get entries(): number {
    let n = 0
    for (const ring of this.rings) n += ring.length
    return n
  }

  /** Ring slots allocated over all types. */
  get capacity(): number {
    let n = 0
    for (const ring of this.rings) n += ring.capacity
    return n
  }

  /** Empties every queue (the pool is cleared by its owner). */
  clear(): void {
    for (const ring of this.rings) ring.clear()
    this.live.fill(0)
    this.eligible.fill(0)
  }

  /** Drops a queue's cancelled and skipped entries, keeping the order of the rest. */
  private compact(type: number): void {
    const queue = this.rings[type] as RingQueue
    const keep = this.keep
    const n = queue.length
    let kept = 0
    for (let i = 0; i < n; i++) {
      const slot = queue.at(i)
      if (keep(slot)) queue.set(kept++, slot)
    }
    queue.truncate(kept)
  }
}
