import type { Object3D } from 'three'

/**
 * A growable FIFO of dirty-object entries for {@link MatrixSyncJob}: each entry
 * is an object, the sequence number of the mark that queued it (so an entry
 * whose mark was consumed or renewed can be recognised as stale) and the
 * scheduler frame of that mark, both int32 (small integers never box). A ring buffer: push and shift allocate nothing
 * unless the ring is full, when it doubles.
 * @internal
 */
export class MatrixDirtyQueue {
  private objects: (Object3D | null)[]
  private seqs: Int32Array
  private frames: Int32Array
  private mask: number
  private head = 0
  /** Number of entries, stale ones included. */
  length = 0

  constructor(initialCapacity = 256) {
    let capacity = 16
    while (capacity < initialCapacity) capacity *= 2
    this.objects = new Array<Object3D | null>(capacity).fill(null)
    this.seqs = new Int32Array(capacity)
    this.frames = new Int32Array(capacity)
    this.mask = capacity - 1
  }

  /** Appends an entry at the tail. */
  push(object: Object3D, seq: number, frame: number): void {
    if (this.length === this.seqs.length) this.grow()
    const i = (this.head + this.length) & this.mask
    this.objects[i] = object
    this.seqs[i] = seq
    this.frames[i] = frame
    this.length++
  }

  /** The head entry's object; only valid when `length > 0`. */
  peekObject(): Object3D {
    return this.objects[this.head] as Object3D
  }

  /** The head entry's mark sequence number; only valid when `length > 0`. */
  peekSeq(): number {
    return this.seqs[this.head] as number
  }

  /** The head entry's mark frame; only valid when `length > 0`. */
  peekFrame(): number {
    return this.frames[this.head] as number
  }

  /** Drops the head entry (read it with the `peek*` methods first). */
  shift(): void {
    this.objects[this.head] = null
    this.head = (this.head + 1) & this.mask
    this.length--
  }

  /** Empties the queue, keeping its memory but no object references. */
  clear(): void {
    while (this.length > 0) this.shift()
    this.head = 0
  }

  private grow(): void {
    const capacity = this.seqs.length * 2
    const objects = new Array<Object3D | null>(capacity).fill(null)
    const seqs = new Int32Array(capacity)
    const frames = new Int32Array(capacity)
    for (let k = 0; k < this.length; k++) {
      const i = (this.head + k) & this.mask
      objects[k] = this.objects[i] as Object3D | null
      seqs[k] = this.seqs[i] as number
      frames[k] = this.frames[i] as number
    }
    this.objects = objects
    this.seqs = seqs
    this.frames = frames
    this.mask = capacity - 1
    this.head = 0
  }
}
