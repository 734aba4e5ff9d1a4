// @vitest-environment happy-dom
import { GUI, type FunctionController } from 'lil-gui'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { BATCH_TYPE_COLORS, DEVTOOLS_STYLE_ID, GRAPH_COLORS, SchedulerPanel } from '../../src/devtools/index.js'
import { BatchType } from '../../src/index.js'
import { fakeCanvas2D, setup } from './helpers.js'

const { Transform, Physics, LOD, AI } = BatchType

const panels: SchedulerPanel[] = []
function makePanel(...args: ConstructorParameters<typeof SchedulerPanel>): SchedulerPanel {
  const panel = new SchedulerPanel(args[0], { stats: false, ...args[1] })
  panels.push(panel)
  return panel
}

afterEach(() => {
  for (const panel of panels.splice(0)) panel.dispose()
  vi.restoreAllMocks()
  document.body.innerHTML = ''
})

describe('building', () => {
  it('makes its own GUI with tuning controllers, three graphs and the readouts', () => {
    const { scheduler } = setup()
    const panel = makePanel(scheduler, { title: 'Jobs' })
    const root = panel.gui.domElement
    expect(root.parentElement).toBe(document.body)
    expect(panel.gui.$title.textContent).toBe('Jobs')
    expect(root.querySelectorAll('canvas.tbs-canvas')).toHaveLength(3)
    expect(panel.controllers.types).toHaveLength(5)
    expect(panel.controllers.budget.getValue()).toBe(2.5)
    // The legend names every type.
    const legend = panel.graphs.queueDepth.domElement.querySelector('.tbs-legend')?.textContent
    expect(legend).toBe('TransformVisibilityPhysicsLODAI')
    expect(panel.readouts.text('processed.total')).toBe('0')
  })

  it('adds a folder to the app gui when given one', () => {
    const { scheduler } = setup()
    const gui = new GUI()
    const panel = makePanel(scheduler, { gui })
    expect(panel.gui.parent).toBe(gui)
    expect(gui.folders).toContain(panel.gui)
    gui.destroy()
  })

  it('puts its GUI and stats.js panels in the given container', () => {
    fakeCanvas2D()
    const { scheduler } = setup()
    const container = document.createElement('div')
    document.body.appendChild(container)
    const panel = makePanel(scheduler, { container, stats: true })
    expect(panel.gui.domElement.parentElement).toBe(container)
    expect(panel.stats!.domElement.parentElement).toBe(container)
    panel.dispose()
    expect(container.innerHTML).toBe('')
  })

  it('injects its stylesheet once, and not at all with injectStyles: false', () => {
    const { scheduler } = setup()
    document.getElementById(DEVTOOLS_STYLE_ID)?.remove()
    makePanel(scheduler, { injectStyles: false })
    expect(document.getElementById(DEVTOOLS_STYLE_ID)).toBeNull()
    makePanel(scheduler)
    makePanel(scheduler)
    expect(document.querySelectorAll(`#${DEVTOOLS_STYLE_ID}`)).toHaveLength(1)
  })

  it('rejects a missing scheduler and a loop without timings', () => {
    const { scheduler } = setup()
    expect(() => new SchedulerPanel(null as never)).toThrow(/^SchedulerPanel: scheduler/)
    expect(() => new SchedulerPanel(scheduler, { loop: {} as never })).toThrow(/^SchedulerPanel: loop/)
    expect(() => new SchedulerPanel(scheduler, { refreshMs: NaN })).toThrow(/^SchedulerPanel: refreshMs/)
  })

  it('turns stats.js off with a warning where there is no canvas 2D context', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { scheduler } = setup()
    const panel = makePanel(scheduler, { stats: true })
    expect(panel.stats).toBeNull()
    expect(warn.mock.calls.length).toBeLessThanOrEqual(1)
  })
})

