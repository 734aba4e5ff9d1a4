// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import { SchedulerPanel } from '../../src/devtools/index.js'
import { setup } from './helpers.js'

afterEach(() => {
  document.body.innerHTML = ''
})

function cells(panel: SchedulerPanel): string[][] {
  const table = panel.jobStats?.domElement as HTMLTableElement
  return [...table.rows].map((row) => [...row.cells].map((cell) => cell.textContent ?? ''))
}

describe('SchedulerPanel jobs option', () => {
  it("shows each job's numeric stats under its name, skips null entries and functions, and refreshes values", () => {
    const { scheduler, clock } = setup()
    const matrices = { stats: { detected: 0, detectedTotal: 0, label: 'not a number' } }
    const culling = { stats: { hidden: 3, guardBand: 1.5 } }
    const panel = new SchedulerPanel(scheduler, { stats: false, jobs: { matrices, culling, lods: null, dispose: () => {} } })
    expect(cells(panel)).toEqual([['matrices'], ['detected', '0'], ['detectedTotal', '0'], ['culling'], ['hidden', '3'], ['guardBand', '1.50']])
    const detectedLabel = (panel.jobStats?.domElement as HTMLTableElement).rows[1]?.cells[0]
    expect(detectedLabel?.title).toMatch(/markDirty/)
    matrices.stats.detected = 7
    matrices.stats.detectedTotal = 70
    culling.stats.hidden = 2
    clock.advance(1000)
    scheduler.runFrame()
    expect(cells(panel)).toEqual([['matrices'], ['detected', '7'], ['detectedTotal', '70'], ['culling'], ['hidden', '2'], ['guardBand', '1.50']])
    panel.dispose()
  })

  it('reads entries again at each refresh: a getter may hand over another job, or none for a while', () => {
    const { scheduler, clock } = setup()
    let current: { stats: { detected: number } } | null = { stats: { detected: 1 } }
    const panel = new SchedulerPanel(scheduler, { stats: false, jobs: { get matrices() { return current } } })
    expect(cells(panel)).toEqual([['matrices'], ['detected', '1']])
    current = null
    clock.advance(1000)
    scheduler.runFrame()
    expect(cells(panel)).toEqual([['matrices'], ['detected', '—']])
    current = { stats: { detected: 5 } }
    clock.advance(1000)
    scheduler.runFrame()
    expect(cells(panel)).toEqual([['matrices'], ['detected', '5']])
    panel.dispose()
  })

  it('has no jobs table without the option, and rejects a jobs option that is not an object', () => {
    const { scheduler } = setup()
    const panel = new SchedulerPanel(scheduler, { stats: false })
    expect(panel.jobStats).toBeNull()
    panel.dispose()
    expect(() => new SchedulerPanel(scheduler, { stats: false, jobs: 3 as never })).toThrow(/^SchedulerPanel: jobs must be an object/)
    expect(document.querySelectorAll('.lil-gui')).toHaveLength(0)
  })
})
