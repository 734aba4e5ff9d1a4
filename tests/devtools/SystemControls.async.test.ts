// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import { SchedulerPanel } from '../../src/devtools/index.js'
import { BatchType } from '../../src/index.js'
import { setup } from './helpers.js'

const { Transform, Physics, AI } = BatchType

const panels: SchedulerPanel[] = []
afterEach(() => {
  for (const panel of panels.splice(0)) panel.dispose()
  document.body.innerHTML = ''
})

function makePanel(scheduler: ConstructorParameters<typeof SchedulerPanel>[0]): SchedulerPanel {
  const panel = new SchedulerPanel(scheduler, { stats: false, refreshMs: 0 })
  panels.push(panel)
  return panel
}

describe('devtools: async runs, fixed steps and live type changes (issue 15)', () => {
  it('the per-system type dropdown moves the system live; its row label follows', () => {
    const { scheduler } = setup()
    const order: string[] = []
    const agents = scheduler.addSystem(AI, () => void order.push('agents'), { name: 'agents' })
    scheduler.addSystem(Physics, () => void order.push('physics'), { name: 'physics' })
    const panel = makePanel(scheduler)
    const row = panel.systems.rowOf(agents)
    expect(row?.type.getValue()).toBe(AI)
    row?.type.setValue(Transform)
    expect(agents.type).toBe(Transform)
    scheduler.runFrame()
    expect(order).toEqual(['agents', 'physics'])
    expect(row?.enabled.$name.textContent).toBe('agents (Transform)')
    agents.type = Physics // changed by the app: the dropdown follows on refresh
    scheduler.runFrame()
    expect((row?.type as unknown as { $display: HTMLElement }).$display.textContent).toBe('Physics')
    expect(row?.enabled.$name.textContent).toBe('agents (Physics)')
  })

  it('shows async runs in flight (and which system is waiting) and fixed steps dropped', async () => {
    const { scheduler } = setup()
    const never = new Promise<void>(() => {})
    const net = scheduler.addSystem(AI, () => never, { name: 'net' })
    const physics = scheduler.addFixedSystem(Physics, () => {}, { stepMs: 10, maxSteps: 2, name: 'physics' })
    const panel = makePanel(scheduler)
    scheduler.runFrame(50)
    await Promise.resolve()
    expect(panel.readouts.text('inFlight')).toBe('1')
    expect(panel.readouts.text('droppedSteps')).toBe('3')
    expect(panel.systems.rowOf(net)?.cost.textContent).toMatch(/in flight$/)
    expect(panel.systems.rowOf(physics)?.cost.textContent).toMatch(/3 dropped$/)
  })
})
