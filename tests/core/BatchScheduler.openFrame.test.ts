import { describe, expect, it } from 'vitest'
import { BatchType } from '../../src/index.js'
import { setup } from './helpers.js'

const { Transform, Physics, AI } = BatchType

describe('an open frame: beginFrame / runJobs / endFrame (issue 15)', () => {
  it('the budget starts at beginFrame: the app\'s own work counts, and jobs get what is left', () => {
    const { scheduler, clock, log, job } = setup({ budgetMs: 2 })
    scheduler.enqueue(Physics, job('p1', 0.5), { weight: 0.25 })
    scheduler.enqueue(Physics, job('p2', 0.5), { weight: 0.25 })
    expect(scheduler.timeRemaining()).toBe(2) // outside a frame: the whole budget
    scheduler.beginFrame()
    expect(scheduler.frame).toBe(1)
    clock.advance(1.2) // the app's work
    log.push('app')
    expect(scheduler.timeRemaining()).toBeCloseTo(0.8)
    expect(scheduler.hasBudget()).toBe(true)
    expect(scheduler.hasBudget(0.5)).toBe(true)
    expect(scheduler.hasBudget(1)).toBe(false)
    scheduler.runJobs()
    const stats = scheduler.endFrame()
    expect(log).toEqual(['app', 'p1'])
    expect(stats).toBe(scheduler.stats.last)
    expect(stats.usedMs).toBeCloseTo(1.7)
    expect(stats.processed).toBe(1)
    expect(stats.deferred).toBe(1)
    expect(scheduler.timeRemaining()).toBe(2)
  })

  it('runFrame() is beginFrame + runJobs + endFrame: same runs, same stats', () => {
    const run = (open: boolean) => {
      const { scheduler, clock, log, job } = setup({ budgetMs: 1, maxDeferFrames: 2 })
      scheduler.addSystem(AI, job('ai', 0.3), { name: 'ai' })
      scheduler.addFixedSystem(Physics, () => void log.push('step'), { stepMs: 10 })
      for (let i = 0; i < 4; i++) scheduler.enqueue(Transform, job(`t${i}`, 0.4), { weight: 0.4 })
      const frames: string[] = []
      for (let f = 0; f < 5; f++) {
        clock.advance(7)
        if (open) {
          scheduler.beginFrame()
          scheduler.runJobs()
          scheduler.endFrame()
        } else {
          scheduler.runFrame()
        }
        const s = scheduler.stats.last
        frames.push(`${log.splice(0).join(',')} | ${s.processed} ${s.deferred} ${s.forced} ${s.usedMs.toFixed(3)}`)
      }
      return frames
    }
    expect(run(true)).toEqual(run(false))
  })

  it('runJobs may run twice in one frame: forced runs and fixed steps happen once', () => {
    const { scheduler, log, job } = setup({ budgetMs: 1, maxDeferFrames: 0 })
    scheduler.addFixedSystem(Physics, () => void log.push('step'), { stepMs: 10 })
    scheduler.enqueue(AI, job('a', 2), { weight: 1 })
    scheduler.enqueue(AI, job('b', 0.1), { weight: 0.1 })
    scheduler.beginFrame(10)
    scheduler.runJobs()
    scheduler.runJobs()
    scheduler.endFrame()
    expect(log).toEqual(['a', 'step'])
    expect(scheduler.stats.last.forced).toBe(2) // a (its bound is 0) and the step started past the budget
  })

  it('misuse throws a clear error naming the call and leaves the scheduler usable', () => {
    const { scheduler, log, job } = setup({ budgetMs: 10 })
    expect(() => scheduler.endFrame()).toThrow(/^BatchScheduler.endFrame: no frame is open; call beginFrame\(\) first$/)
    expect(() => scheduler.runJobs()).toThrow(/^BatchScheduler.runJobs: no frame is open/)
    scheduler.beginFrame()
    expect(() => scheduler.beginFrame()).toThrow(/^BatchScheduler.beginFrame: a frame is already open; call endFrame\(\) first$/)
    expect(() => scheduler.runFrame()).toThrow(/^BatchScheduler.runFrame: a frame is open \(beginFrame was called\)/)
    expect(scheduler.frame).toBe(1) // neither started another frame
    scheduler.enqueue(AI, job('a'))
    expect(scheduler.endFrame().frame).toBe(1)
    scheduler.runFrame()
    expect(log).toEqual(['a'])
    expect(scheduler.frame).toBe(2)
  })

  it('beginFrame / endFrame from inside a job or a frame listener are errors', () => {
    const { scheduler, log } = setup({ budgetMs: 10 })
    scheduler.enqueue(AI, () => scheduler.beginFrame(), { name: 'begin' })
    scheduler.enqueue(AI, () => void scheduler.endFrame(), { name: 'end' })
    scheduler.enqueue(AI, () => scheduler.runJobs(), { name: 'jobs' })
    scheduler.runFrame()
    expect(log.splice(0)).toEqual(['error:begin', 'error:end', 'error:jobs'])
    const thrown: string[] = []
    const listener = () => {
      try {
        scheduler.endFrame()
      } catch (error) {
        thrown.push((error as Error).message)
      }
    }
    scheduler.addFrameListener(listener)
    scheduler.runFrame()
    expect(thrown).toEqual(['BatchScheduler.endFrame: called from a frame listener'])
  })

  it('while paused an open frame runs and counts nothing; a bad deltaMs opens no frame', () => {
    const { scheduler, log, job } = setup({ budgetMs: 10 })
    scheduler.enqueue(AI, job('a'))
    scheduler.paused = true
    scheduler.beginFrame()
    scheduler.runJobs()
    expect(scheduler.endFrame().frame).toBe(0)
    expect(log).toEqual([])
    expect(() => scheduler.beginFrame(-5)).toThrow(/BatchScheduler.beginFrame: deltaMs must be a finite number >= 0/)
    expect(() => scheduler.endFrame()).toThrow(/no frame is open/)
    scheduler.paused = false
    scheduler.beginFrame(16)
    scheduler.runJobs()
    scheduler.endFrame()
    expect(log).toEqual(['a'])
    expect(() => scheduler.hasBudget(NaN)).toThrow(/BatchScheduler.hasBudget: ms must be a finite number >= 0/)
  })

  it('dispose inside an open frame closes it; later calls do nothing', () => {
    const { scheduler } = setup()
    scheduler.beginFrame()
    scheduler.dispose()
    expect(() => scheduler.endFrame()).not.toThrow()
    expect(() => scheduler.beginFrame()).not.toThrow()
    expect(() => scheduler.runJobs()).not.toThrow()
  })
})
