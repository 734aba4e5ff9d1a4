/**
 * A growable FIFO of int32 values in a ring buffer, with `unshift` so a job
 * can go back to the head. Push, shift and unshift allocate nothing unless
 * the ring is full, when it doubles.
 * @internal
 */
export class RingQueue {
  private buffer: Int32Array
  private mask: number
  private head = 0
  /** Number of entries. */
  length = 0

  constructor(initialCapacity = 64) {
    let capacity = 16
    while (capacity < initialCapacity) capacity *= 2
    this.buffer = new Int32Array(capacity)
    this.mask = capacity - 1
  }

  /** Appends at the tail. */
  push(value: number): void {
    if (this.length === this.buffer.length) this.grow()
    this.buffer[(this.head + this.length) & this.mask] = value
    this.length++
  }

  /** Inserts at the head. */
  unshift(value: number): void {
    if (this.length === this.buffer.length) this.grow()
    this.head = (this.head - 1) & this.mask
    this.buffer[this.head] = value
    this.length++
  }

  /** The head value; only valid when `length > 0`. */
  peek(): number {
    return this.buffer[this.head] as number
  }

  /** Removes and returns the head value; only valid when `length > 0`. */
  shift(): number {
    const value = this.buffer[this.head] as number
    this.head = (this.head + 1) & this.mask
    this.length--
    return value
  }

  /** The value `i` places from the head (0 = head). */
  at(i: number): number {
    return this.buffer[(this.head + i) & this.mask] as number
  }

  /** Overwrites the value `i` places from the head; `i` must be below `length`. */
  set(i: number, value: number): void {
    this.buffer[(this.head + i) & this.mask] = value
  }

  /**
   * Removes the first entry equal to `value`, keeping the order of the rest
   * (O(length)); false if there is none. Not while the queue is walked.
   */
  remove(value: number): boolean {
    const n = this.length
    let i = 0
    while (i < n && this.at(i) !== value) i++
    if (i === n) return false
    for (; i < n - 1; i++) this.set(i, this.at(i + 1))
    this.length--
    return true
  }

  /** Keeps the first `length` entries and drops the rest (keeps its memory). */
  truncate(length: number): void {
    if (length < this.length) this.length = length
  }

  /** Slots allocated (the ring grows by doubling and never shrinks). */
  get capacity(): number {
    return this.buffer.length
  }

  /** Empties the queue (keeps its memory). */
  clear(): void {
    this.head = 0
    this.length = 0
  }

  private grow(): void {
    const old = this.buffer
    const next = new Int32Array(old.length * 2)
    for (let i = 0; i < this.length; i++) next[i] = old[(this.head + i) & this.mask] as number
    this.buffer = next
    this.mask = next.length - 1
    this.head = 0
  }
}
