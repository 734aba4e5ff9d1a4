import type { FrameHistory, FrameStats } from '../core/BatchStats.js'
import { GRAPH_COLORS } from './colors.js'
import type { LoopTimingsSource } from './LoopTimingsSource.js'
import { ScrollingGraph, type GraphSeries, type ScrollingGraphOptions } from './ScrollingGraph.js'

const LEGEND: readonly GraphSeries[] = [
  { label: 'GPU ms', color: GRAPH_COLORS.gpu },
  { label: 'frame CPU ms (mark)', color: GRAPH_COLORS.cpuMark },
]

/**
 * GPU milliseconds per frame (bars), as a render loop measures them
 * (`loop.timings.gpuMs`: a render 1–3 frames old; see `RenderLoop`), with
 * the frame's CPU ms as a mark, so a GPU-bound frame (bar above the mark)
 * shows at a glance. Frames without a GPU time (NaN: no timer query on this
 * renderer) paint nothing. The loop's timings are not in the scheduler's
 * history, so the graph keeps its own, indexed like it.
 * {@link ScrollingGraph.values} is `[gpuMs, frameMs]` of the last frame.
 *
 * @example
 * ```ts
 * const graph = new GpuTimeGraph(loop, scheduler.stats.history.capacity)
 * scheduler.addFrameListener((frame) => graph.sample(frame, scheduler.stats.history))
 * ```
 */
export class GpuTimeGraph extends ScrollingGraph {
  /** The loop whose timings are plotted. */
  readonly loop: LoopTimingsSource
  private readonly gpu: Float32Array
  private readonly cpu: Float32Array

  /**
   * @param loop the render loop (its `timings.gpuMs` and `frameMs` are read each frame).
   * @param capacity the scheduler's `stats.history.capacity` (the graph's own history is indexed the same way).
   * @param options sizes; see {@link ScrollingGraphOptions}.
   */
  constructor(loop: LoopTimingsSource, capacity: number, options?: ScrollingGraphOptions) {
    super('GPU ms', LEGEND, 2, 5, options)
    this.loop = loop
    this.gpu = new Float32Array(capacity).fill(NaN)
    this.cpu = new Float32Array(capacity)
  }

  override sample(frame: FrameStats, history: FrameHistory, draw = true): void {
    // The frame just run is the history's newest entry: store the loop's numbers beside it.
    const index = history.indexOf(0)
    const t = this.loop.timings
    this.gpu[index] = t.gpuMs ?? NaN
    this.cpu[index] = t.frameMs
    super.sample(frame, history, draw)
  }

  /** Forgets the stored GPU times (after `stats.reset()`, before a redraw). */
  clear(): void {
    this.gpu.fill(NaN)
    this.cpu.fill(0)
  }

  protected override readFrame(_frame: FrameStats, out: Float64Array): void {
    const t = this.loop.timings
    out[0] = t.gpuMs ?? NaN
    out[1] = t.frameMs
  }

  protected override readHistory(_history: FrameHistory, index: number, out: Float64Array): void {
    out[0] = this.gpu[index] as number
    out[1] = this.cpu[index] as number
  }

  protected override peak(values: Float64Array): number {
    const gpu = values[0] as number
    const cpu = values[1] as number
    // NaN compares false: a frame without a GPU time peaks at its CPU time.
    return gpu > cpu ? gpu : cpu
  }

  protected override paintColumn(ctx: CanvasRenderingContext2D, x: number, values: Float64Array): void {
    const pr = this.pixelRatio
    const gpu = values[0] as number
    if (gpu > 0) {
      const top = Math.min(this.y(gpu), this.plotBottom - pr)
      ctx.fillStyle = GRAPH_COLORS.gpu
      ctx.fillRect(x, top, pr, this.plotBottom - top)
    }
    const cpu = values[1] as number
    if (cpu > 0) {
      ctx.fillStyle = GRAPH_COLORS.cpuMark
      ctx.fillRect(x, Math.min(this.y(cpu), this.plotBottom - pr), pr, pr)
    }
  }
}
