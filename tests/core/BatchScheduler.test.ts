import { afterEach, describe, expect, it, vi } from 'vitest'
import { BatchScheduler, BatchType, DEFAULT_MAX_DEFER_FRAMES, ManualClock } from '../../src/index.js'
import { setup } from './helpers.js'

const { Transform, Visibility, Physics, LOD, AI } = BatchType

afterEach(() => {
  vi.restoreAllMocks()
})

describe('BatchType', () => {
  it('has the contract values, Transform first', () => {
    expect([BatchType.Transform, BatchType.Visibility, BatchType.Physics, BatchType.LOD, BatchType.AI]).toEqual([
      0, 1, 2, 3, 4,
    ])
  })
})

describe('rule 1: strict priority between types, FIFO within one', () => {
  it('runs Transform > Visibility > Physics > LOD > AI whatever the enqueue order', () => {
    const { scheduler, job, frame } = setup({ budgetMs: 10 })
    scheduler.enqueue(AI, job('ai'), { weight: 0 })
    scheduler.enqueue(LOD, job('lod'), { weight: 0 })
    scheduler.enqueue(Physics, job('physics'), { weight: 0 })
    scheduler.enqueue(Visibility, job('visibility'), { weight: 0 })
    scheduler.enqueue(Transform, job('transform'), { weight: 0 })
    expect(frame()).toEqual(['transform', 'visibility', 'physics', 'lod', 'ai'])
  })

  it('keeps FIFO order within a type across frames', () => {
    const { scheduler, job, frame } = setup({ budgetMs: 1 })
    for (let i = 0; i < 6; i++) scheduler.enqueue(Physics, job(`p${i}`, 0.4), { weight: 0.4 })
    expect(frame()).toEqual(['p0', 'p1'])
    expect(frame()).toEqual(['p2', 'p3'])
    expect(frame()).toEqual(['p4', 'p5'])
    expect(frame()).toEqual([])
  })
})

describe('rule 2: admission against the budget left', () => {
  it('predicts weight × budget before a measurement, and defers what does not fit', () => {
    const { scheduler, job, frame } = setup({ budgetMs: 2 })
    scheduler.enqueue(Transform, job('t', 1.5), { weight: 0.75 }) // predicted 1.5 ms
    scheduler.enqueue(Physics, job('big', 1), { weight: 0.5 }) // predicted 1 ms: 1.5 + 1 > 2
    scheduler.enqueue(Physics, job('small-after-big', 0.1), { weight: 0.05 })
    scheduler.enqueue(AI, job('ai', 0.2), { weight: 0.1 }) // predicted 0.2 ms: fits in the 0.5 left
    expect(frame()).toEqual(['t', 'ai'])
    // FIFO holds inside Physics: the small job did not run ahead of the big one.
    expect(scheduler.stats.last.deferred).toBe(2)
    expect(frame()).toEqual(['big', 'small-after-big'])
  })

  it('uses the learned cost of earlier runs with the same name once measured', () => {
    const { scheduler, job, frame } = setup({ budgetMs: 1 })
    // Weight 1 says "the whole budget", but it really costs 0.1 ms.
    scheduler.enqueue(AI, job('a', 0.1), { name: 'cheap', weight: 1 })
    expect(frame()).toEqual(['a'])
    expect(scheduler.learnedCostMs('cheap')).toBeCloseTo(0.1)
    for (let i = 0; i < 5; i++) scheduler.enqueue(AI, job(`b${i}`, 0.1), { name: 'cheap', weight: 1 })
    // With the learned 0.1 ms, all five fit (0.5 ms); by weight, only the first would have.
    expect(frame()).toEqual(['b0', 'b1', 'b2', 'b3', 'b4'])
  })

  it('learns cost keyed by the function name when no name is given', () => {
    const { scheduler, clock, log, frame } = setup({ budgetMs: 1 })
    const stepAgents = () => {
      log.push('step')
      clock.advance(0.3)
    }
    scheduler.enqueue(AI, stepAgents, { weight: 1 })
    frame()
    expect(scheduler.learnedCostMs('stepAgents')).toBeCloseTo(0.3)
  })

  it('learns an increase quickly, so a job that got expensive stops overrunning', () => {
    const { scheduler, job, frame } = setup({ budgetMs: 1 })
    scheduler.enqueue(AI, job('warm', 0.1), { name: 'grows' })
    frame()
    scheduler.enqueue(AI, job('x', 0.9), { name: 'grows' })
    frame()
    // estimate moved at least halfway towards 0.9
    expect(scheduler.learnedCostMs('grows')).toBeGreaterThanOrEqual(0.5)
  })

  it('lower types use the budget left when a higher type is blocked', () => {
    const { scheduler, job, frame } = setup({ budgetMs: 1 })
    scheduler.enqueue(Transform, job('t-huge', 0.9), { weight: 0.9 })
    scheduler.enqueue(Transform, job('t-next', 0.5), { weight: 0.5 })
    scheduler.enqueue(AI, job('ai', 0.05), { weight: 0.05 })
    expect(frame()).toEqual(['t-huge', 'ai'])
  })

  it('a job predicted larger than the whole budget still runs, forced at its latency bound', () => {
    const { scheduler, job, frame } = setup({ budgetMs: 1, maxDeferFrames: 2 })
    scheduler.enqueue(LOD, job('giant', 5), { name: 'giant' })
    scheduler.enqueue(LOD, job('giant', 5), { name: 'giant' }) // learned 5 ms from the first run
    expect(frame()).toEqual(['giant']) // weight 0.1 predicted 0.1 ms: admitted, then measured 5 ms
    expect(scheduler.stats.last.deferred).toBe(1) // waited 1
    expect(frame()).toEqual([]) // 5 ms never fits in 1 ms: waited 2
    expect(scheduler.stats.last.oldestWait[LOD]).toBe(2)
    expect(frame()).toEqual(['giant']) // bound reached: forced at the start of frame 3
    expect(scheduler.stats.last.forced).toBe(1)
    expect(scheduler.stats.last.overrunMs).toBeCloseTo(4)
  })
})

