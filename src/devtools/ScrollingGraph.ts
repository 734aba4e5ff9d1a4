import type { FrameHistory, FrameStats } from '../core/BatchStats.js'
import { GRAPH_COLORS } from './colors.js'
import { formatTick } from './utils/format.js'
import { niceCeil } from './utils/niceCeil.js'

/** One entry of a graph's legend. */
export interface GraphSeries {
  /** Legend text. */
  readonly label: string
  /** CSS colour of its bars and swatch. */
  readonly color: string
}

/** Options shared by every graph of the panel. */
export interface ScrollingGraphOptions {
  /** Frames shown: the plot is this many columns (CSS pixels) wide. @default 240 */
  columns?: number
  /** Height of the canvas in CSS pixels. @default 48 */
  height?: number
  /** Device pixels per CSS pixel. @default Math.round(window.devicePixelRatio), 1..3 */
  pixelRatio?: number
  /**
   * Paint every this many frames (a positive integer): the plot then shifts
   * by that many columns at once, each column still one frame. Values are
   * read every frame whatever the interval.
   * @default 1
   */
  interval?: number
}

/** Width of the axis-label gutter left of the plot, CSS pixels. */
const GUTTER = 34
/** Room above and below the plot (labels, overrun marks), CSS pixels. */
const PAD_TOP = 6
const PAD_BOTTOM = 5
const MAX_GRID_ROWS = 4

/**
 * A strip chart that scrolls one column per frame: it blits the plot left
 * onto itself (`drawImage(canvas, …)`) by one column per frame and paints
 * only the new columns, so its cost does not grow with its width. With an
 * `interval` of n it does so every n frames, n columns at a time. A full redraw
 * from {@link FrameHistory} happens only when the scale changes, after the
 * graph was hidden, or on request — that is rare.
 *
 * The data path works without a 2D context (e.g. under happy-dom): values are
 * read, scales follow them and {@link ScrollingGraph.values} holds the last
 * sample; only the painting is skipped.
 *
 * @example
 * ```ts
 * const graph = new QueueDepthGraph({ columns: 200 })
 * container.appendChild(graph.domElement)
 * scheduler.addFrameListener((frame) => graph.sample(frame, scheduler.stats.history))
 * ```
 */
export abstract class ScrollingGraph {
  /** Header, legend and canvas; append it where the graph should show. */
  readonly domElement: HTMLDivElement
  /** The plot canvas. */
  readonly canvas: HTMLCanvasElement
  /** The values of the last sampled frame, in the graph's own order (see the subclass). */
  readonly values: Float64Array
  /** Frames shown (plot width in CSS pixels). */
  readonly columns: number
  /** The value at the top of the plot. Changes only in "nice" steps (1, 2, 5 × 10ⁿ). */
  scaleMax: number
  /** Frames sampled since the graph was made. */
  samples = 0
  /** Full redraws so far (scale changes, first paint, re-shown after hiding). */
  redraws = 0
  /** Frames between paints (see {@link ScrollingGraphOptions.interval}). */
  readonly interval: number
  /** Times the canvas was painted (a scroll or a full redraw), for the panel's cost readout. */
  paints = 0

  /** The canvas's 2D context, or null where there is none (happy-dom): painting is skipped then. */
  protected readonly context: CanvasRenderingContext2D | null
  /** Device pixels per CSS pixel (integer). */
  protected readonly pixelRatio: number
  /** Left edge of the plot in canvas (device) pixels: the axis labels are left of it. */
  readonly plotX: number
  /** Width of the plot, device pixels. */
  protected readonly plotWidth: number
  /** Top of the plot area (the value `scaleMax`), device pixels. */
  protected readonly plotTop: number
  /** Baseline of the plot (the value 0), device pixels. */
  protected readonly plotBottom: number
  /** Canvas height, device pixels. */
  protected readonly canvasHeight: number
  /** Smallest scale the graph shows. */
  protected readonly minScale: number
  /** Largest scale the graph shows: taller values are clipped at the top. */
  protected readonly maxScale: number

  private readonly readout: HTMLSpanElement
  private readonly scratch: Float64Array
  /** Device-pixel rows of the faint grid lines, `gridCount` of them. */
  private readonly gridRows = new Float64Array(MAX_GRID_ROWS)
  private gridCount = 0
  private stale = true
  /** Frames sampled but not painted yet. */
  private pending = 0
  private readoutText = ''

