import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BATCH_TYPE_COUNT, BatchScheduler, BatchType, type JobFn, ManualClock } from '../../src/index.js'

/**
 * Bad input: every programmer error throws an error that names the API and
 * the argument, and leaves the scheduler exactly as it was (no slot taken, no
 * queue entry, no setting changed). Misuse that cannot be told apart from use
 * (unknown ids, calls after dispose) is a quiet no-op with a documented result.
 */

const { Transform, Physics, AI } = BatchType

/** Everything observable about a scheduler's state, as plain data. */
function snapshot(scheduler: BatchScheduler) {
  const perType = []
  for (let t = 0 as BatchType; t < BATCH_TYPE_COUNT; t++) {
    perType.push({
      depth: scheduler.queueDepth(t),
      enabled: scheduler.isTypeEnabled(t),
      share: scheduler.getTypeShare(t),
      bound: scheduler.getMaxDeferFrames(t),
    })
  }
  return {
    budgetMs: scheduler.budgetMs,
    minSliceMs: scheduler.minSliceMs,
    frame: scheduler.frame,
    paused: scheduler.paused,
    disposed: scheduler.isDisposed,
    systems: scheduler.systems.map((s) => ({ name: s.name, weight: s.weight, enabled: s.enabled, interval: s.interval })),
    diagnostics: { ...scheduler.diagnostics },
    processed: scheduler.stats.processed,
    cancelled: scheduler.stats.cancelled,
    perType,
  }
}

/** A scheduler with some state: queued jobs, a system, a few frames run. */
function busy() {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock, onError: () => {} })
  const system = scheduler.addSystem(Physics, () => clock.advance(0.2), { name: 'physics', weight: 0.3 })
  scheduler.enqueue(AI, () => clock.advance(0.5), { name: 'think' })
  scheduler.runFrame()
  const queued = scheduler.enqueue(AI, () => clock.advance(0.5), { name: 'think' })
  return { clock, scheduler, system, queued }
}

