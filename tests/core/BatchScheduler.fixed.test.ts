import { describe, expect, it } from 'vitest'
import { BatchType, type FixedSystemHandle, type SystemHandle } from '../../src/index.js'
import { setup } from './helpers.js'

const { Transform, Physics, AI } = BatchType

describe('fixed-timestep systems (issue 15)', () => {
  it('runs floor(accumulated / stepMs) steps per frame, at most maxSteps (the rest dropped and counted); alpha is the leftover', () => {
    const { scheduler, log } = setup({ budgetMs: 10 })
    const physics = scheduler.addFixedSystem(Physics, (stepMs) => log.push(`step ${stepMs}`), { stepMs: 10, maxSteps: 4, name: 'physics' })
    const deltas = [0, 5, 5, 16, 25, 100, 3]
    const steps: number[] = []
    const alphas: number[] = []
    for (const delta of deltas) {
      scheduler.runFrame(delta)
      steps.push(log.splice(0).length)
      alphas.push(Math.round(physics.alpha * 1000) / 1000)
      expect(physics.lastSteps).toBe(steps.at(-1))
    }
    // accumulated: 0, 5, 10→0, 16→6, 31→1, 101→1 (10 owed: 4 run, 6 dropped), 4
    expect(steps).toEqual([0, 0, 1, 1, 3, 4, 0])
    expect(alphas).toEqual([0, 0.5, 0, 0.6, 0.1, 0.1, 0.4])
    expect(physics.droppedSteps).toBe(6)
    expect(physics.runs).toBe(9)
    expect(physics.stepMs).toBe(10)
    expect(physics.maxSteps).toBe(4)
  })

  it('1000/60 ms steps stay in step with 1000/60 ms frames despite rounding', () => {
    const { scheduler } = setup({ budgetMs: 10 })
    const physics = scheduler.addFixedSystem(Physics, () => {})
    for (let i = 0; i < 600; i++) scheduler.runFrame(1000 / 60)
    expect(physics.runs).toBe(600)
    expect(physics.droppedSteps).toBe(0)
  })

  it('without deltaMs the scheduler measures the time between frame starts on its clock', () => {
    const { scheduler, clock, log, frame } = setup({ budgetMs: 10 })
    scheduler.addFixedSystem(Physics, () => log.push('step'), { stepMs: 10 })
    expect(frame()).toEqual([]) // first frame: nothing elapsed yet
    clock.advance(25)
    expect(frame()).toEqual(['step', 'step'])
    clock.advance(5)
    expect(frame()).toEqual(['step'])
  })

  it('due steps run in the frame even past the budget, in their type\'s turn; steps started past it count as forced; the rest is admitted around them', () => {
    const { scheduler, clock, log, job, frame } = setup({ budgetMs: 1 })
    scheduler.addFixedSystem(
      Physics,
      () => {
        log.push('step')
        clock.advance(0.4)
      },
      { stepMs: 10, name: 'physics' },
    )
    scheduler.enqueue(Transform, job('t', 0.3), { weight: 0.3 })
    scheduler.enqueue(Physics, job('p', 0.1), { weight: 0.1 })
    scheduler.enqueue(AI, job('ai', 0.1), { weight: 0.1 })
    scheduler.runFrame(30)
    // t (0.3) then three steps (0.3 → 0.7 → 1.1 → 1.5): the third started past the budget.
    expect(log.splice(0)).toEqual(['t', 'step', 'step', 'step'])
    expect(scheduler.stats.last.forced).toBe(1)
    expect(scheduler.stats.last.processed).toBe(4)
    expect(scheduler.stats.last.deferred).toBe(2) // p and ai wait for the next frame
    expect(scheduler.stats.last.usedMs).toBeCloseTo(1.5)
    expect(scheduler.stats.last.msByType[Physics]).toBeCloseTo(1.2)
    expect(frame()).toEqual(['p', 'ai']) // no time elapsed: no step
  })

  it('steps are never deferred to a later frame, even when a higher type uses the whole budget', () => {
    const { scheduler, clock, log } = setup({ budgetMs: 1 })
    scheduler.addSystem(Transform, () => {
      log.push('hog')
      clock.advance(2)
    })
    scheduler.addFixedSystem(Physics, () => log.push('step'), { stepMs: 10 })
    scheduler.runFrame(10)
    scheduler.runFrame(20)
    // Frame 2: the hog (learned 2 ms) no longer fits and waits; the two steps owed run anyway.
    expect(log).toEqual(['hog', 'step', 'step', 'step'])
  })

  it('a disabled fixed system (or one of a disabled type) does not accumulate time; a thrown step is counted and the next runs', () => {
    const { scheduler, log } = setup({ budgetMs: 10 })
    let n = 0
    const physics = scheduler.addFixedSystem(
      Physics,
      () => {
        n++
        log.push(`step${n}`)
        if (n === 1) throw new Error('boom')
      },
      { stepMs: 10, name: 'physics', enabled: false },
    )
    scheduler.runFrame(50)
    expect(log.splice(0)).toEqual([])
    physics.enabled = true
    scheduler.setTypeEnabled(Physics, false)
    scheduler.runFrame(50)
    expect(log.splice(0)).toEqual([])
    scheduler.setTypeEnabled(Physics, true)
    scheduler.runFrame(20)
    expect(log.splice(0)).toEqual(['step1', 'error:physics', 'step2'])
    expect(scheduler.stats.last.errors).toBe(1)
    expect(physics.runs).toBe(2)
  })

  it('a fixed system learns its cost per step and moves with handle.type', () => {
    const { scheduler, clock, log } = setup({ budgetMs: 10 })
    const physics = scheduler.addFixedSystem(Physics, () => {
      log.push('step')
      clock.advance(0.25)
    }, { stepMs: 10 })
    scheduler.addSystem(Transform, () => void log.push('t'))
    scheduler.runFrame(20)
    expect(log.splice(0)).toEqual(['t', 'step', 'step'])
    expect(physics.measuredMs).toBeCloseTo(0.25)
    physics.type = AI
    scheduler.addSystem(Physics, () => void log.push('p'))
    scheduler.runFrame(10)
    expect(log.splice(0)).toEqual(['t', 'p', 'step'])
    expect(scheduler.stats.last.processedByType[AI]).toBe(1)
    physics.remove()
    scheduler.runFrame(10)
    expect(log.splice(0)).toEqual(['t', 'p'])
    expect(scheduler.systems).toHaveLength(2)
  })

  it('a fixed system that removes itself in a step does not make the next one miss its steps', () => {
    const { scheduler, log } = setup({ budgetMs: 10 })
    const a = scheduler.addFixedSystem(Physics, () => {
      log.push('a')
      a.remove()
    }, { stepMs: 10 })
    scheduler.addFixedSystem(Physics, () => void log.push('b'), { stepMs: 10 })
    scheduler.runFrame(20)
    expect(log.splice(0)).toEqual(['a', 'b', 'b'])
    scheduler.runFrame(10)
    expect(log).toEqual(['b'])
  })

  it('rejects bad options and a bad deltaMs with a clear error, and stays usable', () => {
    const { scheduler, job, frame } = setup()
    expect(() => scheduler.addFixedSystem(Physics, () => {}, { stepMs: 0 })).toThrow(/BatchScheduler.addFixedSystem: stepMs must be a finite number > 0/)
    expect(() => scheduler.addFixedSystem(Physics, () => {}, { maxSteps: 0.5 })).toThrow(/BatchScheduler.addFixedSystem: maxSteps must be an integer >= 1/)
    expect(() => scheduler.addFixedSystem(Physics, 'step' as never)).toThrow(/BatchScheduler.addFixedSystem: fn must be a function/)
    expect(() => scheduler.runFrame(NaN)).toThrow(/BatchScheduler.runFrame: deltaMs must be a finite number >= 0/)
    expect(() => scheduler.runFrame(-1)).toThrow(RangeError)
    expect(() => scheduler.runFrame('16' as never)).toThrow(TypeError)
    expect(scheduler.frame).toBe(0)
    scheduler.enqueue(AI, job('still works'))
    expect(frame()).toEqual(['still works'])
  })
})

