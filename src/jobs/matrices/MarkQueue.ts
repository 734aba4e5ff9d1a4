import type { Object3D, Scene } from 'three'
import { growToIndex } from '../../core/utils/growTypedArray.js'
import { MatrixDirtyQueue } from '../utils/MatrixDirtyQueue.js'

/**
 * `MatrixSyncJob`'s marks: per `object.id` the sequence number of its live
 * mark, and the queue of marks oldest first, with what the job asks of them
 * (the next sweep's root, the oldest live mark's frame, the pacing of a
 * backlog). An entry whose mark was consumed or renewed is stale and dropped
 * when it reaches the head.
 * @internal
 */
export class MarkQueue {
  /** Per `object.id`: sequence number of its live mark, 0 when not marked. */
  marks = new Int32Array(1024)
  /** Objects marked and not yet updated. */
  live = 0
  /** Frame of the mark that {@link MarkQueue.next} returned last. */
  headFrame = 0
  private seq = 0
  private readonly queue = new MatrixDirtyQueue()

  /** Queue entries, stale ones included. */
  get queued(): number {
    return this.queue.length
  }

  /** Marks `object` at `frame`, unless it is marked already. */
  mark(object: Object3D, frame: number): void {
    const id = object.id
    if (id >= this.marks.length) this.marks = growToIndex(this.marks, id, 1024)
    if (this.marks[id] !== 0) return
    // int32 sequence numbers that skip 0 when they wrap: an entry is compared only with its object's live mark.
    const seq = (this.seq = (this.seq + 1) | 0 || 1)
    this.marks[id] = seq
    this.live++
    this.queue.push(object, seq, frame)
  }

  /** Whether `object` has a live mark. */
  isMarked(object: Object3D): boolean {
    const id = object.id
    return id < this.marks.length && this.marks[id] !== 0
  }

  /**
   * Pops entries until a live one whose object is in `scene`, and returns
   * where its sweep starts: its topmost marked ancestor (or itself); its
   * mark's frame is then {@link MarkQueue.headFrame}. Null when none is left.
   */
  next(scene: Scene): Object3D | null {
    const queue = this.queue
    const marks = this.marks
    while (queue.length > 0) {
      const object = queue.peekObject()
      const seq = queue.peekSeq()
      const frame = queue.peekFrame()
      queue.shift()
      const id = object.id
      if (marks[id] !== seq) continue
      let top = object
      let root = object
      let p = object.parent
      while (p !== null) {
        const pid = p.id
        if (pid < marks.length && marks[pid] !== 0) top = p
        root = p
        p = p.parent
      }
      if (root !== scene) {
        // Detached: it is not drawn; re-adding it brings it up to date.
        marks[id] = 0
        this.live--
        continue
      }
      if (top !== object) {
        // The ancestor's sweep covers it; its mark is settled now, so an object
        // removed before the sweep reaches it leaves no mark behind.
        marks[id] = 0
        this.live--
      }
      this.headFrame = frame
      return top
    }
    return null
  }

  /** Drops stale entries at the queue's head; returns the frame of the oldest live mark, or -1. */
  liveHeadFrame(): number {
    const queue = this.queue
    const marks = this.marks
    while (queue.length > 0 && marks[queue.peekObject().id] !== queue.peekSeq()) queue.shift()
    return queue.length > 0 ? queue.peekFrame() : -1
  }

  /**
   * Pacing of a backlog of marks: once the oldest pending mark has waited
   * half its staleness bound, the marks this run owes so that the pending
   * marks are spread evenly over the frames left before that bound, instead
   * of the job working within the budget until the bound and then applying
   * every overdue mark in one frame. 0 before that, and with no bound.
   */
  quota(frame: number, maxLag: number): number {
    if (maxLag === Infinity || this.live === 0) return 0
    const head = this.liveHeadFrame()
    if (head < 0) return 0
    // Only once the oldest mark has used half its time: a backlog the budget
    // clears by itself is left to the budget.
    const age = frame - head
    if (age * 2 < maxLag) return 0
    const frames = maxLag - age
    return frames > 1 ? Math.ceil(this.live / frames) : this.live
  }

  /** Drops every mark (the job's dispose). */
  clear(): void {
    this.queue.clear()
    this.marks = new Int32Array(0)
    this.live = 0
  }
}
