import type { FrameHistory, FrameStats } from '../core/BatchStats.js'
import { BATCH_TYPE_COUNT, BATCH_TYPE_NAMES } from '../core/BatchType.js'
import { BATCH_TYPE_COLORS } from './colors.js'
import { ScrollingGraph, type GraphSeries, type ScrollingGraphOptions } from './ScrollingGraph.js'

const LEGEND: GraphSeries[] = []

function legend(): readonly GraphSeries[] {
  if (LEGEND.length === 0) {
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) {
      LEGEND.push({ label: BATCH_TYPE_NAMES[t] as string, color: BATCH_TYPE_COLORS[t] as string })
    }
  }
  return LEGEND
}

/**
 * Live queued jobs per `BatchType` at each frame end, stacked bottom-up
 * in priority order (Transform at the bottom), one colour per type.
 * {@link ScrollingGraph.values} holds the depth per type, indexed by BatchType.
 *
 * @example
 * ```ts
 * const graph = new QueueDepthGraph()
 * graph.sample(scheduler.stats.last, scheduler.stats.history)
 * graph.values[BatchType.AI] // AI jobs queued after the last frame
 * ```
 */
export class QueueDepthGraph extends ScrollingGraph {
  /** @param options sizes; see {@link ScrollingGraphOptions}. */
  constructor(options?: ScrollingGraphOptions) {
    super('Queue depth', legend(), BATCH_TYPE_COUNT, 5, options)
  }

  /** Total queued jobs, all types, in the last sample. */
  get total(): number {
    return this.peak(this.values)
  }

  protected override readFrame(frame: FrameStats, out: Float64Array): void {
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) out[t] = frame.queueDepth[t] as number
  }

  protected override readHistory(history: FrameHistory, index: number, out: Float64Array): void {
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) out[t] = (history.queueDepth[t] as Float32Array)[index] as number
  }

  protected override peak(values: Float64Array): number {
    let sum = 0
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) sum += values[t] as number
    return sum
  }

  protected override paintColumn(ctx: CanvasRenderingContext2D, x: number, values: Float64Array): void {
    const pr = this.pixelRatio
    let sum = 0
    let below = this.plotBottom
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) {
      const depth = values[t] as number
      if (depth <= 0) continue
      sum += depth
      // At least one pixel for a non-empty queue, so a small backlog stays visible.
      const top = Math.min(this.y(sum), below - pr)
      if (top < this.plotTop) continue
      ctx.fillStyle = BATCH_TYPE_COLORS[t] as string
      ctx.fillRect(x, top, pr, below - top)
      below = top
    }
  }
}