describe('rule 3: what is counted', () => {
  it('counts processed, deferred and forced per frame', () => {
    const { scheduler, job } = setup({ budgetMs: 1 })
    for (let i = 0; i < 5; i++) scheduler.enqueue(Physics, job(`p${i}`, 0.3), { weight: 0.3 })
    const f = scheduler.runFrame()
    expect(f.frame).toBe(1)
    expect(f.processed).toBe(3)
    expect(f.deferred).toBe(2)
    expect(f.forced).toBe(0)
    expect(f.usedMs).toBeCloseTo(0.9)
    expect(f.utilization).toBeCloseTo(0.9)
    expect(f.overrunMs).toBe(0)
    expect(Array.from(f.queueDepth)).toEqual([0, 0, 2, 0, 0])
    expect(f.processedByType[Physics]).toBe(3)
    expect(f.deferredByType[Physics]).toBe(2)
  })

  it('jobs enqueued during a frame (also from inside a job) wait for the next frame', () => {
    const { scheduler, job, log, frame } = setup({ budgetMs: 10 })
    scheduler.enqueue(AI, () => {
      log.push('parent')
      scheduler.enqueue(Transform, job('child'), { weight: 0 })
    })
    expect(frame()).toEqual(['parent'])
    // The child was not eligible in frame 1, so it was not deferred there.
    expect(scheduler.stats.last.deferred).toBe(0)
    expect(scheduler.stats.last.queueDepth[Transform]).toBe(1)
    expect(frame()).toEqual(['child'])
  })

  it('counts each slice of a sliced job as one run', () => {
    const { scheduler, log } = setup({ budgetMs: 10 })
    let left = 3
    scheduler.enqueue(AI, () => {
      log.push(`slice${left}`)
      return --left > 0
    })
    let total = 0
    for (let i = 0; i < 4; i++) total += scheduler.runFrame().processed
    expect(log).toEqual(['slice3', 'slice2', 'slice1'])
    expect(total).toBe(3)
    expect(scheduler.stats.processed).toBe(3)
  })

  it('overrun is what the last admitted job took past the budget', () => {
    const { scheduler, job } = setup({ budgetMs: 1 })
    scheduler.enqueue(AI, job('liar', 1.75), { weight: 0.1 })
    const f = scheduler.runFrame()
    expect(f.usedMs).toBeCloseTo(1.75)
    expect(f.overrunMs).toBeCloseTo(0.75)
    expect(f.utilization).toBeCloseTo(1.75)
    expect(scheduler.stats.maxOverrunMs).toBeCloseTo(0.75)
  })
})