describe('tuning through the controllers', () => {
  it('budget: setValue and typing into the field change scheduler.budgetMs', () => {
    const { scheduler } = setup()
    const panel = makePanel(scheduler)
    const budget = panel.controllers.budget
    budget.setValue(4.25)
    expect(scheduler.budgetMs).toBe(4.25)
    const input = (budget as unknown as { $input: HTMLInputElement }).$input
    input.value = '3.3'
    input.dispatchEvent(new Event('input'))
    expect(scheduler.budgetMs).toBeCloseTo(3.3, 10)
  })

  it('per type: enabled, latency bound and share reach the scheduler', () => {
    const { scheduler } = setup()
    const panel = makePanel(scheduler)
    const ai = panel.controllers.types[AI]!
    let ran = 0
    scheduler.enqueue(AI, () => void ran++)
    ai.enabled.setValue(false)
    expect(scheduler.isTypeEnabled(AI)).toBe(false)
    scheduler.runFrame()
    expect(ran).toBe(0)
    ai.enabled.setValue(true)
    scheduler.runFrame()
    expect(ran).toBe(1)

    ai.maxDeferFrames.setValue(7)
    expect(scheduler.getMaxDeferFrames(AI)).toBe(7)
    ai.share.setValue(0.5)
    expect(scheduler.getTypeShare(AI)).toBe(0.5)
    expect(scheduler.getTypeShare(Physics)).toBe(1)
  })

  it('per system: weight and enabled reach the handle; cost shows beside the weight', () => {
    const { scheduler, clock } = setup({ budgetMs: 10 })
    const agents = scheduler.addSystem(AI, () => clock.advance(0.5), { name: 'agents', weight: 0.2 })
    const panel = makePanel(scheduler, { refreshMs: 100 })
    const row = panel.systems.rowOf(agents)!
    expect(row.enabled.$name.textContent).toBe('agents (AI)')
    expect(row.cost.textContent).toBe('est 2.00 ms') // weight 0.2 × budget 10, not run yet
    row.weight.setValue(0.7)
    expect(agents.weight).toBe(0.7)
    row.enabled.setValue(false)
    expect(agents.enabled).toBe(false)
    scheduler.runFrame()
    expect(agents.runs).toBe(0)
    row.enabled.setValue(true)
    scheduler.runFrame()
    clock.advance(100)
    scheduler.runFrame()
    expect(agents.runs).toBe(2)
    expect(row.cost.textContent).toBe('0.50 ms')
    expect(row.weight.$name.textContent).toBe('weight0.50 ms')
  })

  it('systems added or removed later appear and disappear on the next refresh', () => {
    const { scheduler, clock } = setup()
    const first = scheduler.addSystem(AI, () => {}, { name: 'first' })
    const panel = makePanel(scheduler, { refreshMs: 100 })
    expect(panel.systems.rows.map((r) => r.handle)).toEqual([first])

    const second = scheduler.addSystem(Physics, () => {}, { name: 'second' })
    scheduler.runFrame()
    expect(panel.systems.rows).toHaveLength(1) // throttled: not yet
    clock.advance(100)
    scheduler.runFrame()
    expect(panel.systems.rows.map((r) => r.handle)).toEqual([first, second])
    expect(panel.systems.folder.domElement.textContent).toContain('second (Physics)')

    first.remove()
    clock.advance(100)
    scheduler.runFrame()
    expect(panel.systems.rows.map((r) => r.handle)).toEqual([second])
    expect(panel.systems.folder.domElement.textContent).not.toContain('first (AI)')
    expect(panel.systems.folder.controllers).toHaveLength(3) // enabled, weight, type
  })

  it('pause and step: the checkbox pauses, the button lets one frame run and refreshes at once', () => {
    const { scheduler } = setup()
    const panel = makePanel(scheduler, { refreshMs: 1e9 })
    scheduler.runFrame()
    panel.controllers.paused.setValue(true)
    expect(scheduler.paused).toBe(true)
    scheduler.runFrame()
    expect(scheduler.frame).toBe(1)
    const refreshes = panel.refreshes
    ;(panel.controllers.step as FunctionController).$button.click()
    scheduler.runFrame()
    scheduler.runFrame()
    expect(scheduler.frame).toBe(2)
    expect(panel.refreshes).toBe(refreshes + 1)
  })

  it('shows values changed elsewhere after a refresh', () => {
    const { scheduler } = setup()
    const panel = makePanel(scheduler)
    scheduler.budgetMs = 6
    scheduler.setTypeEnabled(LOD, false)
    panel.refresh()
    expect((panel.controllers.budget as unknown as { $input: HTMLInputElement }).$input.value).toBe('6.00')
    expect((panel.controllers.types[LOD]!.enabled as unknown as { $input: HTMLInputElement }).$input.checked).toBe(
      false,
    )
  })
})