  /**
   * @param title header text.
   * @param legend legend entries (none: no legend row).
   * @param valueCount length of {@link ScrollingGraph.values}.
   * @param minScale smallest `scaleMax`.
   * @param options sizes.
   * @param maxScale largest `scaleMax` (values above it are clipped).
   */
  protected constructor(
    title: string,
    legend: readonly GraphSeries[],
    valueCount: number,
    minScale: number,
    { columns = 240, height = 48, pixelRatio = defaultPixelRatio(), interval = 1 }: ScrollingGraphOptions = {},
    maxScale = Infinity,
  ) {
    if (!Number.isInteger(columns) || columns < 8) {
      throw new RangeError(`ScrollingGraph: columns must be an integer >= 8, got ${String(columns)}`)
    }
    if (!Number.isInteger(height) || height < 24) {
      throw new RangeError(`ScrollingGraph: height must be an integer >= 24, got ${String(height)}`)
    }
    if (!Number.isInteger(interval) || interval < 1 || interval > columns) {
      throw new RangeError(`ScrollingGraph: interval must be an integer in [1, columns], got ${String(interval)}`)
    }
    this.interval = interval
    const pr = Math.max(1, Math.min(3, Math.round(pixelRatio) || 1))
    this.columns = columns
    this.pixelRatio = pr
    this.plotX = GUTTER * pr
    this.plotWidth = columns * pr
    this.plotTop = PAD_TOP * pr
    this.plotBottom = (height - PAD_BOTTOM) * pr
    this.canvasHeight = height * pr
    this.minScale = minScale
    this.maxScale = maxScale
    this.scaleMax = minScale
    this.values = new Float64Array(valueCount)
    this.scratch = new Float64Array(valueCount)

    const root = document.createElement('div')
    root.className = 'tbs-graph'
    const head = document.createElement('div')
    head.className = 'tbs-graph-head'
    const titleEl = document.createElement('span')
    titleEl.className = 'tbs-graph-title'
    titleEl.textContent = title
    this.readout = document.createElement('span')
    this.readout.className = 'tbs-graph-value'
    head.append(titleEl, this.readout)
    root.appendChild(head)
    if (legend.length > 0) {
      const legendEl = document.createElement('div')
      legendEl.className = 'tbs-legend'
      for (const entry of legend) {
        const item = document.createElement('span')
        const swatch = document.createElement('span')
        swatch.className = 'tbs-swatch'
        swatch.style.background = entry.color
        item.append(swatch, entry.label)
        legendEl.appendChild(item)
      }
      root.appendChild(legendEl)
    }
    const canvas = document.createElement('canvas')
    canvas.className = 'tbs-canvas'
    canvas.width = this.plotX + this.plotWidth
    canvas.height = this.canvasHeight
    canvas.style.width = `${GUTTER + columns}px`
    canvas.style.height = `${height}px`
    canvas.style.maxWidth = '100%'
    root.appendChild(canvas)
    this.canvas = canvas
    // CPU-rasterized: a GPU-accelerated 2D canvas shares the GPU process with
    // the scene, and in Chromium its per-frame blits are raster work the page
    // waits for (see docs/tuning.md, "The panel's own cost").
    this.context = canvas.getContext('2d', { willReadFrequently: true })
    this.domElement = root
  }

  /**
   * Takes the frame just run: reads its values, grows the scale if they do
   * not fit, and (when `draw`) scrolls the plot one column, or `interval`
   * columns every `interval` frames. With `draw` false the values are still
   * read and the next drawn frame repaints from history.
   *
   * @param frame the frame's stats (the scheduler's frame listener argument).
   * @param history the scheduler's history; the frame must be its latest entry.
   * @param draw paint now (false while the graph is not visible).
   */
  sample(frame: FrameStats, history: FrameHistory, draw = true): void {
    this.readFrame(frame, this.values)
    this.samples++
    const peak = this.peak(this.values)
    if (peak > this.scaleMax && this.scaleMax < this.maxScale) {
      this.scaleMax = this.scaleFor(peak)
      this.stale = true
    }
    if (!draw) {
      this.stale = true
      return
    }
    if (this.stale) {
      this.redraw(history)
      return
    }
    if (++this.pending < this.interval) return
    const n = this.pending
    this.pending = 0
    const ctx = this.context
    if (ctx === null) return
    this.paints++
    const pr = this.pixelRatio
    const shift = n * pr
    const w = this.plotWidth - shift
    ctx.drawImage(this.canvas, this.plotX + shift, 0, w, this.canvasHeight, this.plotX, 0, w, this.canvasHeight)
    const scratch = this.scratch
    for (let framesAgo = n - 1; framesAgo >= 0; framesAgo--) {
      const x = this.plotX + this.plotWidth - (framesAgo + 1) * pr
      this.paintBackground(ctx, x)
      const index = history.indexOf(framesAgo)
      if (index < 0) continue
      this.readHistory(history, index, scratch)
      this.paintColumn(ctx, x, scratch, this.samples - framesAgo)
    }
  }

