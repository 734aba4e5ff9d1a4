/**
 * three-batch-scheduler devtools: a lil-gui panel with live graphs and
 * stats.js panels for a `BatchScheduler`. Needs `lil-gui` (an optional
 * peer dependency of the package) and `three` (for stats.js). Importing has
 * no side effects; styles are added when a panel is made.
 *
 * @example
 * ```ts
 * import { SchedulerPanel } from 'three-batch-scheduler/devtools'
 * const panel = new SchedulerPanel(scheduler, { loop, trace: true })
 * ```
 * @module
 */
export {
  SchedulerPanel,
  type SchedulerPanelOptions,
  type PanelControllers,
  type PanelGraphs,
  type TypeControllers,
} from './SchedulerPanel.js'
export { ScrollingGraph, type GraphSeries, type ScrollingGraphOptions } from './ScrollingGraph.js'
export { QueueDepthGraph } from './QueueDepthGraph.js'
export { DeferralGraph } from './DeferralGraph.js'
export { UtilizationGraph } from './UtilizationGraph.js'
export { GpuTimeGraph } from './GpuTimeGraph.js'
export { GpuReadouts, type WarmupStatsSource } from './GpuReadouts.js'
export type { PanelReadouts, ReadoutCounter } from './PanelReadouts.js'
export { SystemControls, type SystemRow } from './SystemControls.js'
export { JobStatsView, type JobStatsSource } from './JobStatsView.js'
export { TypeControls } from './TypeControls.js'
export { StatsPanels } from './StatsPanels.js'
export { injectStyles, DEVTOOLS_STYLE_ID } from './injectStyles.js'
export { BATCH_TYPE_COLORS, GRAPH_COLORS } from './colors.js'
export type { LoopTimings, LoopTimingsSource } from './LoopTimingsSource.js'
export { BatchingReadout, type BatchingStatsLike } from './BatchingReadout.js'
