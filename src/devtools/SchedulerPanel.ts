import { GUI, type Controller } from 'lil-gui'
import type { FrameStats } from '../core/BatchStats.js'
import type { BatchScheduler } from '../core/BatchScheduler.js'
import { BATCH_TYPE_COUNT, BATCH_TYPE_NAMES, type BatchType } from '../core/BatchType.js'
import { BATCH_TYPE_COLORS } from './colors.js'
import { DeferralGraph } from './DeferralGraph.js'
import { GpuReadouts, type WarmupStatsSource } from './GpuReadouts.js'
import { GpuTimeGraph } from './GpuTimeGraph.js'
import { injectStyles as addStyles } from './injectStyles.js'
import type { LoopTimingsSource } from './LoopTimingsSource.js'
import { PanelReadouts } from './PanelReadouts.js'
import { QueueDepthGraph } from './QueueDepthGraph.js'
import type { ScrollingGraph, ScrollingGraphOptions } from './ScrollingGraph.js'
import { StatsPanels } from './StatsPanels.js'
import { JobStatsView } from './JobStatsView.js'
import { SystemControls } from './SystemControls.js'
import { TypeControls } from './TypeControls.js'
import { UtilizationGraph } from './UtilizationGraph.js'
import { formatCount, formatMs } from './utils/format.js'
import { updateIfChanged } from './utils/updateIfChanged.js'

/** Options of the {@link SchedulerPanel} constructor. */
export interface SchedulerPanelOptions {
  /**
   * The app's lil-gui: the panel adds a folder to it (and `dispose()` removes
   * only that folder). Without it the panel makes a GUI of its own.
   */
  gui?: GUI
  /**
   * A render loop whose `timings` (frame, update, jobs, render, GPU ms) to
   * show, e.g. `RenderLoop`: adds the "GPU ms" graph and the stats.js GPU panel.
   */
  loop?: LoopTimingsSource
  /**
   * Jobs whose `stats` to show in a "Jobs" folder, by name: what
   * `installBatchJobs` returns, or `{ matrices, culling }`. The matrix job's
   * `detected` row counts moves it found without `markDirty`.
   */
  jobs?: object
  /** A `GpuWarmupJob` (`three-batch-scheduler/jobs`) whose pending programs, uploads and bytes per frame to show. */
  warmup?: WarmupStatsSource
  /** Show stats.js panels (FPS, MS, budget %, queue depth). @default true */
  stats?: boolean
  /** Title of the GUI or folder. @default 'Batch scheduler' */
  title?: string
  /**
   * Turn on `scheduler.trace` (each job run recorded with
   * `performance.measure`) while the panel lives; `dispose()` restores the
   * previous value if this panel changed it (by this option or its checkbox,
   * which toggles it too).
   * @default false
   */
  trace?: boolean
  /**
   * Where the panel's own GUI and the stats.js panels go. With
   * `document.body` the GUI floats at the top right and stats at the top left.
   * @default document.body
   */
  container?: HTMLElement
  /** Add the devtools stylesheet to `document.head` (once per document). @default true */
  injectStyles?: boolean
  /** Milliseconds of `scheduler.clock` time between text refreshes. @default 250 */
  refreshMs?: number
  /** Frames shown by each graph (its width in CSS pixels). @default 240 */
  graphColumns?: number
  /** Height of each graph in CSS pixels. @default 56 */
  graphHeight?: number
  /**
   * Paint the graphs every this many frames, that many columns at a time
   * (each column is still one frame): halves the overlay's canvas work at
   * the default. 1 paints every frame.
   * @default 2
   */
  graphInterval?: number
  /** Width of the panel's own GUI in CSS pixels (ignored with `gui`). @default 300 */
  width?: number
  /** Top of the budget slider, ms (raised to the current budget if that is higher). @default 16 */
  maxBudgetMs?: number
}

/** The controllers of one `BatchType`. */
export interface TypeControllers {
  /** Checkbox: the type runs. */
  readonly enabled: Controller
  /** Slider: latency bound in frames. */
  readonly maxDeferFrames: Controller
  /** Slider: share of the budget, 0.05..1. */
  readonly share: Controller
}