describe('graphs receive what the scheduler recorded', () => {
  it('queue depth per type, deferrals, utilization and overrun, frame by frame', () => {
    const { scheduler, clock } = setup({ budgetMs: 2 })
    const panel = makePanel(scheduler)
    const { queueDepth, deferrals, utilization } = panel.graphs
    for (let i = 0; i < 3; i++) scheduler.enqueue(Physics, () => clock.advance(1), { weight: 0.5, name: 'step' })
    scheduler.enqueue(AI, () => clock.advance(3), { weight: 1, name: 'big' })

    const seen: number[][] = []
    for (let f = 0; f < 4; f++) {
      const frame = scheduler.runFrame()
      expect(Array.from(queueDepth.values)).toEqual(Array.from(frame.queueDepth))
      expect(Array.from(deferrals.values)).toEqual([frame.deferred, frame.forced])
      expect(Array.from(utilization.values)).toEqual([frame.utilization, frame.overrunMs, frame.usedMs, frame.budgetMs])
      seen.push([queueDepth.values[Physics]!, queueDepth.values[AI]!, deferrals.values[0]!, utilization.values[1]!])
    }
    // Frame 1: two Physics runs fill the budget; one Physics and the AI job wait.
    expect(seen[0]).toEqual([1, 1, 2, 0])
    expect(queueDepth.total).toBe(0)
    // Some frame ran the 3 ms job on a 2 ms budget: an overrun of 1 ms was plotted.
    expect(seen.some((s) => s[3] === 1)).toBe(true)
    expect(queueDepth.samples).toBe(4)
  })

  it('grows the scale on a spike with one full redraw, scrolls without redrawing, shrinks once it scrolled out', () => {
    const { scheduler, clock } = setup()
    const panel = makePanel(scheduler, { graphColumns: 8, refreshMs: 10 })
    const graph = panel.graphs.queueDepth
    scheduler.setTypeEnabled(LOD, false)
    const ids: number[] = []
    for (let i = 0; i < 3; i++) ids.push(scheduler.enqueue(LOD, () => {}))
    scheduler.runFrame()
    expect(graph.scaleMax).toBe(5)
    const redraws = graph.redraws
    for (let i = 0; i < 37; i++) ids.push(scheduler.enqueue(LOD, () => {}))
    scheduler.runFrame()
    expect(graph.values[LOD]).toBe(40)
    expect(graph.scaleMax).toBe(50)
    expect(graph.redraws).toBe(redraws + 1)
    for (let i = 0; i < 5; i++) scheduler.runFrame()
    expect(graph.redraws).toBe(redraws + 1) // steady scale: scrolling only

    for (const id of ids) scheduler.cancel(id)
    for (let i = 0; i < 7; i++) scheduler.runFrame()
    expect(graph.scaleMax).toBe(50) // the spike is still in view
    scheduler.runFrame()
    clock.advance(10)
    scheduler.runFrame() // refresh: the 8 frames in view are all empty
    expect(graph.scaleMax).toBe(5)
  })

  it('budget use: scale 150 % until a frame goes past it, then 200 %, and clips there', () => {
    const { scheduler, clock } = setup({ budgetMs: 1 })
    const panel = makePanel(scheduler)
    const graph = panel.graphs.utilization
    const run = (ms: number) => {
      scheduler.enqueue(AI, () => clock.advance(ms), { weight: 0 })
      scheduler.runFrame()
    }
    run(1.2)
    expect(graph.scaleMax).toBe(1.5)
    run(1.8)
    expect(graph.scaleMax).toBe(2)
    run(5)
    expect(graph.values[0]).toBe(5)
    expect(graph.scaleMax).toBe(2)
  })

  it('keeps sampling while the folder is closed and repaints from history when opened', () => {
    const { scheduler } = setup()
    const panel = makePanel(scheduler)
    const graph = panel.graphs.deferrals
    scheduler.runFrame()
    const redraws = graph.redraws
    panel.gui.close()
    scheduler.setTypeEnabled(AI, false)
    scheduler.runFrame()
    scheduler.runFrame()
    expect(graph.samples).toBe(3)
    expect(graph.redraws).toBe(redraws)
    panel.gui.open()
    scheduler.runFrame()
    expect(graph.redraws).toBe(redraws + 1)
  })

  it('scrolls by blitting the canvas onto itself one column, painting one column (no full redraw)', () => {
    const contexts = fakeCanvas2D()
    const { scheduler, clock } = setup({ budgetMs: 1 })
    const panel = makePanel(scheduler, { graphInterval: 1 })
    const canvas = panel.graphs.utilization.canvas
    const ctx = contexts.get(canvas)!
    expect(ctx.calls.filter((c) => c.method === 'clearRect')).toHaveLength(1) // the first paint
    ctx.calls.length = 0
    for (let i = 0; i < 20; i++) scheduler.runFrame()
    const blits = ctx.calls.filter((c) => c.method === 'drawImage')
    expect(blits).toHaveLength(20)
    for (const blit of blits) {
      expect(blit.args[0]).toBe(canvas)
      expect((blit.args[1] as number) - (blit.args[5] as number)).toBe(1) // one column left
    }
    expect(ctx.calls.filter((c) => c.method === 'clearRect')).toHaveLength(0)
    // Every column paints the 100 % line; an overrun frame paints in the overrun colour.
    const lines = ctx.calls.filter((c) => c.method === 'fillRect' && c.fillStyle === GRAPH_COLORS.budgetLine)
    expect(lines).toHaveLength(20)
    expect(ctx.calls.some((c) => c.fillStyle === GRAPH_COLORS.overrun)).toBe(false)
    ctx.calls.length = 0
    scheduler.enqueue(AI, () => clock.advance(2), { weight: 1 })
    scheduler.runFrame()
    expect(panel.graphs.utilization.values[1]).toBe(1)
    expect(ctx.calls.filter((c) => c.method === 'fillRect' && c.fillStyle === GRAPH_COLORS.overrun).length).toBe(2)
  })

  it('with graphInterval n, paints every n frames, shifting n columns, each column one frame', () => {
    const contexts = fakeCanvas2D()
    const { scheduler } = setup({ budgetMs: 1 })
    const panel = makePanel(scheduler, { graphInterval: 3 })
    const graph = panel.graphs.queueDepth
    const ctx = contexts.get(graph.canvas)!
    ctx.calls.length = 0
    scheduler.setTypeEnabled(LOD, false)
    const depths: number[] = []
    for (let i = 0; i < 7; i++) {
      if (i < 3) scheduler.enqueue(LOD, () => {})
      scheduler.runFrame()
      depths.push(graph.values[LOD]!) // the data path still sees every frame
    }
    expect(depths).toEqual([1, 2, 3, 3, 3, 3, 3])
    const blits = ctx.calls.filter((c) => c.method === 'drawImage')
    expect(blits).toHaveLength(2) // after frames 3 and 6
    for (const blit of blits) expect((blit.args[1] as number) - (blit.args[5] as number)).toBe(3)
    // Each paint fills three LOD columns, one per frame, from history.
    const lodColumns = ctx.calls.filter((c) => c.method === 'fillRect' && c.fillStyle === BATCH_TYPE_COLORS[LOD])
    expect(lodColumns).toHaveLength(6)
    const heights = lodColumns.map((c) => c.args[3] as number)
    expect(heights[0]! < heights[1]! && heights[1]! < heights[2]!).toBe(true)
    expect(heights.slice(3)).toEqual([heights[2], heights[2], heights[2]])
    expect(graph.redraws).toBe(1)
  })
})