describe('rule 4: no starvation', () => {
  it('documents the default latency bound of each type', () => {
    const s = new BatchScheduler()
    expect(DEFAULT_MAX_DEFER_FRAMES).toEqual({ 0: 2, 1: 2, 2: 4, 3: 8, 4: 30 })
    for (const t of [Transform, Visibility, Physics, LOD, AI]) {
      expect(s.getMaxDeferFrames(t)).toBe(DEFAULT_MAX_DEFER_FRAMES[t])
    }
  })

  it('runs a job that waited its bound at the start of the next frame, ahead of higher types', () => {
    const { scheduler, clock, log, job, frame } = setup({ budgetMs: 1, maxDeferFrames: { [AI]: 3 } })
    // A Transform system eats the whole budget every frame.
    scheduler.addSystem(
      Transform,
      () => {
        log.push('hog')
        clock.advance(1)
      },
      { name: 'hog', weight: 1 },
    )
    scheduler.enqueue(AI, job('starving', 0.2), { weight: 0.2 })
    expect(frame()).toEqual(['hog']) // waited 1
    expect(frame()).toEqual(['hog']) // waited 2
    expect(frame()).toEqual(['hog']) // waited 3
    expect(scheduler.stats.last.oldestWait[AI]).toBe(3)
    // Overdue: runs first, counted as forced although it fit the fresh budget
    // (it ran because of its bound); the hog (learned 1 ms) no longer fits
    // behind it and waits a frame.
    expect(frame()).toEqual(['starving'])
    expect(scheduler.stats.last.forced).toBe(1)
    expect(frame()).toEqual(['hog'])
    expect(scheduler.stats.last.forced).toBe(0)
  })

  it('counts every run at its latency bound as forced, fitted or not, and forces at most one job per type per frame', () => {
    const { scheduler, job, frame } = setup({ budgetMs: 1, maxDeferFrames: 1 })
    scheduler.enqueue(Transform, job('t1', 1), { weight: 1 })
    scheduler.enqueue(Transform, job('t2', 1), { weight: 1 })
    for (let i = 0; i < 3; i++) scheduler.enqueue(AI, job(`a${i}`, 1), { weight: 1 })
    expect(frame()).toEqual(['t1'])
    expect(scheduler.stats.last.forced).toBe(0) // admitted by the budget
    expect(scheduler.stats.last.deferred).toBe(4)
    // t2 and a0 are both overdue: t2 fits the fresh budget, a0 runs past it; both forced.
    // a1 is overdue too but waits: one forced run per type per frame.
    expect(frame()).toEqual(['t2', 'a0'])
    expect(scheduler.stats.last.forced).toBe(2)
    expect(frame()).toEqual(['a1'])
    expect(scheduler.stats.last.forced).toBe(1)
    expect(frame()).toEqual(['a2'])
    expect(scheduler.stats.forced).toBe(4)
    expect(scheduler.stats.perType[Transform]?.forced).toBe(1)
    expect(scheduler.stats.perType[AI]?.forced).toBe(3)
  })

  it('regression (issue 13): a job run at the start of a frame because it reached its bound is forced even when it fits', () => {
    const { scheduler, job, frame } = setup({ budgetMs: 2, maxDeferFrames: { [LOD]: 2 } })
    // A Physics hog keeps LOD out of the budget for two frames.
    scheduler.enqueue(Physics, job('hog1', 2), { weight: 1 })
    scheduler.enqueue(Physics, job('hog2', 2), { weight: 1 })
    scheduler.enqueue(LOD, job('lod', 0.5), { weight: 0.25 })
    expect(frame()).toEqual(['hog1'])
    expect(scheduler.stats.last.forced).toBe(0)
    expect(frame()).toEqual(['hog2'])
    expect(scheduler.stats.last.oldestWait[LOD]).toBe(2)
    expect(scheduler.stats.last.forced).toBe(0)
    // Waited its bound: runs first (0.5 ms of a fresh 2 ms budget, it fits) and is forced.
    scheduler.enqueue(Physics, job('p', 0.5), { weight: 0.25 })
    expect(frame()).toEqual(['lod', 'p'])
    expect(scheduler.stats.last.forced).toBe(1)
    expect(scheduler.stats.last.processed).toBe(2)
    expect(scheduler.stats.perType[LOD]?.forced).toBe(1)
    expect(scheduler.stats.history.forced[scheduler.stats.history.indexOf(0)]).toBe(1)
  })

  it('every type progresses within its bound under a permanent overload', () => {
    const { scheduler, clock, log } = setup({ budgetMs: 2, maxDeferFrames: { 0: 1, 1: 2, 2: 3, 3: 4, 4: 5 } })
    const lastRun = [0, 0, 0, 0, 0]
    for (let t = 0; t < 5; t++) {
      scheduler.addSystem(
        t as BatchType,
        () => {
          log.push(String(t))
          lastRun[t] = scheduler.frame
          clock.advance(1.5)
        },
        { weight: 0.75 },
      )
    }
    for (let f = 1; f <= 200; f++) {
      scheduler.runFrame()
      for (let t = 0; t < 5; t++) {
        // a system armed at frame A runs by frame A + bound
        expect(f - (lastRun[t] as number)).toBeLessThanOrEqual(scheduler.getMaxDeferFrames(t as BatchType) + 1)
      }
    }
  })
})

