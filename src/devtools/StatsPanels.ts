import Stats from 'three/addons/libs/stats.module.js'
import type { FrameStats } from '../core/BatchStats.js'
import { type Clock, performanceClock } from '../core/Clock.js'
import type { LoopTimingsSource } from './LoopTimingsSource.js'

/** Panels painted in turn (FPS is painted on its own, once a second); the GPU panel makes it 4. */
const ROTATION = 3
/** Frames between two turns. */
const EVERY = 2

/**
 * Four stats.js panels (`Stats.Panel` from the r17 build bundled with three,
 * `three/addons/libs/stats.module.js`), side by side: FPS, MS (time between
 * scheduler frames), BUD% (budget use, scale 0–200 %) and QUEUE (live queued
 * jobs); with a render loop, a fifth: GPU (ms per render, the loop's
 * `timings.gpuMs`; it stays blank where that is NaN). Driven by {@link StatsPanels.update} from the scheduler's frame
 * listener, timed with the scheduler's clock: no requestAnimationFrame loop.
 *
 * Painting a stats.js panel draws text and blits the panel onto itself,
 * which costs more than the rest of the overlay together (about 0.2 ms per
 * panel measured in headless Chromium with SwiftShader); so FPS is painted
 * once a second (as stats.js does) and the other three take turns, one every
 * second frame, each showing the worst value of the frames since its last
 * turn, so no spike is missed.
 *
 * @example
 * ```ts
 * const stats = new StatsPanels(document.body, scheduler.clock)
 * scheduler.addFrameListener((frame) => stats.update(frame, scheduler.stats.peakQueueDepth))
 * ```
 */
export class StatsPanels {
  /** Frames per second, painted once a second. */
  readonly fpsPanel: Stats.Panel
  /** Milliseconds between scheduler frames (the worst since its last turn). */
  readonly msPanel: Stats.Panel
  /** Budget use, percent (the worst since its last turn). */
  readonly budgetPanel: Stats.Panel
  /** Live queued jobs, all types (the most since its last turn). */
  readonly queuePanel: Stats.Panel
  /** GPU ms per render (the worst since its last turn), or null without a loop. */
  readonly gpuPanel: Stats.Panel | null
  /** The container of the panel canvases. */
  readonly domElement: HTMLDivElement
  /** Panels painted so far (the overlay's canvas work, for its cost readout). */
  paints = 0

  private readonly clock: Clock
  private previous = NaN
  private fpsStart = NaN
  private fpsFrames = 0
  private turn = 0
  private frames = 0
  private worstMs = 0
  private worstBudget = 0
  private worstQueue = 0
  private worstGpu = NaN
  private readonly loop: LoopTimingsSource | undefined
  private readonly rotation: number
  private disposed = false

  /**
   * @param container where to add the panels: with `document.body` they sit
   *   fixed at the top left (as stats.js places itself), in another element
   *   they flow with it.
   * @param clock time source for FPS and MS. @default performance.now()
   * @param loop a render loop: adds the GPU panel (its `timings.gpuMs`).
   */
  constructor(container: HTMLElement, clock: Clock = performanceClock, loop?: LoopTimingsSource) {
    this.clock = clock
    this.loop = loop
    this.rotation = loop === undefined ? ROTATION : ROTATION + 1
    const dom = document.createElement('div')
    dom.className = 'tbs-stats'
    dom.style.cssText =
      container === document.body
        ? 'position:fixed;top:0;left:0;z-index:10000;display:flex;opacity:0.9;pointer-events:none'
        : 'display:flex;opacity:0.9'
    this.fpsPanel = new Stats.Panel('FPS', '#0ff', '#002')
    this.msPanel = new Stats.Panel('MS', '#0f0', '#020')
    this.budgetPanel = new Stats.Panel('BUD%', '#4db6ac', '#022')
    this.queuePanel = new Stats.Panel('QUEUE', '#ffb74d', '#210')
    this.gpuPanel = loop === undefined ? null : new Stats.Panel('GPU', '#9fa8da', '#112')
    dom.append(this.fpsPanel.dom, this.msPanel.dom, this.budgetPanel.dom, this.queuePanel.dom)
    if (this.gpuPanel !== null) dom.append(this.gpuPanel.dom)
    container.appendChild(dom)
    this.domElement = dom
  }

  /**
   * Takes the frame just run; paints at most two panels (usually none or one).
   *
   * @param frame the frame's stats.
   * @param peakQueueDepth top of the queue panel's scale (the highest depth seen).
   */
  update(frame: FrameStats, peakQueueDepth: number): void {
    if (this.disposed) return
    const now = this.clock.now()
    if (Number.isNaN(this.previous)) {
      this.fpsStart = now
    } else {
      const ms = now - this.previous
      if (ms > this.worstMs) this.worstMs = ms
      this.fpsFrames++
    }
    this.previous = now
    const budget = frame.utilization * 100
    if (budget > this.worstBudget) this.worstBudget = budget
    const depth = frame.totalQueueDepth
    if (depth > this.worstQueue) this.worstQueue = depth
    const loop = this.loop
    if (loop !== undefined) {
      const gpu = loop.timings.gpuMs ?? NaN
      // NaN > x is false: the first finite value replaces NaN.
      if (gpu > this.worstGpu || (this.worstGpu !== this.worstGpu && gpu === gpu)) this.worstGpu = gpu
    }

    const elapsed = now - this.fpsStart
    if (elapsed >= 1000) {
      this.fpsPanel.update((this.fpsFrames * 1000) / elapsed, 100)
      this.paints++
      this.fpsStart = now
      this.fpsFrames = 0
    }
    if (++this.frames % EVERY !== 0) return
    switch (this.turn) {
      case 0:
        this.msPanel.update(this.worstMs, 200)
        this.worstMs = 0
        break
      case 1:
        this.budgetPanel.update(this.worstBudget, 200)
        this.worstBudget = 0
        break
      case 2:
        this.queuePanel.update(this.worstQueue, peakQueueDepth > 0 ? peakQueueDepth : 1)
        this.worstQueue = 0
        break
      default:
        // Blank until the renderer reports a GPU time.
        if (this.worstGpu === this.worstGpu && this.gpuPanel !== null) this.gpuPanel.update(this.worstGpu, 33)
        else this.paints--
        this.worstGpu = NaN
    }
    this.paints++
    this.turn = (this.turn + 1) % this.rotation
  }

  /** Removes the panels from the page. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    this.domElement.remove()
  }
}
