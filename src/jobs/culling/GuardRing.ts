import { GuardFrustum } from './GuardFrustum.js'

/**
 * The guards that still back a hide decision, oldest first: those of the
 * current sweep, and those of the previous sweep whose slots the current sweep
 * has not revisited yet. Entries are recycled, so pushing allocates only when
 * the ring grows (more slices in two sweeps than ever before).
 *
 * @internal Used by {@link FrustumCullingJob}.
 */
export class GuardRing {
  private items: GuardFrustum[] = []
  private head = 0
  private size = 0

  /** Live guards. */
  get length(): number {
    return this.size
  }

  /** The `i`-th live guard, oldest first. */
  at(i: number): GuardFrustum {
    return this.items[(this.head + i) % this.items.length] as GuardFrustum
  }

  /** The newest guard, or null. */
  last(): GuardFrustum | null {
    return this.size === 0 ? null : this.at(this.size - 1)
  }

  /** Appends a recycled guard (its planes are stale: build it). */
  push(): GuardFrustum {
    const items = this.items
    if (this.size === items.length) {
      // Unroll into a larger array, oldest first.
      const next: GuardFrustum[] = []
      for (let i = 0; i < this.size; i++) next.push(this.at(i))
      const grow = Math.max(8, items.length)
      for (let i = 0; i < grow; i++) next.push(new GuardFrustum())
      this.items = next
      this.head = 0
    }
    const guard = this.items[(this.head + this.size) % this.items.length] as GuardFrustum
    this.size++
    return guard
  }

  /**
   * Drops the oldest guards that no longer back anything: from a sweep before
   * `sweep`, with every slot they decided already revisited (`end ≤ cursor`).
   */
  retire(sweep: number, cursor: number): void {
    while (this.size > 0) {
      const oldest = this.at(0)
      if (oldest.sweep >= sweep || oldest.end > cursor) return
      this.head = (this.head + 1) % this.items.length
      this.size--
    }
  }

  /** Drops every guard from a sweep before `sweep`. */
  retireSweepsBefore(sweep: number): void {
    while (this.size > 0 && this.at(0).sweep < sweep) {
      this.head = (this.head + 1) % this.items.length
      this.size--
    }
  }

  /** Drops everything. */
  clear(): void {
    this.head = 0
    this.size = 0
  }
}
