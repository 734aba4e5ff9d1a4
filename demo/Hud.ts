import type { Mode } from './modes.js'
import type { DemoParams } from './params.js'

const WINDOW = 120

/**
 * The on-screen legend and the live frame-CPU readout of the current mode,
 * refreshed a few times a second from the scheduler's frames.
 */
export class Hud {
  private readonly root: HTMLElement
  private readonly modeLine: HTMLElement
  private readonly cpuLine: HTMLElement
  private readonly samples = new Float64Array(WINDOW)
  private readonly sorted = new Float64Array(WINDOW)
  private count = 0
  private head = 0
  private lastText = 0
  readonly results: HTMLElement

  constructor(parent: HTMLElement, params: DemoParams) {
    this.root = document.createElement('div')
    this.root.className = 'demo-hud'
    this.root.innerHTML = `
      <div class="demo-title">three-batch-scheduler</div>
      <div class="demo-mode"></div>
      <div class="demo-cpu"></div>
      <div class="demo-warning" hidden>Not cross-origin isolated: timers tick in 100 µs steps, so a 2.5 ms budget is measured coarsely. Serve with COOP/COEP headers (npm run demo does).</div>
      <details class="demo-legend" ${params.bench ? '' : 'open'}>
        <summary>What the panel shows</summary>
        <ul>
          <li><b>queue depth</b>: jobs waiting per type, stacked (Transform at the bottom … AI on top).</li>
          <li><b>deferrals</b>: jobs that were ready but did not fit in this frame's budget.</li>
          <li><b>budget use</b>: CPU ms spent on jobs ÷ budget; the line is 100 %, red marks an overrun.</li>
          <li><b>frame / update / jobs / render</b>: CPU ms of the whole frame and its parts.</li>
          <li><b>GPU ms</b>: GPU time of the render, where the browser exposes timer queries (the frame's CPU ms as a mark).</li>
          <li><b>add a district</b> (New content): thousands of objects with new shaders and textures; compare with the <i>warm-up job</i> on and off.</li>
        </ul>
        Drag <i>budget</i> and watch frame time and queues respond. Toggle <i>scheduler on</i> to compare with plain three.js.
      </details>`
    parent.appendChild(this.root)
    this.modeLine = this.root.querySelector('.demo-mode') as HTMLElement
    this.cpuLine = this.root.querySelector('.demo-cpu') as HTMLElement
    const warning = this.root.querySelector('.demo-warning') as HTMLElement
    warning.hidden = globalThis.crossOriginIsolated === true
    this.results = document.createElement('pre')
    this.results.className = 'demo-results'
    this.results.hidden = true
    parent.appendChild(this.results)
  }

  setMode(scheduled: boolean): void {
    this.modeLine.textContent = scheduled
      ? 'scheduler ON: RenderLoop + matrix sync, culling, LOD, car AI/physics under the budget'
      : 'scheduler OFF: plain three.js, everything every frame'
    this.modeLine.className = `demo-mode ${scheduled ? 'on' : 'off'}`
    this.count = 0
    this.head = 0
  }

  /** Called once per scheduler frame; cheap, and writes text only a few times a second. */
  sample(mode: Mode, objects: number): void {
    this.samples[this.head] = mode.timings.frameMs
    this.head = (this.head + 1) % WINDOW
    if (this.count < WINDOW) this.count++
    const now = performance.now()
    if (now - this.lastText < 300) return
    this.lastText = now
    const view = this.sorted.subarray(0, this.count)
    view.set(this.samples.subarray(0, this.count))
    view.sort()
    const p50 = view[Math.floor(this.count * 0.5)] ?? 0
    const p99 = view[Math.min(this.count - 1, Math.floor(this.count * 0.99))] ?? 0
    const t = mode.timings
    this.cpuLine.textContent =
      `${objects.toLocaleString('en')} objects · frame CPU p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms ` +
      `(update ${t.updateMs.toFixed(2)}, jobs ${t.jobsMs.toFixed(2)}, render ${t.renderMs.toFixed(2)})` +
      (mode.scheduled ? ` · culled ${mode.hidden.toLocaleString('en')} (${mode.hiddenGroups.toLocaleString('en')} whole groups)` : '')
  }

  showResults(text: string): void {
    this.results.hidden = false
    this.results.textContent = text
  }
}
