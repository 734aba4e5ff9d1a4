import type { BatchScheduler } from '../core/BatchScheduler.js'
import { ReadoutCells } from './utils/ReadoutCells.js'
import type { LoopTimingsSource } from './LoopTimingsSource.js'
import { formatCount, formatMs } from './utils/format.js'

/** The per-frame counters shown in the readout table. */
export const COUNTERS: readonly ReadoutCounter[] = ['processed', 'deferred', 'forced', 'errors']
const COLUMNS = ['last', 'avg', 'total'] as const
const LOOP_COLUMNS = [
  ['frame', 'loop.frameMs'],
  ['update', 'loop.updateMs'],
  ['jobs', 'loop.jobsMs'],
  ['render', 'loop.renderMs'],
  ['gpu', 'loop.gpuMs'],
  ['fps', 'loop.fps'],
] as const

/** A counter of {@link PanelReadouts}: `processed`, `deferred`, `forced` or `errors`. */
export type ReadoutCounter = 'processed' | 'deferred' | 'forced' | 'errors'

/**
 * The panel's text: per-frame and total counts, percentiles of used ms, peak
 * queue depth, async runs in flight (and settled / rejected), fixed steps
 * dropped and, with a render loop, its CPU timings. Every value sits in
 * an element with a `data-readout` key (e.g. `processed.total`, `p95`,
 * `loop.renderMs`); {@link PanelReadouts.text} reads one back.
 * `avg` is the mean per frame since the previous {@link PanelReadouts.update}.
 *
 * @example
 * ```ts
 * const readouts = new PanelReadouts(scheduler)
 * folder.$children.appendChild(readouts.domElement)
 * readouts.update() // a few times a second
 * ```
 */
export class PanelReadouts {
  /** The table and lines; append it where the text should show. */
  readonly domElement: HTMLDivElement
  private readonly scheduler: BatchScheduler
  private readonly loop: LoopTimingsSource | undefined
  private readonly cells = new ReadoutCells()
  private readonly previous = new Float64Array(COUNTERS.length)
  private previousFrames = 0

  /**
   * @param scheduler whose stats to show.
   * @param loop a render loop whose `timings` to show, if any.
   */
  constructor(scheduler: BatchScheduler, loop?: LoopTimingsSource) {
    this.scheduler = scheduler
    this.loop = loop
    const root = document.createElement('div')
    const table = document.createElement('table')
    table.className = 'tbs-readouts'
    const head = table.insertRow()
    for (const label of ['per frame', 'last', 'avg', 'total']) {
      const th = document.createElement('th')
      th.textContent = label
      head.appendChild(th)
    }
    for (const counter of COUNTERS) {
      const row = table.insertRow()
      row.insertCell().textContent = counter
      for (const column of COLUMNS) this.cells.cell(row.insertCell(), `${counter}.${column}`)
    }
    root.appendChild(table)

    const lines = document.createElement('div')
    lines.className = 'tbs-lines'
    this.cells.line(lines, [
      ['used ms  p50 ', 'p50'],
      [' p95 ', 'p95'],
      [' p99 ', 'p99'],
    ])
    this.cells.line(lines, [
      ['queue ', 'queue'],
      ['  peak ', 'peakQueue'],
      ['  max overrun ', 'maxOverrun'],
      [' ms', ''],
    ])
    this.cells.line(lines, [
      ['async in flight ', 'inFlight'],
      ['  settled ', 'settled'],
      ['  rejected ', 'rejected'],
    ])
    this.cells.line(lines, [['fixed steps dropped ', 'droppedSteps']])
    root.appendChild(lines)
    if (loop !== undefined) {
      const loopTable = document.createElement('table')
      loopTable.className = 'tbs-readouts tbs-loop'
      const labels = loopTable.insertRow()
      const values = loopTable.insertRow()
      labels.insertCell().textContent = 'loop ms'
      values.insertCell().textContent = ''
      for (const [label, key] of LOOP_COLUMNS) {
        const th = document.createElement('th')
        th.textContent = label
        labels.appendChild(th)
        this.cells.cell(values.insertCell(), key)
      }
      root.appendChild(loopTable)
    }
    this.domElement = root
    this.reset()
  }

  /** The text shown for `key` (a `data-readout` key), or undefined for an unknown key. */
  text(key: string): string | undefined {
    return this.cells.text(key)
  }

  /** Starts the `avg` columns afresh from the scheduler's current totals (after `stats.reset()`). */
  reset(): void {
    const stats = this.scheduler.stats
    this.previous[0] = stats.processed
    this.previous[1] = stats.deferred
    this.previous[2] = stats.forced
    this.previous[3] = stats.errors
    this.previousFrames = stats.frames
  }

  /** Rewrites every value from the scheduler (and loop). Builds a few strings: call it a few times a second. */
  update(): void {
    const stats = this.scheduler.stats
    const last = stats.last
    const frames = stats.frames - this.previousFrames
    const values = [last.processed, last.deferred, last.forced, last.errors]
    const totals = [stats.processed, stats.deferred, stats.forced, stats.errors]
    for (let i = 0; i < COUNTERS.length; i++) {
      const counter = COUNTERS[i] as ReadoutCounter
      const total = totals[i] as number
      this.cells.set(`${counter}.last`, formatCount(values[i] as number))
      this.cells.set(`${counter}.avg`, frames > 0 ? formatCount((total - (this.previous[i] as number)) / frames) : '—')
      this.cells.set(`${counter}.total`, formatCount(total))
      this.previous[i] = total
    }
    this.previousFrames = stats.frames
    this.cells.set('p50', formatMs(stats.p50))
    this.cells.set('p95', formatMs(stats.p95))
    this.cells.set('p99', formatMs(stats.p99))
    this.cells.set('queue', formatCount(last.totalQueueDepth))
    this.cells.set('peakQueue', formatCount(stats.peakQueueDepth))
    this.cells.set('maxOverrun', formatMs(stats.maxOverrunMs))
    this.cells.set('inFlight', formatCount(stats.inFlight))
    this.cells.set('settled', formatCount(stats.settled))
    this.cells.set('rejected', formatCount(stats.rejected))
    this.cells.set('droppedSteps', formatCount(stats.droppedSteps))
    const loop = this.loop
    if (loop !== undefined) {
      const t = loop.timings
      this.cells.set('loop.frameMs', formatMs(t.frameMs))
      this.cells.set('loop.updateMs', formatMs(t.updateMs))
      this.cells.set('loop.jobsMs', formatMs(t.jobsMs))
      this.cells.set('loop.renderMs', formatMs(t.renderMs))
      this.cells.set('loop.gpuMs', formatMs(t.gpuMs ?? NaN))
      this.cells.set('loop.fps', t.deltaMs > 0 ? (1000 / t.deltaMs).toFixed(0) : '—')
    }
  }
}
