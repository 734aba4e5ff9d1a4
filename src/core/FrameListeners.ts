import type { FrameStats } from './BatchStats.js'
import type { ProblemReporter } from './ProblemReporter.js'
import type { FrameListener } from './types.js'

/**
 * The frame listeners of a scheduler. The array is replaced, never changed in
 * place, so a listener that adds or removes one while they are called does
 * not disturb the walk. One that throws is reported once and kept.
 * @internal
 */
export class FrameListeners {
  /** True while listeners are being called. */
  notifying = false
  private list: FrameListener[] = []

  constructor(private readonly problems: ProblemReporter) {}

  /** Listeners registered. */
  get size(): number {
    return this.list.length
  }

  /** Adds a listener (once). */
  add(listener: FrameListener): void {
    if (!this.list.includes(listener)) this.list = [...this.list, listener]
  }

  /** Removes a listener. */
  remove(listener: FrameListener): void {
    if (this.list.includes(listener)) this.list = this.list.filter((l) => l !== listener)
  }

  /** Calls every listener with the frame's stats. */
  notify(frame: FrameStats): void {
    const listeners = this.list
    this.notifying = true
    try {
      for (let i = 0; i < listeners.length; i++) {
        try {
          ;(listeners[i] as FrameListener)(frame)
        } catch (error) {
          this.problems.once('listener', `BatchScheduler: a frame listener threw; it stays registered:`, error)
        }
      }
    } finally {
      this.notifying = false
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.list = []
  }
}
