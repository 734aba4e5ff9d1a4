// @vitest-environment happy-dom
import type { NumberController } from 'lil-gui'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SchedulerPanel } from '../../src/devtools/index.js'
import { BatchType, type SystemHandle } from '../../src/index.js'
import { fakeCanvas2D, setup } from './helpers.js'

/**
 * The devtools panel over a long session and around disposal: built on a
 * disposed scheduler, outliving its scheduler, garbage typed into its
 * fields, thousands of frames of system churn, two panels on one scheduler.
 * It keeps no timer and no loop of its own, and leaves nothing behind.
 */

const { Transform, AI } = BatchType

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'requestAnimationFrame', 'requestIdleCallback'] })
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  fakeCanvas2D()
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
  document.body.innerHTML = ''
})

describe('SchedulerPanel reliability', () => {
  it('on a disposed scheduler: throws naming the API, and adds no DOM and no listener', () => {
    const { scheduler } = setup()
    scheduler.dispose()
    expect(() => new SchedulerPanel(scheduler)).toThrow(/^SchedulerPanel: scheduler is disposed/)
    expect(document.body.innerHTML).toBe('')
    expect(scheduler.diagnostics.frameListeners).toBe(0)
  })

  it('outliving its scheduler: frames, refreshes and dispose do not throw; its system rows go away', () => {
    const { scheduler, clock } = setup()
    scheduler.addSystem(AI, () => clock.advance(0.1), { name: 'agents' })
    const panel = new SchedulerPanel(scheduler, { refreshMs: 0 })
    for (let i = 0; i < 10; i++) scheduler.runFrame()
    expect(panel.systems.rows).toHaveLength(1)
    scheduler.dispose()
    scheduler.runFrame()
    expect(() => panel.refresh()).not.toThrow()
    expect(panel.systems.rows).toHaveLength(0)
    // Tuning a disposed scheduler from the panel is harmless.
    panel.controllers.budget.setValue(4)
    panel.controllers.types[AI]!.enabled.setValue(false)
    panel.dispose()
    expect(document.body.innerHTML).toBe('')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('garbage typed into the budget field leaves a valid budget and throws nothing', () => {
    const { scheduler } = setup()
    const panel = new SchedulerPanel(scheduler)
    const budget = panel.controllers.budget as NumberController
    const input = budget.$input as HTMLInputElement
    for (const text of ['abc', '', 'NaN', '-5', '1e309', '0']) {
      input.value = text
      expect(() => input.dispatchEvent(new Event('input'))).not.toThrow()
      expect(Number.isFinite(scheduler.budgetMs)).toBe(true)
      expect(scheduler.budgetMs).toBeGreaterThanOrEqual(0.1)
    }
    panel.dispose()
  })

  it('10,000 frames with systems added and removed: rows follow, the DOM stays the same size, no timer', () => {
    const { scheduler, clock } = setup()
    const panel = new SchedulerPanel(scheduler, { refreshMs: 16 })
    const systems: SystemHandle[] = []
    let nodesAt1000 = -1
    for (let frame = 1; frame <= 10_000; frame++) {
      if (frame % 50 === 0) {
        if (systems.length < 4) systems.push(scheduler.addSystem(Transform, () => clock.advance(0.05), { name: `s${frame}` }))
        else systems.shift()?.remove()
      }
      clock.advance(16)
      scheduler.runFrame()
      if (frame === 1000) {
        panel.refresh()
        nodesAt1000 = panel.gui.domElement.querySelectorAll('*').length
      }
    }
    panel.refresh()
    expect(panel.systems.rows.map((r) => r.handle)).toEqual(systems)
    expect(panel.gui.domElement.querySelectorAll('*').length).toBe(nodesAt1000)
    expect(vi.getTimerCount()).toBe(0)
    panel.dispose()
    expect(scheduler.diagnostics.frameListeners).toBe(0)
    expect(document.body.innerHTML).toBe('')
  })

  it('regression: two panels disposed in either order leave scheduler.trace as it was (it stayed on)', () => {
    for (const firstOut of [0, 1]) {
      const { scheduler } = setup()
      const panels = [new SchedulerPanel(scheduler, { trace: true, stats: false }), new SchedulerPanel(scheduler, { stats: false })]
      expect(scheduler.trace).toBe(true)
      panels[firstOut]!.dispose()
      panels[1 - firstOut]!.dispose()
      expect(scheduler.trace).toBe(false)
      expect(scheduler.diagnostics.frameListeners).toBe(0)
    }
  })

  it('a panel that toggled trace with its checkbox restores it on dispose; one that did not, leaves it', () => {
    const { scheduler } = setup()
    const a = new SchedulerPanel(scheduler, { stats: false })
    a.controllers.trace.setValue(true)
    expect(scheduler.trace).toBe(true)
    a.dispose()
    expect(scheduler.trace).toBe(false)
    scheduler.trace = true // the app's own choice
    const b = new SchedulerPanel(scheduler, { stats: false })
    b.dispose()
    expect(scheduler.trace).toBe(true)
  })
})