describe('text readouts', () => {
  it('refresh by scheduler clock time and show counts, averages, percentiles and peak queue', () => {
    const { scheduler, clock } = setup({ budgetMs: 10 })
    const panel = makePanel(scheduler, { refreshMs: 100 })
    const text = (key: string) => panel.readouts.text(key)
    scheduler.enqueue(Transform, () => clock.advance(1), { name: 'one' })
    scheduler.enqueue(AI, () => {
      throw new Error('boom')
    })
    scheduler.runFrame()
    expect(text('processed.total')).toBe('0') // throttled
    clock.advance(100)
    scheduler.runFrame()
    expect(text('processed.total')).toBe('2')
    expect(text('processed.last')).toBe('0')
    expect(text('processed.avg')).toBe('1') // 2 runs over 2 frames
    expect(text('errors.total')).toBe('1')
    expect(text('deferred.total')).toBe('0')
    // Used ms per frame: [1, 0] → nearest-rank p50 = 0, p95 = p99 = 1.
    expect([text('p50'), text('p95'), text('p99')]).toEqual(['0.00', '1.00', '1.00'])

    scheduler.setTypeEnabled(LOD, false)
    for (let i = 0; i < 4; i++) scheduler.enqueue(LOD, () => {})
    clock.advance(100)
    scheduler.runFrame()
    expect(text('queue')).toBe('4')
    expect(text('peakQueue')).toBe('4')
    expect(text('processed.avg')).toBe('0')
    expect(panel.graphs.queueDepth.readoutValue).toBe('now 4')
  })

  it('counts forced runs', () => {
    const { scheduler, clock } = setup({ budgetMs: 1, maxDeferFrames: { [AI]: 0 } })
    scheduler.addSystem(AI, () => clock.advance(2), { name: 'heavy', weight: 1 })
    const panel = makePanel(scheduler, { refreshMs: 0 })
    for (let i = 0; i < 3; i++) scheduler.runFrame()
    // A bound of 0: every run is at its bound, so every run is forced (fitted or not).
    expect(scheduler.stats.forced).toBe(3)
    expect(panel.readouts.text('forced.total')).toBe('3')
    expect(panel.readouts.text('forced.last')).toBe('1')
    expect(panel.graphs.deferrals.values[1]).toBe(1)
    expect(panel.readouts.text('maxOverrun')).toBe('1.00')
  })

  it('shows the loop timings with hundredths of a ms', () => {
    const { scheduler } = setup()
    const timings = { deltaMs: 16.6667, updateMs: 0.2, jobsMs: 1.234, renderMs: 3.456, frameMs: 5.1 }
    const panel = makePanel(scheduler, { loop: { timings } })
    const text = (key: string) => panel.readouts.text(key)
    expect([text('loop.frameMs'), text('loop.updateMs'), text('loop.jobsMs'), text('loop.renderMs')]).toEqual([
      '5.10',
      '0.20',
      '1.23',
      '3.46',
    ])
    expect(text('loop.fps')).toBe('60')
    timings.renderMs = 7
    panel.refresh()
    expect(text('loop.renderMs')).toBe('7.00')
  })
})

