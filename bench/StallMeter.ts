import { closeSync, openSync, readSync } from 'node:fs'

/**
 * Measures how long this thread waited, runnable but descheduled, for a CPU
 * (Linux `/proc/self/schedstat`, second field: run-queue wait in ns, brought
 * up to date whenever the thread gets a CPU back). On a shared machine
 * another process can take the CPU in the middle of a frame; the frame then
 * overruns by the machine's doing, not the scheduler's. The budget
 * benchmark reports such frames apart. A read costs a few µs and is done
 * outside the measured code. Where the file is missing, `available` is
 * false and `waitedMs()` returns NaN.
 */
export class StallMeter {
  readonly available: boolean
  private readonly fd: number
  private readonly buffer = Buffer.alloc(128)

  constructor() {
    let fd = -1
    try {
      fd = openSync('/proc/self/schedstat', 'r')
    } catch {
      fd = -1
    }
    this.fd = fd
    this.available = fd >= 0 && Number.isFinite(this.read(1))
  }

  /** Total run-queue wait of this thread so far, ms (NaN when unavailable). */
  waitedMs(): number {
    return this.available ? this.read(1) : NaN
  }


  dispose(): void {
    if (this.fd >= 0) closeSync(this.fd)
  }

  /** Field `index` of the file (0: ns on a CPU, updated only at ticks; 1: ns waiting), in ms. */
  private read(index: number): number {
    const n = readSync(this.fd, this.buffer, 0, this.buffer.length, 0)
    const fields = this.buffer.toString('latin1', 0, n).split(' ')
    return Number(fields[index]) / 1e6
  }
}
