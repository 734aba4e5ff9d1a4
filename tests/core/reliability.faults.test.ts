import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import { BatchScheduler, BatchType, type JobInfo, ManualClock } from '../../src/index.js'

/**
 * Faults inside jobs: a throwing job, an async job (resolved or rejected), a
 * job that runs 50 ms, a throwing error handler or frame listener. None may
 * cost more than the frame it happened in.
 */

const { Transform, Physics, AI } = BatchType

let errorSpy: MockInstance<typeof console.error>
let warnSpy: MockInstance<typeof console.warn>
beforeEach(() => {
  errorSpy = vi.spyOn(console, 'error').mockImplementation(() => {})
  warnSpy = vi.spyOn(console, 'warn').mockImplementation(() => {})
})
afterEach(() => {
  vi.restoreAllMocks()
})

/** Lets pending Promise reactions run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

describe('jobs that throw (sync)', () => {
  it('a system that throws every frame stays registered, runs every frame, is counted every time and printed once', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const log: string[] = []
    scheduler.addSystem(Transform, () => {
      log.push('before')
    })
    const broken = scheduler.addSystem(Physics, function broken() {
      log.push('broken')
      throw new Error('boom')
    })
    scheduler.addSystem(AI, () => {
      log.push('after')
    })
    for (let i = 0; i < 50; i++) {
      const f = scheduler.runFrame()
      expect(f.errors).toBe(1)
      expect(f.processed).toBe(3)
    }
    expect(log.filter((l) => l === 'after')).toHaveLength(50)
    expect(broken.active).toBe(true)
    expect(broken.runs).toBe(50)
    expect(scheduler.stats.errors).toBe(50)
    expect(scheduler.stats.perType[Physics]?.errors).toBe(50)
    expect(errorSpy).toHaveBeenCalledTimes(1)
    expect(String(errorSpy.mock.calls[0]?.[0])).toMatch(/job "broken" \(Physics\) threw; the frame went on/)
  })

  it('throwing non-Error values (undefined, null, a string) is contained and counted like any error', () => {
    const clock = new ManualClock()
    const seen: unknown[] = []
    const scheduler = new BatchScheduler({ clock, onError: (e) => seen.push(e) })
    for (const value of [undefined, null, 'text', 0]) {
      scheduler.enqueue(AI, () => {
        throw value
      })
    }
    scheduler.enqueue(AI, () => {})
    const f = scheduler.runFrame()
    expect(f.processed).toBe(5)
    expect(f.errors).toBe(4)
    expect(seen).toEqual([undefined, null, 'text', 0])
  })

  it('an onError handler that throws is reported once; the frame and later frames go on', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({
      clock,
      onError: () => {
        throw new Error('handler broke')
      },
    })
    let ran = 0
    scheduler.addSystem(Transform, () => {
      throw new Error('job broke')
    })
    scheduler.addSystem(AI, () => {
      ran++
    })
    for (let i = 0; i < 5; i++) scheduler.runFrame()
    expect(ran).toBe(5)
    expect(scheduler.stats.errors).toBe(5)
    expect(errorSpy).toHaveBeenCalledTimes(1)
    expect(String(errorSpy.mock.calls[0]?.[0])).toMatch(/onError threw/)
  })

  it('a frame listener that throws is reported once and stays registered; other listeners still run', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    let bad = 0
    let good = 0
    scheduler.addFrameListener(() => {
      bad++
      throw new Error('listener broke')
    })
    scheduler.addFrameListener(() => {
      good++
    })
    for (let i = 0; i < 4; i++) scheduler.runFrame()
    expect([bad, good]).toEqual([4, 4])
    expect(errorSpy).toHaveBeenCalledTimes(1)
  })
})

describe('jobs that return a Promise', () => {
  it('does not block its queue: the next job runs before the Promise settles; settles are counted, nothing is printed', async () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const log: string[] = []
    for (let i = 0; i < 3; i++) {
      scheduler.enqueue(
        AI,
        (async () => {
          log.push(`start ${i}`)
          await Promise.resolve()
          log.push(`end ${i}`)
        }) as unknown as () => void,
        { name: 'load' },
      )
    }
    const f = scheduler.runFrame()
    expect(f.processed).toBe(3)
    expect(f.errors).toBe(0)
    expect(log).toEqual(['start 0', 'start 1', 'start 2'])
    expect(scheduler.stats.inFlight).toBe(3)
    await flush()
    expect(log).toHaveLength(6)
    expect(scheduler.stats.inFlight).toBe(0)
    expect(scheduler.stats.settled).toBe(3)
    expect(warnSpy).not.toHaveBeenCalled()
  })

  it('regression: a rejected Promise is reported to onError (with the job) instead of becoming an unhandled rejection', async () => {
    const clock = new ManualClock()
    const seen: [unknown, JobInfo][] = []
    const scheduler = new BatchScheduler({ clock, onError: (e, job) => seen.push([e, job]) })
    const failure = new Error('network down')
    scheduler.enqueue(
      Physics,
      (async () => {
        await Promise.resolve()
        throw failure
      }) as unknown as () => void,
      { name: 'fetchTile' },
    )
    scheduler.runFrame()
    expect(seen).toEqual([])
    await flush()
    expect(seen).toEqual([[failure, { name: 'fetchTile', type: Physics }]])
    // Not counted in the frame stats: that frame was over.
    expect(scheduler.stats.errors).toBe(0)
  })

  it('a rejection without onError is printed once per name; a rejection after dispose, or of a job cancelled while running, is handled too', async () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const reject = (async () => {
      await Promise.resolve()
      throw new Error('late')
    }) as unknown as () => void
    scheduler.enqueue(AI, reject, { name: 'late' })
    scheduler.enqueue(AI, reject, { name: 'late' })
    let selfId = -1
    selfId = scheduler.enqueue(
      AI,
      (() => {
        scheduler.cancel(selfId)
        return reject()
      }) as () => void,
      { name: 'cancelled' },
    )
    scheduler.runFrame()
    await flush()
    const printed = errorSpy.mock.calls.map((c) => String(c[0]))
    expect(printed.filter((m) => m.includes('job "late"'))).toHaveLength(1)
    expect(printed.filter((m) => m.includes('job "cancelled"'))).toHaveLength(1)
    // After dispose the rejection is swallowed (the app dropped the scheduler), never unhandled.
    scheduler.enqueue(AI, reject, { name: 'afterDispose' })
    scheduler.runFrame()
    scheduler.dispose()
    await flush()
    expect(errorSpy.mock.calls.map((c) => String(c[0])).some((m) => m.includes('afterDispose'))).toBe(false)
  })
})

describe('a job that runs 50 ms', () => {
  it('loses one frame, not the following ones: its cost is learned and it runs again only in its forced slots', () => {
    const clock = new ManualClock()
    const budgetMs = 2.5
    const scheduler = new BatchScheduler({ clock, budgetMs })
    const bound = scheduler.getMaxDeferFrames(AI) // 30
    let cheapRuns = 0
    scheduler.addSystem(Transform, () => {
      cheapRuns++
      clock.advance(0.3)
    }, { name: 'transforms' })
    scheduler.addSystem(Physics, () => clock.advance(0.5), { name: 'physics' })
    // Predicted at 10 % of the budget (0.25 ms) until measured: it really takes 50 ms.
    const slow = scheduler.addSystem(AI, () => clock.advance(50), { name: 'pathfinding', weight: 0.1 })

    const FRAMES = 200
    const overrun: number[] = []
    const forced: number[] = []
    for (let i = 0; i < FRAMES; i++) {
      const f = scheduler.runFrame()
      if (f.usedMs > budgetMs) overrun.push(f.frame)
      if (f.forced > 0) forced.push(f.frame)
    }
    // Frame 1 is lost (the cost was not known yet); afterwards only the forced slots overrun.
    const slots: number[] = []
    for (let frame = 2 + bound; frame <= FRAMES; frame += bound + 1) slots.push(frame)
    expect(overrun).toEqual([1, ...slots])
    expect(forced).toEqual(slots)
    expect(slow.runs).toBe(1 + slots.length)
    expect(slow.measuredMs).toBe(50)
    // Forced jobs run first (the documented contract), so in a forced slot the
    // budget is gone before the other types' turn: they wait that one frame.
    expect(cheapRuns).toBe(FRAMES - slots.length)
    expect(scheduler.stats.perType[Transform]?.forced).toBe(0)
    // Every other frame stayed within the budget.
    const history = scheduler.stats.history
    let within = 0
    for (let i = 0; i < FRAMES; i++) if ((history.usedMs[history.indexOf(i)] as number) <= budgetMs + 1e-6) within++
    expect(within).toBe(FRAMES - overrun.length)
  })

  it('a one-shot 50 ms job named like earlier ones is deferred from its first run: the name carries the learned cost', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    scheduler.enqueue(AI, () => clock.advance(50), { name: 'bake' })
    expect(scheduler.runFrame().usedMs).toBe(50)
    scheduler.enqueue(AI, () => clock.advance(50), { name: 'bake' })
    for (let i = 0; i < scheduler.getMaxDeferFrames(AI); i++) {
      const f = scheduler.runFrame()
      expect(f.processed).toBe(0)
      expect(f.usedMs).toBe(0)
    }
    const f = scheduler.runFrame()
    expect([f.processed, f.forced]).toEqual([1, 1])
  })
})

describe('sliced systems that always have more to do', () => {
  it('regression: one or two never-ending sliced systems no longer starve the one-shot jobs of their type', () => {
    for (const systems of [1, 2]) {
      const clock = new ManualClock()
      const scheduler = new BatchScheduler({ clock })
      for (let s = 0; s < systems; s++) {
        // Uses every ms it is given and always says "more" (agents thinking, a streaming loader).
        scheduler.addSystem(AI, (deadline) => {
          clock.advance(Math.max(0.05, deadline.timeRemaining()))
          return true
        }, { sliced: true, name: `endless ${s}` })
      }
      scheduler.runFrame()
      const ranAt: number[] = []
      const queuedAt = scheduler.frame
      for (let i = 0; i < 5; i++) {
        scheduler.enqueue(AI, () => {
          ranAt.push(scheduler.frame)
        })
      }
      for (let f = 0; f < 100 && ranAt.length < 5; f++) scheduler.runFrame()
      // Before the fix: never (the system kept the head of the AI queue for ever).
      expect(ranAt).toHaveLength(5)
      // Each within the AI latency bound of its eligibility.
      for (const frame of ranAt) expect(frame - (queuedAt + 1)).toBeLessThanOrEqual(scheduler.getMaxDeferFrames(AI))
    }
  })

  it('a sliced one-shot job still keeps the head until it is done (FIFO within its type)', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const log: string[] = []
    let slices = 0
    scheduler.enqueue(AI, () => {
      log.push('sweep')
      return ++slices < 3
    }, { sliced: true })
    scheduler.enqueue(AI, () => {
      log.push('after')
    })
    for (let i = 0; i < 4; i++) scheduler.runFrame()
    expect(log).toEqual(['sweep', 'sweep', 'sweep', 'after'])
  })
})