describe('rule 5: sliced jobs', () => {
  it('resumes a job that returned true at the head of its queue in a later frame', () => {
    const { scheduler, clock, log, job, frame } = setup({ budgetMs: 1 })
    let items = 5
    scheduler.enqueue(
      Physics,
      (deadline) => {
        while (items > 0) {
          log.push(`item${items}`)
          items--
          clock.advance(0.4)
          if (deadline.shouldYield()) return true
        }
        return false
      },
      { sliced: true, name: 'sweep' },
    )
    scheduler.enqueue(Physics, job('after-sweep'), { weight: 0 })
    // 0.4, 0.8, 1.2 ≥ 1 → yield after three items.
    expect(frame()).toEqual(['item5', 'item4', 'item3'])
    expect(frame()).toEqual(['item2', 'item1', 'after-sweep'])
    expect(frame()).toEqual([])
  })

  it('gives the job a deadline that reports the budget left', () => {
    const { scheduler, clock } = setup({ budgetMs: 2 })
    const seen: number[] = []
    scheduler.enqueue(Transform, () => clock.advance(0.5), { weight: 0 })
    scheduler.enqueue(AI, (deadline) => {
      seen.push(deadline.timeRemaining())
      clock.advance(2)
      seen.push(deadline.timeRemaining())
      seen.push(deadline.shouldYield() ? 1 : 0)
    })
    scheduler.runFrame()
    expect(seen).toEqual([1.5, 0, 1])
  })

  it('admits a sliced job when at least minSliceMs is left, whatever its learned cost', () => {
    const { scheduler, clock, log, frame } = setup({ budgetMs: 1, minSliceMs: 0.25 })
    scheduler.enqueue(Transform, () => clock.advance(0.7), { weight: 0 })
    scheduler.enqueue(AI, () => {
      log.push('slice')
      clock.advance(0.3)
      return true
    }, { sliced: true, weight: 1 })
    expect(frame()).toEqual(['slice']) // 0.3 left ≥ 0.25
    scheduler.enqueue(Transform, () => clock.advance(0.8), { weight: 0 })
    expect(frame()).toEqual([]) // 0.2 left < 0.25
    expect(frame()).toEqual(['slice'])
  })

  it('treats a job that once returned true as sliced from then on', () => {
    const { scheduler, clock, log, frame } = setup({ budgetMs: 1, minSliceMs: 0.1 })
    let calls = 0
    scheduler.enqueue(AI, () => {
      log.push(`run${++calls}`)
      clock.advance(0.9)
      return calls < 2
    }, { weight: 1 })
    // It fit the first time (budget untouched); the second time its learned 0.9 ms
    // would not fit behind a 0.5 ms job, but as a sliced job it only needs 0.1 ms.
    expect(frame()).toEqual(['run1'])
    scheduler.enqueue(Transform, () => clock.advance(0.5), { weight: 0 })
    expect(frame()).toEqual(['run2'])
  })
})