/** Expects `fn` to throw `type` with a message starting with `prefix`, and the scheduler unchanged. */
function rejects(scheduler: BatchScheduler, fn: () => unknown, type: typeof TypeError | typeof RangeError | typeof Error, prefix: RegExp): void {
  const before = snapshot(scheduler)
  let thrown: unknown
  try {
    fn()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(type)
  expect((thrown as Error).message).toMatch(prefix)
  expect(snapshot(scheduler)).toEqual(before)
}

const noop: JobFn = () => {}
const BAD_NUMBERS: unknown[] = [NaN, Infinity, -Infinity, '2', null, undefined, {}, 2n]
const NOT_POSITIVE: unknown[] = [0, -1, -0.001]

beforeEach(() => {
  vi.spyOn(console, 'error').mockImplementation(() => {})
  vi.spyOn(console, 'warn').mockImplementation(() => {})
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('bad budgets', () => {
  it('the constructor rejects NaN, Infinity, negative, zero and non-number budgets, naming budgetMs', () => {
    for (const bad of [...BAD_NUMBERS.filter((v) => v !== undefined), ...NOT_POSITIVE]) {
      expect(() => new BatchScheduler({ budgetMs: bad as number })).toThrow(/^BatchScheduler: budgetMs must be a (finite )?number/)
    }
  })

  it('setting budgetMs to a bad value throws, naming the API and argument, and keeps the old budget', () => {
    const { scheduler } = busy()
    scheduler.budgetMs = 3
    for (const bad of [...BAD_NUMBERS, ...NOT_POSITIVE]) {
      const type = typeof bad === 'number' ? RangeError : TypeError
      rejects(
        scheduler,
        () => {
          scheduler.budgetMs = bad as number
        },
        type,
        /^BatchScheduler\.budgetMs: budgetMs must be a (finite )?number/,
      )
    }
    expect(scheduler.budgetMs).toBe(3)
  })

  it('setting minSliceMs to NaN or a negative value throws and keeps the old value (regression: it was a plain field)', () => {
    const { scheduler } = busy()
    for (const bad of [NaN, -1, Infinity, '0.1', null]) {
      rejects(
        scheduler,
        () => {
          scheduler.minSliceMs = bad as number
        },
        typeof bad === 'number' ? RangeError : TypeError,
        /^BatchScheduler\.minSliceMs: minSliceMs must be a (finite )?number/,
      )
    }
    expect(scheduler.minSliceMs).toBe(0.1)
    scheduler.minSliceMs = 0
    expect(scheduler.minSliceMs).toBe(0)
  })

  it('a NaN minSliceMs can no longer starve sliced jobs: sliced work still runs every frame', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    let runs = 0
    scheduler.addSystem(AI, () => {
      runs++
      return true
    }, { sliced: true })
    expect(() => {
      scheduler.minSliceMs = NaN
    }).toThrow(RangeError)
    for (let i = 0; i < 10; i++) scheduler.runFrame()
    expect(runs).toBe(10)
  })
})

describe('bad weights, shares and bounds', () => {
  it('enqueue and addSystem reject NaN, Infinity and non-number weights; finite out-of-range ones are clamped (documented)', () => {
    const { scheduler } = busy()
    for (const bad of [NaN, Infinity, -Infinity, '0.5', null, {}]) {
      const type = typeof bad === 'number' ? RangeError : TypeError
      rejects(scheduler, () => scheduler.enqueue(AI, noop, { weight: bad as number }), type, /^BatchScheduler\.enqueue: weight must be a (finite )?number/)
      rejects(scheduler, () => scheduler.addSystem(AI, noop, { weight: bad as number }), type, /^BatchScheduler\.addSystem: weight must be a (finite )?number/)
    }
    const clamped = scheduler.addSystem(AI, noop, { weight: -3 })
    expect(clamped.weight).toBe(0)
    clamped.weight = 42
    expect(clamped.weight).toBe(1)
  })

  it('a system handle rejects a bad weight, interval or enabled and keeps its value', () => {
    const { scheduler, system } = busy()
    for (const bad of [NaN, Infinity, 'heavy', null]) {
      rejects(
        scheduler,
        () => {
          system.weight = bad as number
        },
        typeof bad === 'number' ? RangeError : TypeError,
        /^SystemHandle\.weight: weight must be/,
      )
    }
    for (const bad of [0, -1, 1.5, NaN, Infinity, '2']) {
      rejects(
        scheduler,
        () => {
          system.interval = bad as number
        },
        typeof bad === 'number' ? RangeError : TypeError,
        /^SystemHandle\.interval: interval must be/,
      )
    }
    for (const bad of ['yes', 1, null]) {
      rejects(
        scheduler,
        () => {
          system.enabled = bad as unknown as boolean
        },
        TypeError,
        /^SystemHandle\.enabled: enabled must be a boolean/,
      )
    }
    expect(system.weight).toBe(0.3)
  })

  it('setTypeShare, setMaxDeferFrames and setTypeEnabled reject bad values and unknown types, changing nothing', () => {
    const { scheduler } = busy()
    for (const bad of [0, -0.5, 1.5, NaN, Infinity]) {
      rejects(scheduler, () => scheduler.setTypeShare(AI, bad), RangeError, /^BatchScheduler\.setTypeShare: share must be/)
    }
    rejects(scheduler, () => scheduler.setTypeShare(AI, '0.5' as unknown as number), TypeError, /^BatchScheduler\.setTypeShare: share must be a number/)
    for (const bad of [-1, 1.5, NaN, Infinity]) {
      rejects(scheduler, () => scheduler.setMaxDeferFrames(AI, bad), RangeError, /^BatchScheduler\.setMaxDeferFrames: frames must be an integer/)
    }
    rejects(scheduler, () => scheduler.setTypeEnabled(AI, 'no' as unknown as boolean), TypeError, /^BatchScheduler\.setTypeEnabled: enabled must be a boolean/)
    for (const type of [-1, 5, 1.5, NaN, '0', null]) {
      const t = type as BatchType
      rejects(scheduler, () => scheduler.setTypeShare(t, 0.5), RangeError, /^BatchScheduler\.setTypeShare: type must be a BatchType/)
      rejects(scheduler, () => scheduler.setMaxDeferFrames(t, 3), RangeError, /^BatchScheduler\.setMaxDeferFrames: type must be a BatchType/)
      rejects(scheduler, () => scheduler.setTypeEnabled(t, false), RangeError, /^BatchScheduler\.setTypeEnabled: type must be a BatchType/)
      rejects(scheduler, () => scheduler.queueDepth(t), RangeError, /^BatchScheduler\.queueDepth: type must be a BatchType/)
    }
  })

  it('the constructor rejects bad options with the option named', () => {
    expect(() => new BatchScheduler({ maxDeferFrames: -1 })).toThrow(/^BatchScheduler: maxDeferFrames must be an integer/)
    expect(() => new BatchScheduler({ maxDeferFrames: { 7: 3 } as never })).toThrow(/^BatchScheduler: maxDeferFrames key: type must be a BatchType/)
    expect(() => new BatchScheduler({ typeShare: { 0: 2 } })).toThrow(/^BatchScheduler: typeShare\[0\]: share must be/)
    expect(() => new BatchScheduler({ historyLength: 0 })).toThrow(/^BatchScheduler: historyLength must be an integer/)
    expect(() => new BatchScheduler({ maxQueueLength: 0 })).toThrow(/^BatchScheduler: maxQueueLength must be an integer/)
    expect(() => new BatchScheduler({ maxQueueLength: NaN })).toThrow(/^BatchScheduler: maxQueueLength must be an integer/)
    expect(() => new BatchScheduler({ minSliceMs: -1 })).toThrow(/^BatchScheduler: minSliceMs must be/)
    expect(() => new BatchScheduler({ clock: {} as never })).toThrow(/^BatchScheduler: clock must be an object with a now\(\) method/)
    expect(() => new BatchScheduler({ onError: 'log' as never })).toThrow(/^BatchScheduler: onError must be a function/)
  })
})

describe('unknown types, non-function jobs, bad options', () => {
  it('enqueue rejects unknown types, non-functions and bad options without taking a slot', () => {
    const { scheduler } = busy()
    for (const type of [-1, 5, 2.5, NaN, Infinity, '1', null, undefined]) {
      rejects(scheduler, () => scheduler.enqueue(type as BatchType, noop), RangeError, /^BatchScheduler\.enqueue: type must be a BatchType/)
      rejects(scheduler, () => scheduler.addSystem(type as BatchType, noop), RangeError, /^BatchScheduler\.addSystem: type must be a BatchType/)
    }
    for (const fn of [null, undefined, 42, 'job', {}, Promise.resolve()]) {
      rejects(scheduler, () => scheduler.enqueue(AI, fn as JobFn), TypeError, /^BatchScheduler\.enqueue: fn must be a function/)
      rejects(scheduler, () => scheduler.addSystem(AI, fn as JobFn), TypeError, /^BatchScheduler\.addSystem: fn must be a function/)
    }
    rejects(scheduler, () => scheduler.enqueue(AI, noop, null as never), TypeError, /^BatchScheduler\.enqueue: options must be an object/)
    rejects(scheduler, () => scheduler.enqueue(AI, noop, 0.5 as never), TypeError, /^BatchScheduler\.enqueue: options must be an object/)
    rejects(scheduler, () => scheduler.enqueue(AI, noop, { name: 7 as never }), TypeError, /^BatchScheduler\.enqueue: name must be a string/)
    rejects(scheduler, () => scheduler.enqueue(AI, noop, { sliced: 'yes' as never }), TypeError, /^BatchScheduler\.enqueue: sliced must be a boolean/)
    rejects(scheduler, () => scheduler.addSystem(AI, noop, { interval: 0 }), RangeError, /^BatchScheduler\.addSystem: interval must be an integer/)
    rejects(scheduler, () => scheduler.addSystem(AI, noop, { enabled: 1 as never }), TypeError, /^BatchScheduler\.addSystem: enabled must be a boolean/)
    rejects(scheduler, () => scheduler.addFrameListener('log' as never), TypeError, /^BatchScheduler\.addFrameListener: listener must be a function/)
    rejects(
      scheduler,
      () => {
        scheduler.paused = 1 as never
      },
      TypeError,
      /^BatchScheduler\.paused: paused must be a boolean/,
    )
  })

  it('cancel of an unknown, finished or malformed id returns false and changes nothing; a non-number id throws', () => {
    const { scheduler, queued } = busy()
    const ran = scheduler.enqueue(Transform, noop)
    scheduler.runFrame()
    const before = snapshot(scheduler)
    for (const id of [123456789, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, ran]) {
      expect(scheduler.cancel(id)).toBe(false)
      expect(scheduler.isPending(id)).toBe(false)
    }
    expect(snapshot(scheduler)).toEqual(before)
    rejects(scheduler, () => scheduler.cancel('1' as never), TypeError, /^BatchScheduler\.cancel: id must be a number/)
    // A cancelled id stays dead: cancelling twice counts once, even once its slot is reused.
    const id = scheduler.enqueue(AI, noop)
    expect(scheduler.cancel(id)).toBe(true)
    const reuse = scheduler.enqueue(AI, noop)
    expect(scheduler.cancel(id)).toBe(false)
    expect(scheduler.isPending(reuse)).toBe(true)
    expect(scheduler.stats.cancelled).toBe(1)
    expect(queued).toBeGreaterThanOrEqual(0)
  })
})

describe('calls after dispose', () => {
  it('enqueue and addSystem throw naming the API; cancel, runFrame and handles do nothing; nothing runs', () => {
    const { scheduler, system, queued } = busy()
    let ran = 0
    scheduler.addSystem(AI, () => {
      ran++
    })
    scheduler.addFrameListener(() => {
      ran++
    })
    scheduler.dispose()
    const last = scheduler.stats.last
    const frame = scheduler.frame
    rejects(scheduler, () => scheduler.enqueue(AI, noop), Error, /^BatchScheduler\.enqueue: the scheduler was disposed/)
    rejects(scheduler, () => scheduler.addSystem(AI, noop), Error, /^BatchScheduler\.addSystem: the scheduler was disposed/)
    expect(scheduler.cancel(queued)).toBe(false)
    expect(scheduler.isPending(queued)).toBe(false)
    expect(scheduler.runFrame()).toBe(last)
    scheduler.step()
    expect(scheduler.frame).toBe(frame)
    expect(ran).toBe(0)
    expect(system.active).toBe(false)
    system.enabled = false
    system.remove()
    scheduler.addFrameListener(() => {
      ran++
    })
    scheduler.dispose()
    scheduler.runFrame()
    expect(ran).toBe(0)
    const d = scheduler.diagnostics
    expect([d.poolUsed, d.queueEntries, d.frameListeners, d.costEntries]).toEqual([0, 0, 0, 0])
  })

  it('dispose from inside a job ends the frame after that job; later jobs never run', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const log: string[] = []
    scheduler.enqueue(Transform, () => {
      log.push('a')
      scheduler.dispose()
    })
    scheduler.enqueue(Transform, () => {
      log.push('b')
    })
    scheduler.addFrameListener(() => {
      log.push('listener')
    })
    scheduler.runFrame()
    scheduler.runFrame()
    expect(log).toEqual(['a'])
    expect(scheduler.isRunning).toBe(false)
  })
})

describe('jobs that misbehave', () => {
  it('a job that enqueues itself (twice) on every run: no frame hangs, its copies wait for the next frame', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    let runs = 0
    const again = (): void => {
      runs++
      scheduler.enqueue(AI, again)
      scheduler.enqueue(AI, again) // and twice, to be sure it is not a coincidence of one
    }
    scheduler.enqueue(AI, again)
    scheduler.runFrame()
    expect(runs).toBe(1)
    scheduler.runFrame()
    // Jobs queued by a job wait for the next frame: frame 2 runs the two queued in frame 1.
    expect(runs).toBe(3)
    expect(scheduler.queueDepth(AI)).toBe(4)
  })

  it('a self-enqueueing job of zero cost, 10k frames: one run per frame, bounded queue and pool', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    let runs = 0
    const again = (): void => {
      runs++
      scheduler.enqueue(Transform, again)
    }
    scheduler.enqueue(Transform, again)
    for (let i = 0; i < 10_000; i++) {
      const f = scheduler.runFrame()
      expect(f.processed).toBe(1)
    }
    expect(runs).toBe(10_000)
    expect(scheduler.queueDepth(Transform)).toBe(1)
    expect(scheduler.diagnostics.poolUsed).toBe(1)
  })

  it('a sliced job that never checks its deadline and always says "more" runs one slice per frame', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    let runs = 0
    scheduler.enqueue(AI, () => {
      runs++
      return true
    }, { sliced: true })
    for (let i = 0; i < 100; i++) scheduler.runFrame()
    expect(runs).toBe(100)
  })

  it('a re-entrant runFrame from inside a job throws (counted as that job\'s error); the outer frame completes', () => {
    const clock = new ManualClock()
    const errors: string[] = []
    const scheduler = new BatchScheduler({ clock, onError: (e, job) => errors.push(`${job.name}: ${(e as Error).message}`) })
    const log: string[] = []
    scheduler.enqueue(Transform, function reenter() {
      log.push('reenter')
      scheduler.runFrame()
      log.push('not reached')
    })
    scheduler.enqueue(AI, () => {
      log.push('after')
    })
    const f = scheduler.runFrame()
    expect(log).toEqual(['reenter', 'after'])
    expect(f.frame).toBe(1)
    expect(f.errors).toBe(1)
    expect(f.processed).toBe(2)
    expect(errors).toEqual(['reenter: BatchScheduler.runFrame: called from inside a job; a job cannot run a frame of its own scheduler'])
    expect(scheduler.isRunning).toBe(false)
  })

  it('regression: a re-entrant runFrame while paused does not use up a pending step', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock, onError: () => {} })
    let runs = 0
    scheduler.addSystem(AI, () => {
      runs++
      expect(() => scheduler.runFrame()).toThrow(/called from inside a job/)
    })
    scheduler.paused = true
    scheduler.step()
    scheduler.step()
    scheduler.runFrame() // step 1; the system's re-entrant call must not eat step 2
    scheduler.runFrame() // step 2
    scheduler.runFrame() // no step left: nothing
    expect(runs).toBe(2)
    expect(scheduler.frame).toBe(2)
  })

  it('regression: runFrame from a frame listener throws (reported once) instead of nesting frames', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const error = vi.mocked(console.error)
    let calls = 0
    scheduler.addFrameListener(() => {
      calls++
      scheduler.runFrame()
    })
    scheduler.runFrame()
    scheduler.runFrame()
    expect(scheduler.frame).toBe(2)
    expect(calls).toBe(2)
    expect(error).toHaveBeenCalledTimes(1)
    expect(String(error.mock.calls[0]?.[1])).toMatch(/BatchScheduler\.runFrame: called from a frame listener/)
  })
})