/** The panel's lil-gui controllers, for scripting and tests. */
export interface PanelControllers {
  /** Budget in ms (0.1 .. `maxBudgetMs`, step 0.05). */
  readonly budget: Controller
  /** Pause checkbox (`scheduler.paused`). */
  readonly paused: Controller
  /** Button: one frame while paused (`scheduler.step()`). */
  readonly step: Controller
  /** Checkbox: `scheduler.trace`. */
  readonly trace: Controller
  /** Button: `scheduler.stats.reset()`. */
  readonly resetStats: Controller
  /** Per `BatchType`, indexed by its value. */
  readonly types: readonly TypeControllers[]
}

/** The panel's graphs. */
export interface PanelGraphs {
  /** Queue depth per type, stacked. */
  readonly queueDepth: QueueDepthGraph
  /** Deferred (and forced) jobs per frame. */
  readonly deferrals: DeferralGraph
  /** Budget utilization with the 100 % line and overrun marks. */
  readonly utilization: UtilizationGraph
  /** GPU ms per frame against the frame's CPU ms, or null without a `loop`. */
  readonly gpu: GpuTimeGraph | null
}

let warnedNo2D = false

/**
 * A lil-gui devtools panel for a `BatchScheduler`: tune the budget,
 * types and systems live, watch queue depth, deferrals and budget use in
 * scrolling graphs, read counts and percentiles, and (optionally) stats.js
 * panels. It is driven by the scheduler's frames through
 * `addFrameListener`: no requestAnimationFrame loop of its own, nothing
 * allocated per frame; text refreshes a few times a second.
 *
 * @example
 * ```ts
 * import { SchedulerPanel } from 'three-batch-scheduler/devtools'
 * const panel = new SchedulerPanel(scheduler, { loop })
 * // later
 * panel.dispose()
 * ```
 */
export class SchedulerPanel {
  /** The scheduler shown. */
  readonly scheduler: BatchScheduler
  /** The panel's folder: a folder of the app's `gui`, or the panel's own GUI. */
  readonly gui: GUI
  /** The element holding the graphs and text, inside the folder. */
  readonly domElement: HTMLDivElement
  /** The graphs; their `values` are the last frame plotted. */
  readonly graphs: PanelGraphs
  /** The text readouts. */
  readonly readouts: PanelReadouts
  /** The warm-up job's line and the panel's own cost. */
  readonly gpuReadouts: GpuReadouts
  /** The per-system rows. */
  readonly systems: SystemControls
  /** The jobs' stats table (the `jobs` option), or null. */
  readonly jobStats: JobStatsView | null = null
  /** The controllers. */
  readonly controllers: PanelControllers
  /** The stats.js panels, or null when off (`stats: false`, or no canvas 2D context). */
  readonly stats: StatsPanels | null
  /** Text refreshes so far. */
  refreshes = 0

  private readonly refreshMs: number
  private readonly previousTrace: boolean
  /** This panel changed `scheduler.trace` (its option or its checkbox): only then does dispose restore it. */
  private ownsTrace = false
  private lastRefresh: number
  private cost = NaN
  private canvasRate = NaN
  private paintsAtRefresh = 0
  private framesAtRefresh = 0
  private frames = 0
  private readonly graphArray: readonly ScrollingGraph[]
  private disposed = false

