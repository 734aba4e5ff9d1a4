// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { GRAPH_COLORS, GpuTimeGraph, SchedulerPanel } from '../../src/devtools/index.js'
import { formatBytes } from '../../src/devtools/GpuReadouts.js'
import { fakeCanvas2D, setup } from './helpers.js'

const panels: SchedulerPanel[] = []
afterEach(() => {
  for (const panel of panels.splice(0)) panel.dispose()
  vi.restoreAllMocks()
  document.body.innerHTML = ''
})

function makeLoop(gpuMs = NaN) {
  return { timings: { deltaMs: 16, updateMs: 1, jobsMs: 2, renderMs: 3, frameMs: 6, gpuMs } }
}

describe('GPU time in the panel', () => {
  it('adds a "GPU ms" graph and a gpu readout with a loop; none without', () => {
    const { scheduler } = setup()
    const without = new SchedulerPanel(scheduler, { stats: false })
    panels.push(without)
    expect(without.graphs.gpu).toBeNull()
    expect(without.domElement.querySelectorAll('canvas.tbs-canvas')).toHaveLength(3)

    const loop = makeLoop(4.5)
    const panel = new SchedulerPanel(scheduler, { stats: false, loop, refreshMs: 0 })
    panels.push(panel)
    expect(panel.graphs.gpu).toBeInstanceOf(GpuTimeGraph)
    expect(panel.domElement.querySelectorAll('canvas.tbs-canvas')).toHaveLength(4)
    scheduler.runFrame()
    expect(Array.from(panel.graphs.gpu?.values ?? [])).toEqual([4.5, 6])
    expect(panel.readouts.text('loop.gpuMs')).toBe('4.50')
    expect(panel.graphs.gpu?.readoutValue).toBe('4.50 GPU · 6.00 CPU ms')
    loop.timings.gpuMs = NaN
    scheduler.runFrame()
    expect(panel.readouts.text('loop.gpuMs')).toBe('—')
    expect(panel.graphs.gpu?.readoutValue).toBe('n/a (no GPU timer) · 6.00 CPU ms')
  })

  it('keeps its own history of GPU times, indexed like the scheduler history, and repaints from it', () => {
    const contexts = fakeCanvas2D()
    const { scheduler } = setup()
    const loop = makeLoop()
    const panel = new SchedulerPanel(scheduler, { stats: false, loop, graphInterval: 1 })
    panels.push(panel)
    const gpuGraph = panel.graphs.gpu as GpuTimeGraph
    for (const ms of [1, 2, 3]) {
      loop.timings.gpuMs = ms
      scheduler.runFrame()
    }
    const ctx = contexts.get(gpuGraph.canvas)!
    ctx.calls.length = 0
    gpuGraph.redraw(scheduler.stats.history)
    // Three GPU bars repainted (one per recorded frame), in the GPU colour.
    const bars = ctx.calls.filter((c) => c.method === 'fillRect' && c.fillStyle === GRAPH_COLORS.gpu)
    expect(bars).toHaveLength(3)
    const heights = bars.map((c) => c.args[3] as number)
    expect(heights[0]).toBeLessThan(heights[1] as number)
    expect(heights[1]).toBeLessThan(heights[2] as number)
  })

  it('paints its graphs on CPU-rasterized canvases (willReadFrequently)', () => {
    const spy = vi.spyOn(HTMLCanvasElement.prototype, 'getContext')
    const { scheduler } = setup()
    panels.push(new SchedulerPanel(scheduler, { stats: false, loop: makeLoop() }))
    const graphCalls = spy.mock.calls.filter((c) => c[1] !== undefined)
    expect(graphCalls).toHaveLength(4)
    for (const call of graphCalls) expect(call).toEqual(['2d', { willReadFrequently: true }])
  })

  it('adds a GPU panel to the stats.js strip with a loop, blank until a GPU time arrives', () => {
    const contexts = fakeCanvas2D()
    const { scheduler, clock } = setup()
    const loop = makeLoop()
    const panel = new SchedulerPanel(scheduler, { stats: true, loop })
    panels.push(panel)
    const stats = panel.stats!
    expect(stats.domElement.querySelectorAll('canvas')).toHaveLength(5)
    const texts = () =>
      contexts
        .get(stats.gpuPanel!.dom)!
        .calls.filter((c) => c.method === 'fillText')
        .map((c) => c.args[0])
    const initial = texts().length
    for (let i = 0; i < 8; i++) {
      clock.advance(16)
      scheduler.runFrame()
    }
    expect(texts()).toHaveLength(initial) // NaN: not painted
    loop.timings.gpuMs = 12
    for (let i = 0; i < 8; i++) {
      clock.advance(16)
      scheduler.runFrame()
    }
    expect(texts()).toContain('12 GPU (12-12)')
  })

  it("shows the warm-up job's stats and the panel's own cost", () => {
    const { scheduler, clock } = setup()
    const warmup = { stats: { pendingPrograms: 3, compiling: 2, pendingUploads: 5, bytesLastFrame: 1_500_000, held: 7 } }
    const panel = new SchedulerPanel(scheduler, { stats: false, warmup, refreshMs: 0 })
    panels.push(panel)
    expect(panel.costMs).toBeNaN()
    scheduler.addFrameListener(() => clock.advance(0.25)) // after the panel's listener: not its cost
    scheduler.runFrame()
    scheduler.runFrame()
    const text = (key: string) => panel.gpuReadouts.text(key)
    expect(text('warmup.programs')).toBe('3 (2 compiling)')
    expect(text('warmup.uploads')).toBe('5')
    expect(text('warmup.bytes')).toBe('1.5 MB')
    expect(text('warmup.held')).toBe('7')
    expect(text('warmup.frameMs')).toBe('—') // a source without them
    expect(text('warmup.idleMs')).toBe('—')
    expect(panel.costMs).toBe(0)
    expect(text('panel.jsMs')).toBe('0.00')
    expect(Number(text('panel.canvases'))).toBeGreaterThanOrEqual(0)
    expect(() => new SchedulerPanel(scheduler, { warmup: 3 as never })).toThrow(/^SchedulerPanel: warmup must have a stats object/)
    // A GpuWarmupJob's stats have them: its CPU in the frame and between frames.
    const timed = { stats: { ...warmup.stats, frameMs: 0.42, idleMs: 3.5 } }
    const second = new SchedulerPanel(scheduler, { stats: false, warmup: timed, refreshMs: 0 })
    panels.push(second)
    scheduler.runFrame()
    expect(second.gpuReadouts.text('warmup.frameMs')).toBe('0.42')
    expect(second.gpuReadouts.text('warmup.idleMs')).toBe('3.50')
  })

  it('formats bytes', () => {
    expect([formatBytes(0), formatBytes(999), formatBytes(12_345), formatBytes(2_500_000), formatBytes(NaN)]).toEqual([
      '0 B',
      '999 B',
      '12 kB',
      '2.5 MB',
      '—',
    ])
  })
})