describe('rule 6: systems', () => {
  it('arms a system every `interval` frames', () => {
    const { scheduler, job, frame } = setup({ budgetMs: 10 })
    scheduler.addSystem(AI, job('every3'), { interval: 3, weight: 0 })
    scheduler.addSystem(LOD, job('every1'), { weight: 0 })
    const frames = Array.from({ length: 7 }, () => frame().join(','))
    expect(frames).toEqual(['every1,every3', 'every1', 'every1', 'every1,every3', 'every1', 'every1', 'every1,every3'])
  })

  it('never queues a system twice (a deferred system coalesces)', () => {
    const { scheduler, clock, log, job, frame } = setup({ budgetMs: 1, maxDeferFrames: 30 })
    const hog = scheduler.addSystem(Transform, () => clock.advance(1), { weight: 1, name: 'hog' })
    scheduler.addSystem(AI, job('sys'), { weight: 0.5, name: 'sys' })
    for (let i = 0; i < 5; i++) frame()
    expect(log).toEqual([])
    expect(scheduler.queueDepth(AI)).toBe(1)
    hog.enabled = false
    expect(frame()).toEqual(['sys']) // once, not five times
    expect(frame()).toEqual(['sys'])
  })

  it('does not run a disabled or removed system, even one already queued', () => {
    const { scheduler, clock, job, frame } = setup({ budgetMs: 1 })
    const hog = scheduler.addSystem(Transform, () => clock.advance(1), { weight: 1 })
    const a = scheduler.addSystem(AI, job('a'), { weight: 0.5 })
    const b = scheduler.addSystem(AI, job('b'), { weight: 0.5 })
    frame() // both queued behind the hog
    expect(scheduler.queueDepth(AI)).toBe(2)
    a.enabled = false
    b.remove()
    expect(scheduler.queueDepth(AI)).toBe(0)
    hog.remove()
    expect(frame()).toEqual([])
    a.enabled = true
    expect(frame()).toEqual(['a'])
    expect(b.active).toBe(false)
    expect(scheduler.systems).toEqual([a])
  })

  it('re-enabling a queued system before it runs keeps its place', () => {
    const { scheduler, clock, job, frame } = setup({ budgetMs: 1 })
    const hog = scheduler.addSystem(Transform, () => clock.advance(1), { weight: 1 })
    const a = scheduler.addSystem(AI, job('a'), { weight: 0.5 })
    frame()
    a.enabled = false
    a.enabled = true
    expect(scheduler.queueDepth(AI)).toBe(1)
    hog.enabled = false
    expect(frame()).toEqual(['a'])
  })

  it('exposes weight, estimate, measured cost and runs on the handle', () => {
    const { scheduler, clock } = setup({ budgetMs: 2 })
    const sys = scheduler.addSystem(Physics, () => clock.advance(0.25), { name: 'step', weight: 0.3 })
    expect(sys.name).toBe('step')
    expect(sys.type).toBe(Physics)
    expect(sys.estimateMs).toBeCloseTo(0.6)
    expect(sys.measuredMs).toBeNaN()
    scheduler.runFrame()
    expect(sys.runs).toBe(1)
    expect(sys.measuredMs).toBeCloseTo(0.25)
    expect(sys.estimateMs).toBeCloseTo(0.25)
    sys.weight = 2
    expect(sys.weight).toBe(1)
  })

  it('a sliced system keeps its place until done, then re-arms', () => {
    const { scheduler, log, frame } = setup({ budgetMs: 10 })
    let n = 0
    scheduler.addSystem(AI, () => {
      log.push(`s${n}`)
      return ++n % 3 !== 0
    })
    expect([frame(), frame(), frame(), frame()]).toEqual([['s0'], ['s1'], ['s2'], ['s3']])
    expect(scheduler.queueDepth(AI)).toBe(1)
  })

  it('a system removed from inside its own run is not resumed', () => {
    const { scheduler, log, frame } = setup({ budgetMs: 10 })
    const sys = scheduler.addSystem(AI, () => {
      log.push('once')
      sys.remove()
      return true
    })
    expect(frame()).toEqual(['once'])
    expect(frame()).toEqual([])
    expect(scheduler.queueDepth(AI)).toBe(0)
  })
})