describe('stats.js panels', () => {
  it('adds FPS, MS, budget % and queue panels, fed by scheduler frames, and removes them', () => {
    const contexts = fakeCanvas2D()
    const { scheduler, clock } = setup({ budgetMs: 2 })
    const before = document.body.innerHTML
    const panel = makePanel(scheduler, { stats: true })
    const stats = panel.stats!
    expect(stats.domElement.parentElement).toBe(document.body)
    expect(stats.domElement.querySelectorAll('canvas')).toHaveLength(4)
    scheduler.setTypeEnabled(LOD, false)
    for (let i = 0; i < 3; i++) scheduler.enqueue(LOD, () => {})
    scheduler.addSystem(AI, () => clock.advance(1), { weight: 0.1 })
    for (let i = 0; i < 6; i++) {
      clock.advance(15) // between frames
      scheduler.runFrame()
    }
    const texts = (canvas: HTMLCanvasElement) =>
      contexts
        .get(canvas)!
        .calls.filter((c) => c.method === 'fillText')
        .map((c) => c.args[0])
    expect(texts(stats.budgetPanel.dom)).toContain('50 BUD% (50-50)')
    expect(texts(stats.queuePanel.dom)).toContain('3 QUEUE (3-3)')
    // MS: the time between scheduler frames on its clock (15 + 1 ms).
    expect(texts(stats.msPanel.dom)).toContain('16 MS (16-16)')
    panel.dispose()
    expect(document.body.innerHTML).toBe(before)
  })
})

describe('tracing', () => {
  it('trace: true turns scheduler.trace on; dispose restores it', () => {
    const { scheduler } = setup()
    const panel = makePanel(scheduler, { trace: true })
    expect(scheduler.trace).toBe(true)
    panel.dispose()
    expect(scheduler.trace).toBe(false)
  })
})

describe('dispose', () => {
  it('leaves document.body as it was, stops listening, and may be called twice', () => {
    const { scheduler } = setup()
    scheduler.addSystem(AI, () => {})
    const before = document.body.innerHTML
    const panel = makePanel(scheduler)
    expect(document.body.innerHTML).not.toBe(before)
    scheduler.runFrame()
    const samples = panel.graphs.utilization.samples
    panel.dispose()
    expect(document.body.innerHTML).toBe(before)
    expect(panel.isDisposed).toBe(true)
    scheduler.runFrame()
    expect(panel.graphs.utilization.samples).toBe(samples)
    expect(() => panel.dispose()).not.toThrow()
  })

  it('with the app gui: removes only its folder', () => {
    const { scheduler } = setup()
    const gui = new GUI()
    gui.add({ speed: 1 }, 'speed')
    const before = document.body.innerHTML
    const panel = makePanel(scheduler, { gui })
    panel.dispose()
    panel.dispose()
    expect(document.body.innerHTML).toBe(before)
    expect(gui.folders).toHaveLength(0)
    expect(gui.controllers).toHaveLength(1)
    gui.destroy()
  })
})
