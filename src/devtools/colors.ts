/**
 * Graph colours, one per `BatchType` (indexed by its value): the queue
 * depth graph, its legend and the type folders use the same ones.
 */
export const BATCH_TYPE_COLORS: readonly string[] = ['#4fc3f7', '#81c784', '#ffb74d', '#ba68c8', '#f06292']

/** Colours shared by the graphs. */
export const GRAPH_COLORS = {
  /** Plot background. */
  background: '#141414',
  /** Faint grid lines. */
  grid: '#2e2e2e',
  /** Axis labels. */
  label: '#9e9e9e',
  /** Utilization within the budget. */
  used: '#26a69a',
  /** Utilization past the budget, overrun marks and forced runs. */
  overrun: '#ef5350',
  /** The 100 % (budget) line. */
  budgetLine: '#e0e0e0',
  /** Deferrals per frame. */
  deferred: '#ffca28',
  /** GPU ms per frame. */
  gpu: '#7986cb',
  /** The frame's CPU ms, a mark on the GPU graph. */
  cpuMark: '#e0e0e0',
} as const
