import { describe, expect, it } from 'vitest'
import { BatchType } from '../../src/index.js'
import { setup } from './helpers.js'

const { Transform, Visibility, Physics, LOD, AI } = BatchType

describe('dynamic priority (issue 15)', () => {
  it('handle.type moves a system to that queue: it runs in its new place from the next frame', () => {
    const { scheduler, job, frame } = setup({ budgetMs: 10 })
    const ai = scheduler.addSystem(AI, job('ai', 0.1), { name: 'ai' })
    scheduler.addSystem(LOD, job('lod', 0.1), { name: 'lod' })
    expect(frame()).toEqual(['lod', 'ai'])
    ai.type = Transform
    expect(ai.type).toBe(Transform)
    expect(frame()).toEqual(['ai', 'lod'])
    expect(scheduler.stats.last.processedByType[Transform]).toBe(1)
    expect(scheduler.stats.last.processedByType[AI]).toBe(0)
  })

  it('a moved system keeps its learned cost', () => {
    const { scheduler, job, frame } = setup({ budgetMs: 10 })
    const s = scheduler.addSystem(AI, job('s', 0.7), { name: 's', weight: 0.01 })
    frame()
    expect(s.measuredMs).toBeCloseTo(0.7)
    s.type = Physics
    expect(s.measuredMs).toBeCloseTo(0.7)
    expect(s.estimateMs).toBeCloseTo(0.7)
  })

  it('setJobType moves a queued job to the tail of another queue (FIFO as of its latest type)', () => {
    const { scheduler, job, frame } = setup({ budgetMs: 10 })
    const a = scheduler.enqueue(AI, job('a'))
    scheduler.enqueue(LOD, job('l1'))
    scheduler.enqueue(AI, job('b'))
    expect(scheduler.setJobType(a, LOD)).toBe(true)
    scheduler.enqueue(LOD, job('l2'))
    expect(scheduler.queueDepth(LOD)).toBe(3)
    expect(scheduler.queueDepth(AI)).toBe(1)
    expect(frame()).toEqual(['l1', 'a', 'l2', 'b'])
  })

  it('a moved job keeps its wait: its latency bound counts from when it was first ready', () => {
    const { scheduler, clock, log, job, frame } = setup({ budgetMs: 1, maxDeferFrames: { [AI]: 30, [LOD]: 3 } })
    scheduler.addSystem(
      Transform,
      () => {
        log.push('hog')
        clock.advance(1)
      },
      { name: 'hog', weight: 1 },
    )
    const x = scheduler.enqueue(AI, job('x', 0.2), { weight: 0.2 }) // ready from frame 1
    expect(frame()).toEqual(['hog'])
    expect(frame()).toEqual(['hog'])
    expect(frame()).toEqual(['hog'])
    expect(scheduler.stats.last.oldestWait[AI]).toBe(3)
    // As an AI job it would wait 27 more frames; as LOD it has waited its bound already.
    expect(scheduler.setJobType(x, LOD)).toBe(true)
    expect(frame()[0]).toBe('x')
    expect(scheduler.stats.last.forced).toBeGreaterThanOrEqual(1)
    expect(scheduler.stats.perType[LOD]?.forced).toBe(1)
  })

  it('moving during a frame takes effect in the next frame; the rest of the frame sees the old type', () => {
    const { scheduler, clock, log, job, frame } = setup({ budgetMs: 1 })
    let target = -1
    scheduler.enqueue(LOD, () => {
      log.push('mover')
      clock.advance(0.5)
      expect(scheduler.setJobType(target, Transform)).toBe(true)
      expect(scheduler.queueDepth(Transform)).toBe(0) // not yet
    })
    target = scheduler.enqueue(AI, job('target', 0.8), { weight: 0.8 }) // does not fit after the mover
    expect(frame()).toEqual(['mover'])
    expect(scheduler.stats.last.queueDepth[AI]).toBe(1) // the frame ended with it as AI
    expect(scheduler.queueDepth(Transform)).toBe(1) // moved at the frame's end
    expect(scheduler.queueDepth(AI)).toBe(0)
    scheduler.enqueue(Visibility, job('v', 0.1), { weight: 0.1 })
    expect(frame()).toEqual(['target', 'v'])
  })

  it('a system whose type is set from inside its own run moves when the frame ends', () => {
    const { scheduler, log, frame } = setup({ budgetMs: 10 })
    const s = scheduler.addSystem(AI, () => {
      log.push(`s@${s.type}`)
      if (s.type === AI) s.type = Transform
    })
    scheduler.addSystem(Physics, () => void log.push('p'))
    expect(frame()).toEqual(['p', `s@${AI}`])
    expect(frame()).toEqual([`s@${Transform}`, 'p'])
  })

  it('a system queued (deferred) when moved joins the tail of the new queue', () => {
    const { scheduler, clock, log, job, frame } = setup({ budgetMs: 1, maxDeferFrames: 100 })
    scheduler.enqueue(Transform, () => {
      log.push('big')
      clock.advance(1)
    })
    const s = scheduler.addSystem(AI, job('s', 0.5), { weight: 0.5 })
    expect(frame()).toEqual(['big']) // s deferred
    scheduler.enqueue(Physics, job('p', 0.1), { weight: 0.1 })
    s.type = Physics
    expect(scheduler.queueDepth(AI)).toBe(0)
    expect(scheduler.queueDepth(Physics)).toBe(2)
    expect(frame()).toEqual(['p', 's']) // at the tail of Physics, behind p
  })

  it('setJobType returns false for a job that ran or was cancelled, systems and unknown ids; throws on bad input', () => {
    const { scheduler, job, frame } = setup({ budgetMs: 10, maxQueueLength: 1 })
    const ran = scheduler.enqueue(AI, job('ran'))
    frame()
    expect(scheduler.setJobType(ran, LOD)).toBe(false)
    const cancelled = scheduler.enqueue(AI, job('c'))
    scheduler.cancel(cancelled)
    expect(scheduler.setJobType(cancelled, LOD)).toBe(false)
    expect(scheduler.setJobType(123456, LOD)).toBe(false)
    expect(scheduler.setJobType(-1, LOD)).toBe(false)
    const queued = scheduler.enqueue(AI, job('q'))
    expect(scheduler.setJobType(queued, AI)).toBe(true) // already that type
    expect(() => scheduler.setJobType(queued, 9 as BatchType)).toThrow(/BatchScheduler.setJobType: type must be a BatchType/)
    expect(() => scheduler.setJobType('1' as unknown as number, LOD)).toThrow(/BatchScheduler.setJobType: id must be a number/)
    scheduler.enqueue(LOD, job('l'))
    expect(() => scheduler.setJobType(queued, LOD)).toThrow(/BatchScheduler.setJobType: the LOD queue is full/)
    expect(scheduler.queueDepth(AI)).toBe(1) // not moved
    const s = scheduler.addSystem(AI, job('s'))
    expect(() => {
      s.type = 7 as BatchType
    }).toThrow(/SystemHandle.type: type must be a BatchType/)
    expect(s.type).toBe(AI)
  })
})