describe('rule 7: validation', () => {
  it('clamps finite weights to [0, 1]', () => {
    const { scheduler } = setup({ budgetMs: 2 })
    expect(scheduler.addSystem(AI, () => {}, { weight: -3 }).weight).toBe(0)
    expect(scheduler.addSystem(AI, () => {}, { weight: 7 }).weight).toBe(1)
    expect(scheduler.addSystem(AI, () => {}, { weight: 0.4 }).weight).toBe(0.4)
  })

  it('rejects NaN, infinite and non-number weights with the API and argument named', () => {
    const { scheduler } = setup()
    expect(() => scheduler.enqueue(AI, () => {}, { weight: NaN })).toThrow(RangeError)
    expect(() => scheduler.enqueue(AI, () => {}, { weight: NaN })).toThrow(/BatchScheduler.enqueue: weight/)
    expect(() => scheduler.enqueue(AI, () => {}, { weight: Infinity })).toThrow(RangeError)
    expect(() => scheduler.enqueue(AI, () => {}, { weight: '0.5' as unknown as number })).toThrow(TypeError)
    expect(() => scheduler.addSystem(AI, () => {}, { weight: NaN })).toThrow(/BatchScheduler.addSystem: weight/)
    const sys = scheduler.addSystem(AI, () => {}, { weight: 0.5 })
    expect(() => {
      sys.weight = NaN
    }).toThrow(/SystemHandle.weight/)
    expect(sys.weight).toBe(0.5)
    expect(scheduler.queueDepth(AI)).toBe(0)
  })

  it('budgetMs must be finite and > 0', () => {
    const { scheduler } = setup()
    for (const bad of [0, -1, NaN, Infinity]) {
      expect(() => {
        scheduler.budgetMs = bad
      }).toThrow(RangeError)
    }
    expect(() => {
      scheduler.budgetMs = '2' as unknown as number
    }).toThrow(TypeError)
    expect(() => {
      scheduler.budgetMs = -1
    }).toThrow(/BatchScheduler.budgetMs: budgetMs must be a finite number > 0, got -1/)
    expect(scheduler.budgetMs).toBe(2.5)
    scheduler.budgetMs = 4
    expect(scheduler.budgetMs).toBe(4)
    expect(() => new BatchScheduler({ budgetMs: 0 })).toThrow(/BatchScheduler: budgetMs/)
  })

  it('rejects an unknown type and a non-function job', () => {
    const { scheduler } = setup()
    expect(() => scheduler.enqueue(5 as BatchType, () => {})).toThrow(/BatchScheduler.enqueue: type must be a BatchType/)
    expect(() => scheduler.enqueue(-1 as BatchType, () => {})).toThrow(RangeError)
    expect(() => scheduler.enqueue(1.5 as BatchType, () => {})).toThrow(RangeError)
    expect(() => scheduler.enqueue('AI' as unknown as BatchType, () => {})).toThrow(/got "AI"/)
    expect(() => scheduler.addSystem(9 as BatchType, () => {})).toThrow(/BatchScheduler.addSystem: type/)
    expect(() => scheduler.enqueue(AI, null as never)).toThrow(/BatchScheduler.enqueue: fn must be a function/)
    expect(scheduler.queueDepth(AI)).toBe(0)
  })

  it('rejects bad constructor options', () => {
    expect(() => new BatchScheduler({ maxDeferFrames: -1 })).toThrow(/maxDeferFrames/)
    expect(() => new BatchScheduler({ maxDeferFrames: { 7: 1 } as never })).toThrow(/maxDeferFrames key/)
    expect(() => new BatchScheduler({ historyLength: 0 })).toThrow(/historyLength/)
    expect(() => new BatchScheduler({ clock: {} as never })).toThrow(/clock/)
    expect(() => new BatchScheduler({ typeShare: { 0: 0 } })).toThrow(/typeShare/)
  })
})

