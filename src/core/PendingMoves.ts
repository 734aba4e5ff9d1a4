import type { SystemRecord } from './SystemRecord.js'

/**
 * Type changes asked for while a frame walks the queues (from inside a job),
 * applied in the order asked when the frame ends: a queue is never spliced
 * while it is walked. One-shot jobs are kept by id (a job that finishes first
 * is not moved), systems by record.
 * @internal
 */
export class PendingMoves {
  /** Moves waiting. */
  length = 0
  private readonly ids: number[] = []
  private readonly types: number[] = []
  private readonly records: (SystemRecord | null)[] = []

  /** Adds a move of job `id` (when `record` is null) or of `record`, to `type`. */
  push(id: number, type: number, record: SystemRecord | null): void {
    const i = this.length++
    this.ids[i] = id
    this.types[i] = type
    this.records[i] = record
  }

  /** Calls `apply` for each move in order and forgets them all (keeps the arrays). */
  drain(apply: (id: number, type: number, record: SystemRecord | null) => void): void {
    for (let i = 0; i < this.length; i++) {
      const record = this.records[i] as SystemRecord | null
      this.records[i] = null
      apply(this.ids[i] as number, this.types[i] as number, record)
    }
    this.length = 0
  }

  /** Forgets every move. */
  clear(): void {
    this.records.fill(null)
    this.length = 0
  }
}