  /**
   * Repaints everything from `history` (axis labels included). Called on a
   * scale change or after hiding; call it yourself after resetting stats.
   */
  redraw(history: FrameHistory): void {
    this.redraws++
    this.stale = false
    this.pending = 0
    this.layoutGrid()
    const ctx = this.context
    if (ctx === null) return
    this.paints++
    const pr = this.pixelRatio
    ctx.clearRect(0, 0, this.canvas.width, this.canvasHeight)
    this.paintAxis(ctx)
    const scratch = this.scratch
    for (let c = 0; c < this.columns; c++) {
      const framesAgo = this.columns - 1 - c
      const x = this.plotX + c * pr
      this.paintBackground(ctx, x)
      const index = history.indexOf(framesAgo)
      if (index < 0) continue
      this.readHistory(history, index, scratch)
      this.paintColumn(ctx, x, scratch, this.samples - framesAgo)
    }
  }

  /**
   * Shrinks the scale when the frames in view no longer need it (the spike
   * that grew it has scrolled out). Meant for the throttled refresh, not
   * every frame: it reads the whole visible history.
   *
   * @returns true when the scale changed (the next drawn sample repaints).
   */
  checkScale(history: FrameHistory): boolean {
    let peak = 0
    const n = Math.min(this.columns, history.count)
    for (let i = 0; i < n; i++) {
      this.readHistory(history, history.indexOf(i), this.scratch)
      const p = this.peak(this.scratch)
      if (p > peak) peak = p
    }
    const target = this.scaleFor(peak)
    if (target >= this.scaleMax) return false
    this.scaleMax = target
    this.stale = true
    return true
  }

  /** Sets the text at the right of the header (skips the DOM write when unchanged). */
  setReadout(text: string): void {
    if (text === this.readoutText) return
    this.readoutText = text
    this.readout.textContent = text
  }

  /** The text at the right of the header. */
  get readoutValue(): string {
    return this.readoutText
  }

  /** Copies the values of one recorded frame into `out` (as {@link ScrollingGraph.values}). */
  protected abstract readHistory(history: FrameHistory, index: number, out: Float64Array): void

  /** Copies the values of the frame just run into `out`. */
  protected abstract readFrame(frame: FrameStats, out: Float64Array): void

  /** The value the scale must reach to show `values` whole. */
  protected abstract peak(values: Float64Array): number

  /**
   * Paints one column's data at device x `x` (one `pixelRatio` wide); the
   * background is already painted. `phase` counts samples, for patterns.
   */
  protected abstract paintColumn(ctx: CanvasRenderingContext2D, x: number, values: Float64Array, phase: number): void

  /** Values that get an axis label (and a grid line unless 0). Called on redraw only. */
  protected ticks(): readonly number[] {
    return [this.scaleMax, this.scaleMax / 2, 0]
  }

  /** Axis label of a tick value. */
  protected formatTick(value: number): string {
    return formatTick(value)
  }

  /** Scale that shows a peak of `peak`. */
  protected scaleFor(peak: number): number {
    return peak <= this.minScale ? this.minScale : Math.min(this.maxScale, niceCeil(peak))
  }

  /** Device-pixel row of `value` on the current scale (clamped to the plot). */
  protected y(value: number): number {
    const f = value <= 0 ? 0 : value >= this.scaleMax ? 1 : value / this.scaleMax
    return Math.round(this.plotBottom - f * (this.plotBottom - this.plotTop))
  }

  private layoutGrid(): void {
    const ticks = this.ticks()
    let n = 0
    for (const tick of ticks) {
      if (tick > 0 && n < MAX_GRID_ROWS) this.gridRows[n++] = this.y(tick)
    }
    this.gridCount = n
  }

  private paintBackground(ctx: CanvasRenderingContext2D, x: number): void {
    const pr = this.pixelRatio
    ctx.fillStyle = GRAPH_COLORS.background
    ctx.fillRect(x, 0, pr, this.canvasHeight)
    ctx.fillStyle = GRAPH_COLORS.grid
    for (let i = 0; i < this.gridCount; i++) ctx.fillRect(x, this.gridRows[i] as number, pr, pr)
  }

  private paintAxis(ctx: CanvasRenderingContext2D): void {
    const pr = this.pixelRatio
    ctx.font = `${9 * pr}px ui-monospace, Menlo, Consolas, monospace`
    ctx.textAlign = 'right'
    ctx.textBaseline = 'middle'
    const right = this.plotX - 4 * pr
    for (const tick of this.ticks()) {
      const y = this.y(tick)
      ctx.fillStyle = GRAPH_COLORS.label
      ctx.fillText(this.formatTick(tick), right, Math.min(Math.max(y, 5 * pr), this.canvasHeight - 5 * pr))
      ctx.fillRect(this.plotX - 3 * pr, y, 3 * pr, pr)
    }
  }
}

function defaultPixelRatio(): number {
  return typeof window !== 'undefined' && typeof window.devicePixelRatio === 'number' ? window.devicePixelRatio : 1
}