describe('rule 8: a throwing job is contained', () => {
  it('counts the error, calls onError with the job, and goes on with the next job', () => {
    const { scheduler, job, frame } = setup({ budgetMs: 10 })
    scheduler.enqueue(Transform, () => {
      throw new Error('boom')
    }, { name: 'bad' })
    scheduler.enqueue(Transform, job('next'))
    expect(frame()).toEqual(['error:bad', 'next'])
    expect(scheduler.stats.last.errors).toBe(1)
    expect(scheduler.stats.errors).toBe(1)
    expect(scheduler.stats.perType[Transform]?.errors).toBe(1)
  })

  it('by default prints console.error once per job name', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const s = new BatchScheduler({ clock: new ManualClock() })
    s.addSystem(AI, () => {
      throw new Error('again')
    }, { name: 'flaky' })
    for (let i = 0; i < 5; i++) expect(() => s.runFrame()).not.toThrow()
    expect(s.stats.errors).toBe(5)
    expect(error).toHaveBeenCalledTimes(1)
    expect(String(error.mock.calls[0]?.[0])).toContain('"flaky"')
  })
  // A throwing onError: reliability.faults.test.ts; runFrame from inside a job:
  // reliability.input.test.ts; jobs returning a Promise: BatchScheduler.async.test.ts.
})

describe('rule 9: no allocation per frame (observable parts)', () => {
  it('returns the same FrameStats object every frame', () => {
    const { scheduler } = setup()
    const a = scheduler.runFrame()
    const b = scheduler.runFrame()
    expect(a).toBe(b)
    expect(a).toBe(scheduler.stats.last)
    expect(b.frame).toBe(2)
  })

  it('reuses job slots: ids of finished jobs are dead, slots are recycled', () => {
    const { scheduler } = setup()
    const first = scheduler.enqueue(AI, () => {}, { weight: 0 })
    scheduler.runFrame()
    const second = scheduler.enqueue(AI, () => {}, { weight: 0 })
    expect(second).not.toBe(first)
    expect(second % 2 ** 24).toBe(first % 2 ** 24) // same slot, new generation
    expect(scheduler.cancel(first)).toBe(false)
    expect(scheduler.isPending(second)).toBe(true)
  })
})

describe('cancel', () => {
  it('cancels a queued job, once', () => {
    const { scheduler, job, frame } = setup()
    const a = scheduler.enqueue(AI, job('a'), { weight: 0 })
    scheduler.enqueue(AI, job('b'), { weight: 0 })
    expect(scheduler.cancel(a)).toBe(true)
    expect(scheduler.cancel(a)).toBe(false)
    expect(scheduler.queueDepth(AI)).toBe(1)
    expect(frame()).toEqual(['b'])
    expect(scheduler.stats.cancelled).toBe(1)
  })

  it('returns false for a job that already ran, unknown ids, and systems', () => {
    const { scheduler } = setup()
    const a = scheduler.enqueue(AI, () => {}, { weight: 0 })
    scheduler.runFrame()
    expect(scheduler.cancel(a)).toBe(false)
    expect(scheduler.cancel(123456)).toBe(false)
    expect(scheduler.cancel(-1)).toBe(false)
    expect(scheduler.cancel(1.5)).toBe(false)
    expect(() => scheduler.cancel('1' as unknown as number)).toThrow(/BatchScheduler.cancel: id must be a number/)
  })

  it('cancelling a sliced job between slices stops it; cancelling the running job stops it resuming', () => {
    const { scheduler, log, frame } = setup({ budgetMs: 10 })
    const a = scheduler.enqueue(AI, () => {
      log.push('a')
      return true
    })
    let bId = -1
    bId = scheduler.enqueue(AI, () => {
      log.push('b')
      expect(scheduler.cancel(bId)).toBe(false) // running: already running, but will not resume
      return true
    })
    expect(frame()).toEqual(['a'])
    expect(scheduler.cancel(a)).toBe(true)
    expect(frame()).toEqual(['b'])
    expect(frame()).toEqual([])
    expect(scheduler.queueDepth(AI)).toBe(0)
  })

  it('a cancelled job is not counted as deferred', () => {
    const { scheduler, clock } = setup({ budgetMs: 1 })
    let victim = -1
    scheduler.enqueue(Transform, () => {
      clock.advance(1)
      scheduler.cancel(victim)
    }, { weight: 1 })
    victim = scheduler.enqueue(AI, () => {}, { weight: 0.5 })
    scheduler.enqueue(AI, () => {}, { weight: 0.5 })
    expect(scheduler.runFrame().deferred).toBe(1)
  })
})