describe('queue bound (maxQueueLength)', () => {
  it('enqueue past the bound throws a RangeError naming the type and the bound; nothing is dropped or queued', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock, maxQueueLength: 3 })
    const ran: number[] = []
    for (let i = 0; i < 3; i++) scheduler.enqueue(AI, () => {
      ran.push(i)
    })
    rejects(scheduler, () => scheduler.enqueue(AI, () => {
      ran.push(99)
    }), RangeError, /^BatchScheduler\.enqueue: the AI queue is full \(maxQueueLength 3\); the job was not queued/)
    // Other types have their own bound; systems are not counted.
    scheduler.enqueue(Physics, noop)
    scheduler.addSystem(AI, noop)
    scheduler.runFrame()
    expect(ran).toEqual([0, 1, 2])
    // Room again once they ran.
    scheduler.enqueue(AI, () => {
      ran.push(3)
    })
    scheduler.runFrame()
    expect(ran).toEqual([0, 1, 2, 3])
  })

  it('a cancelled job frees its place at once; a job queued from inside a job hits the bound as an error of that job', () => {
    const clock = new ManualClock()
    const errors: unknown[] = []
    const scheduler = new BatchScheduler({ clock, maxQueueLength: 2, onError: (e) => errors.push(e) })
    const a = scheduler.enqueue(AI, noop)
    scheduler.enqueue(AI, noop)
    expect(() => scheduler.enqueue(AI, noop)).toThrow(RangeError)
    expect(scheduler.cancel(a)).toBe(true)
    scheduler.enqueue(AI, noop)
    scheduler.enqueue(Transform, () => {
      scheduler.enqueue(Physics, noop)
      scheduler.enqueue(Physics, noop)
      scheduler.enqueue(Physics, noop) // third: full
    })
    scheduler.runFrame()
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(RangeError)
    expect(scheduler.queueDepth(Physics)).toBe(2)
  })
})