describe('addSystems: one description, many systems (issue 15)', () => {
  it('registers each entry, named by its key, and returns a handle per key (fixed entries get a FixedSystemHandle)', () => {
    const { scheduler, log } = setup({ budgetMs: 10 })
    const handles = scheduler.addSystems({
      agents: { type: AI, run: (d) => void log.push(`agents ${d.timeRemaining() > 0}`), weight: 0.2, sliced: true },
      physics: { type: Physics, fixed: { stepMs: 10, maxSteps: 2 }, run: (stepMs) => void log.push(`physics ${stepMs}`) },
      culling: { type: Transform, run: () => void log.push('culling'), name: 'cull', interval: 2 },
    })
    const agents: SystemHandle = handles.agents
    const physics: FixedSystemHandle = handles.physics
    expect(agents.name).toBe('agents')
    expect(agents.weight).toBe(0.2)
    expect(physics.maxSteps).toBe(2)
    expect(handles.culling.name).toBe('cull')
    expect(scheduler.systems.map((s) => s.name)).toEqual(['agents', 'physics', 'cull'])
    scheduler.runFrame(35)
    expect(log.splice(0)).toEqual(['culling', 'physics 10', 'physics 10', 'agents true'])
    expect(physics.droppedSteps).toBe(1)
    expect(physics.alpha).toBeCloseTo(0.5)
  })

  it('is all or nothing: a bad entry removes the ones added before it, and the error names it', () => {
    const { scheduler } = setup()
    expect(() =>
      scheduler.addSystems({
        good: { type: AI, run: () => {} },
        bad: { type: Physics, fixed: { stepMs: -1 }, run: () => {} },
      }),
    ).toThrow(/^BatchScheduler.addSystems: systems.bad: stepMs must be a finite number > 0, got -1$/)
    expect(scheduler.systems).toHaveLength(0)
    expect(() => scheduler.addSystems({ x: { type: 9 as BatchType, run: () => {} } })).toThrow(RangeError)
    expect(() => scheduler.addSystems(null as never)).toThrow(/BatchScheduler.addSystems: systems must be an object/)
    expect(() => scheduler.addSystems({ y: 3 as never })).toThrow(/BatchScheduler.addSystems: systems.y: must be an object/)
  })
})