describe('types, shares, pause and dispose', () => {
  it('a disabled type does not run and does not count as deferred', () => {
    const { scheduler, job, frame } = setup()
    scheduler.setTypeEnabled(LOD, false)
    expect(scheduler.isTypeEnabled(LOD)).toBe(false)
    scheduler.enqueue(LOD, job('lod'), { weight: 0 })
    scheduler.enqueue(AI, job('ai'), { weight: 0 })
    expect(frame()).toEqual(['ai'])
    expect(scheduler.stats.last.deferred).toBe(0)
    expect(scheduler.stats.last.queueDepth[LOD]).toBe(1)
    scheduler.setTypeEnabled(LOD, true)
    expect(frame()).toEqual(['lod'])
  })

  it('a type share caps what one type may use, leaving the rest to lower types', () => {
    const { scheduler, job, frame } = setup({ budgetMs: 2, typeShare: { [Transform]: 0.5 } })
    for (let i = 0; i < 4; i++) scheduler.enqueue(Transform, job(`t${i}`, 0.5), { name: 't', weight: 0.25 })
    scheduler.enqueue(AI, job('ai', 0.5), { weight: 0.25 })
    expect(frame()).toEqual(['t0', 't1', 'ai'])
    expect(scheduler.getTypeShare(Transform)).toBe(0.5)
    expect(() => scheduler.setTypeShare(AI, 1.5)).toThrow(/BatchScheduler.setTypeShare: share/)
  })

  it('a sliced job of a capped type gets a deadline for its share', () => {
    const { scheduler, clock } = setup({ budgetMs: 4, typeShare: { [Visibility]: 0.25 } })
    const seen: number[] = []
    scheduler.enqueue(Visibility, (d) => {
      seen.push(d.timeRemaining())
      clock.advance(1)
      seen.push(d.shouldYield() ? 1 : 0)
    }, { sliced: true })
    scheduler.runFrame()
    expect(seen).toEqual([1, 1])
  })

  it('paused runs nothing until a step is requested', () => {
    const { scheduler, job, frame } = setup()
    scheduler.addSystem(AI, job('tick'), { weight: 0 })
    scheduler.paused = true
    expect(frame()).toEqual([])
    expect(scheduler.frame).toBe(0)
    scheduler.step()
    expect(frame()).toEqual(['tick'])
    expect(frame()).toEqual([])
    scheduler.paused = false
    expect(frame()).toEqual(['tick'])
  })

  it('notifies frame listeners after each frame with its stats', () => {
    const { scheduler } = setup()
    const seen: number[] = []
    const listener = (f: { frame: number }) => seen.push(f.frame)
    scheduler.addFrameListener(listener)
    scheduler.addFrameListener(listener) // once only
    scheduler.runFrame()
    scheduler.runFrame()
    scheduler.removeFrameListener(listener)
    scheduler.runFrame()
    expect(seen).toEqual([1, 2])
  })

  it('dispose drops everything, is idempotent, and later calls are clear', () => {
    const { scheduler, job, log } = setup()
    const sys = scheduler.addSystem(AI, job('sys'))
    scheduler.enqueue(AI, job('one'))
    scheduler.dispose()
    scheduler.dispose()
    expect(scheduler.isDisposed).toBe(true)
    expect(sys.active).toBe(false)
    expect(scheduler.runFrame().frame).toBe(0)
    expect(log).toEqual([])
    expect(() => scheduler.enqueue(AI, () => {})).toThrow(/BatchScheduler.enqueue: the scheduler was disposed/)
    expect(() => scheduler.addSystem(AI, () => {})).toThrow(/disposed/)
    expect(scheduler.cancel(0)).toBe(false)
  })
  // Dispose from inside a job: reliability.input.test.ts ('calls after dispose').
})