  /**
   * @param scheduler the scheduler to show and tune.
   * @param options see {@link SchedulerPanelOptions}; every field is optional.
   * @throws TypeError when `scheduler`, `gui`, `loop` or `container` is not what it should be; RangeError on bad sizes.
   */
  constructor(
    scheduler: BatchScheduler,
    {
      gui,
      loop,
      warmup,
      stats = true,
      title = 'Batch scheduler',
      trace = false,
      container,
      injectStyles = true,
      refreshMs = 250,
      graphColumns = 240,
      graphHeight = 56,
      graphInterval = 2,
      jobs,
      width = 300,
      maxBudgetMs = 16,
    }: SchedulerPanelOptions = {},
  ) {
    const api = 'SchedulerPanel'
    if (
      scheduler === null ||
      typeof scheduler !== 'object' ||
      typeof scheduler.addFrameListener !== 'function' ||
      typeof scheduler.stats !== 'object'
    ) {
      throw new TypeError(`${api}: scheduler must be a BatchScheduler, got ${describe(scheduler)}`)
    }
    if (scheduler.isDisposed) throw new Error(`${api}: scheduler is disposed`)
    if (gui !== undefined && (gui === null || typeof gui.addFolder !== 'function')) {
      throw new TypeError(`${api}: gui must be a lil-gui GUI, got ${describe(gui)}`)
    }
    if (loop !== undefined && (loop === null || typeof loop !== 'object' || typeof loop.timings !== 'object')) {
      throw new TypeError(`${api}: loop must have a timings object (e.g. a RenderLoop), got ${describe(loop)}`)
    }
    if (warmup !== undefined && (warmup === null || typeof warmup !== 'object' || typeof warmup.stats !== 'object')) {
      throw new TypeError(`${api}: warmup must have a stats object (a GpuWarmupJob), got ${describe(warmup)}`)
    }
    if (container !== undefined && (container === null || typeof container.appendChild !== 'function')) {
      throw new TypeError(`${api}: container must be an HTMLElement, got ${describe(container)}`)
    }
    if (typeof refreshMs !== 'number' || !Number.isFinite(refreshMs) || refreshMs < 0) {
      throw new RangeError(`${api}: refreshMs must be a finite number >= 0, got ${describe(refreshMs)}`)
    }
    if (typeof maxBudgetMs !== 'number' || !Number.isFinite(maxBudgetMs) || maxBudgetMs <= 0.1) {
      throw new RangeError(`${api}: maxBudgetMs must be a finite number > 0.1, got ${describe(maxBudgetMs)}`)
    }
    if (jobs !== undefined && jobs !== null && typeof jobs !== 'object') {
      throw new TypeError(`${api}: jobs must be an object of jobs by name, got ${describe(jobs)}`)
    }
    this.scheduler = scheduler
    this.refreshMs = refreshMs
    if (injectStyles) addStyles()

    const graphOptions: ScrollingGraphOptions = {
      columns: graphColumns,
      height: graphHeight,
      interval: graphInterval,
    }
    this.graphs = {
      queueDepth: new QueueDepthGraph(graphOptions),
      deferrals: new DeferralGraph(graphOptions),
      utilization: new UtilizationGraph(graphOptions),
      gpu: loop !== undefined ? new GpuTimeGraph(loop, scheduler.stats.history.capacity, graphOptions) : null,
    }
    const g = this.graphs
    this.graphArray = g.gpu !== null ? [g.utilization, g.gpu, g.queueDepth, g.deferrals] : [g.utilization, g.queueDepth, g.deferrals]
    this.readouts = new PanelReadouts(scheduler, loop)
    this.gpuReadouts = new GpuReadouts(warmup)

    const folder =
      gui !== undefined
        ? gui.addFolder(title)
        : new GUI(container !== undefined ? { title, width, container } : { title, width })
    this.gui = folder

    // Tuning.
    const budget = folder
      .add(scheduler, 'budgetMs', 0.1, Math.max(maxBudgetMs, Math.ceil(scheduler.budgetMs)), 0.05)
      .name('budget (ms)')
      .decimals(2)
    const paused = folder.add(scheduler, 'paused').name('pause')
    const actions = {
      step: (): void => scheduler.step(),
      resetStats: (): void => this.resetStats(),
    }
    const step = folder.add(actions, 'step').name('step one frame (paused)')
    const traceController = folder
      .add(scheduler, 'trace')
      .name('trace (Performance panel)')
      .onChange(() => {
        this.ownsTrace = true
      })
    const resetStats = folder.add(actions, 'resetStats').name('reset stats')

    // Graphs and text.
    const body = document.createElement('div')
    body.className = 'tbs-devtools'
    body.append(this.readouts.domElement, this.gpuReadouts.domElement)
    for (const graph of this.graphArray) body.append(graph.domElement)
    folder.$children.appendChild(body)
    this.domElement = body

    // Per type: checkboxes first (lil-gui appends in order), limits in closed subfolders.
    const typesFolder = folder.addFolder('Types')
    const typeControls: TypeControls[] = []
    const enabledControllers: Controller[] = []
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) {
      const controls = new TypeControls(scheduler, t as BatchType)
      const enabled = typesFolder.add(controls, 'enabled').name(BATCH_TYPE_NAMES[t] as string)
      const swatch = document.createElement('span')
      swatch.className = 'tbs-swatch'
      swatch.style.background = BATCH_TYPE_COLORS[t] as string
      enabled.$name.classList.add('tbs-type-name')
      enabled.$name.prepend(swatch)
      typeControls.push(controls)
      enabledControllers.push(enabled)
    }
    const boundsFolder = typesFolder.addFolder('Latency bound (frames)').close()
    const sharesFolder = typesFolder.addFolder('Share of budget').close()
    const types: TypeControllers[] = []
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) {
      const controls = typeControls[t] as TypeControls
      const name = BATCH_TYPE_NAMES[t] as string
      const maxDefer = boundsFolder
        .add(controls, 'maxDeferFrames', 0, Math.max(120, controls.maxDeferFrames), 1)
        .name(name)
      const share = sharesFolder.add(controls, 'share', 0.05, 1, 0.05).name(name)
      types.push({ enabled: enabledControllers[t] as Controller, maxDeferFrames: maxDefer, share })
    }
    this.controllers = { budget, paused, step, trace: traceController, resetStats, types }

    // Per system.
    this.systems = new SystemControls(folder.addFolder('Systems'), scheduler)

    // Per job: the built-in jobs' own numbers.
    if (jobs !== undefined && jobs !== null) {
      const view = new JobStatsView(jobs)
      const jobsFolder = folder.addFolder('Jobs')
      const holder = document.createElement('div')
      holder.className = 'tbs-devtools'
      holder.appendChild(view.domElement)
      jobsFolder.$children.appendChild(holder)
      this.jobStats = view
    }

    // stats.js.
    let statsPanels: StatsPanels | null = null
    if (stats) {
      if (has2DContext()) statsPanels = new StatsPanels(container ?? document.body, scheduler.clock, loop)
      else if (!warnedNo2D) {
        warnedNo2D = true
        console.warn(`${api}: no canvas 2D context here; stats.js panels are off (graphs keep their data, unpainted)`)
      }
    }
    this.stats = statsPanels

    this.previousTrace = scheduler.trace
    if (trace && !scheduler.trace) {
      scheduler.trace = true
      this.ownsTrace = true
    }

    for (const graph of this.graphList()) graph.redraw(scheduler.stats.history)
    this.lastRefresh = scheduler.clock.now()
    this.refresh()
    scheduler.addFrameListener(this.onFrame)
  }

  /** True once {@link SchedulerPanel.dispose} was called. */
  get isDisposed(): boolean {
    return this.disposed
  }

  /**
   * The panel's own JavaScript ms per frame (its frame listener: graphs,
   * stats.js, throttled text), smoothed, measured with the scheduler's clock;
   * NaN before the first frame. The raster work those canvases cause in the
   * browser is not in it: see docs/tuning.md, "The panel's own cost".
   */
  get costMs(): number {
    return this.cost
  }

  /** 2D canvases painted per frame (graphs and stats.js panels), averaged over the last refresh period. */
  get canvasesPerFrame(): number {
    return this.canvasRate
  }

  /**
   * Refreshes the text now: counts, percentiles, graph headers, system rows
   * (added and removed systems appear and disappear), controller values, and
   * shrinks graph scales a spike no longer needs. Runs by itself every
   * `refreshMs` of scheduler clock time, and on every frame while paused.
   */
  refresh(): void {
    if (this.disposed) return
    this.refreshes++
    const scheduler = this.scheduler
    const history = scheduler.stats.history
    const { queueDepth, deferrals, utilization } = this.graphs
    this.systems.sync()
    this.systems.refresh()
    this.jobStats?.refresh()
    const c = this.controllers
    updateIfChanged(c.budget)
    updateIfChanged(c.paused)
    updateIfChanged(c.trace)
    for (const t of c.types) {
      updateIfChanged(t.enabled)
      updateIfChanged(t.maxDeferFrames)
      updateIfChanged(t.share)
    }
    for (const graph of this.graphList()) graph.checkScale(history)
    queueDepth.setReadout(`now ${formatCount(queueDepth.total)}`)
    const gpu = this.graphs.gpu
    if (gpu !== null) {
      const v = gpu.values
      gpu.setReadout(
        Number.isFinite(v[0] as number)
          ? `${formatMs(v[0] as number)} GPU · ${formatMs(v[1] as number)} CPU ms`
          : `n/a (no GPU timer) · ${formatMs(v[1] as number)} CPU ms`,
      )
    }
    let paints = this.stats === null ? 0 : this.stats.paints
    for (const graph of this.graphArray) paints += graph.paints
    const frames = this.frames - this.framesAtRefresh
    if (frames > 0) this.canvasRate = (paints - this.paintsAtRefresh) / frames
    this.paintsAtRefresh = paints
    this.framesAtRefresh = this.frames
    this.gpuReadouts.update(this.cost, this.canvasRate)
    const d = deferrals.values
    deferrals.setReadout(`${formatCount(d[0] as number)} deferred · ${formatCount(d[1] as number)} forced`)
    const u = utilization.values
    utilization.setReadout(
      `${formatMs(u[2] as number)} / ${formatMs(u[3] as number)} ms · ${((u[0] as number) * 100).toFixed(0)} %`,
    )
    this.readouts.update()
  }

  /**
   * Removes everything the panel added: its frame listener, its folder (or
   * its own GUI), the stats.js panels; restores `scheduler.trace` if it changed it. The
   * stylesheet stays (it is shared, like lil-gui's). Safe to call twice.
   */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    this.scheduler.removeFrameListener(this.onFrame)
    this.systems.dispose()
    this.stats?.dispose()
    this.gui.destroy()
    this.domElement.remove()
    // Two panels on one scheduler may be disposed in any order: one that did
    // not touch trace must not "restore" another's setting.
    if (this.ownsTrace) this.scheduler.trace = this.previousTrace
  }

  private readonly onFrame = (frame: FrameStats): void => {
    const scheduler = this.scheduler
    const clock = scheduler.clock
    const t0 = clock.now()
    this.frames++
    const history = scheduler.stats.history
    const draw = this.isShown()
    const graphs = this.graphArray
    for (let i = 0; i < graphs.length; i++) (graphs[i] as ScrollingGraph).sample(frame, history, draw)
    if (this.stats !== null) this.stats.update(frame, scheduler.stats.peakQueueDepth)
    const now = clock.now()
    if (scheduler.paused || now - this.lastRefresh >= this.refreshMs || now < this.lastRefresh) {
      this.lastRefresh = now
      this.refresh()
    }
    const ms = clock.now() - t0
    const cost = this.cost
    this.cost = cost !== cost ? ms : cost + 0.05 * (ms - cost)
  }

  private resetStats(): void {
    const stats = this.scheduler.stats
    stats.reset()
    this.readouts.reset()
    this.graphs.gpu?.clear()
    for (const graph of this.graphList()) {
      graph.checkScale(stats.history)
      graph.redraw(stats.history)
    }
  }

  private graphList(): readonly ScrollingGraph[] {
    return this.graphArray
  }

  /** False while the folder or one of its parents is closed or hidden: graphs then skip painting. */
  private isShown(): boolean {
    let gui: GUI | undefined = this.gui
    while (gui !== undefined) {
      if (gui._closed || gui._hidden) return false
      gui = gui.parent as GUI | undefined
    }
    return true
  }
}

function has2DContext(): boolean {
  try {
    return document.createElement('canvas').getContext('2d') !== null
  } catch {
    return false
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object'
  return typeof value === 'string' ? `"${value}"` : String(value)
}
