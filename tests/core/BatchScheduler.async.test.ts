import { afterEach, describe, expect, it, vi } from 'vitest'
import { BatchScheduler, BatchType, ManualClock } from '../../src/index.js'
import { setup } from './helpers.js'

const { Physics, AI } = BatchType

afterEach(() => {
  vi.restoreAllMocks()
})

/** A Promise settled by hand. */
function deferred() {
  let resolve!: () => void
  let reject!: (error: unknown) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Lets pending Promise reactions run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

describe('async jobs and systems (issue 15)', () => {
  it('a pending run holds no budget: only its synchronous part is measured, counted in usedMs and learned', async () => {
    const { scheduler, clock, log, frame } = setup({ budgetMs: 2 })
    const gate = deferred()
    scheduler.enqueue(
      AI,
      async () => {
        log.push('load:start')
        clock.advance(0.5) // the synchronous part, up to the first await
        await gate.promise
        log.push('load:end')
        clock.advance(5) // after the await: outside any frame
      },
      { name: 'load' },
    )
    expect(frame()).toEqual(['load:start'])
    expect(scheduler.stats.last.usedMs).toBeCloseTo(0.5)
    expect(scheduler.learnedCostMs('load')).toBeCloseTo(0.5)
    expect(scheduler.stats.inFlight).toBe(1)
    gate.resolve()
    await flush()
    expect(log.splice(0)).toEqual(['load:end'])
    expect(scheduler.stats.inFlight).toBe(0)
    expect(scheduler.stats.settled).toBe(1)
    expect(frame()).toEqual([])
    expect(scheduler.stats.last.usedMs).toBe(0)
    expect(scheduler.learnedCostMs('load')).toBeCloseTo(0.5)
  })

  it('its queue moves on: the jobs behind a pending one run in the same frame', async () => {
    const { scheduler, log, job, frame } = setup({ budgetMs: 10 })
    const gate = deferred()
    scheduler.enqueue(Physics, async () => {
      log.push('a:start')
      await gate.promise
      log.push('a:end')
    })
    scheduler.enqueue(Physics, job('b'))
    scheduler.enqueue(AI, job('c'))
    expect(frame()).toEqual(['a:start', 'b', 'c'])
    expect(scheduler.queueDepth(Physics)).toBe(0)
    expect(scheduler.stats.last.processed).toBe(3)
    gate.resolve()
    await flush()
    expect(log).toEqual(['a:end'])
  })

  it('a system is not armed again until its run settles; nothing is printed', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { scheduler, log, frame } = setup({ budgetMs: 10 })
    let gate = deferred()
    const system = scheduler.addSystem(
      AI,
      async () => {
        log.push('tick')
        await gate.promise
        log.push('settled')
      },
      { name: 'net' },
    )
    expect(frame()).toEqual(['tick'])
    expect(system.inFlight).toBe(true)
    expect(scheduler.stats.inFlight).toBe(1)
    expect(frame()).toEqual([])
    expect(frame()).toEqual([])
    expect(scheduler.stats.last.deferred).toBe(0) // pending is not deferred
    expect(scheduler.queueDepth(AI)).toBe(0)
    gate.resolve()
    gate = deferred()
    await flush()
    expect(log.splice(0)).toEqual(['settled'])
    expect(system.inFlight).toBe(false)
    expect(scheduler.stats).toMatchObject({ inFlight: 0, settled: 1 })
    expect(frame()).toEqual(['tick'])
    expect(system.runs).toBe(2)
    expect(warn).not.toHaveBeenCalled()
  })

  it('a rejection goes to onError with the job, is counted, and the system is armed again', async () => {
    const { scheduler, log, frame } = setup({ budgetMs: 10 })
    let calls = 0
    scheduler.addSystem(
      Physics,
      async () => {
        log.push(`run${++calls}`)
        await Promise.resolve()
        if (calls === 1) throw new Error('offline')
      },
      { name: 'sync' },
    )
    expect(frame()).toEqual(['run1'])
    await flush()
    expect(log.splice(0)).toEqual(['error:sync'])
    expect(scheduler.stats).toMatchObject({ settled: 1, rejected: 1, inFlight: 0, errors: 0 })
    expect(frame()).toEqual(['run2'])
    await flush()
    expect(scheduler.stats).toMatchObject({ settled: 2, rejected: 1, inFlight: 0 })
    expect(log).toEqual([])
  })

  it('a job that never settles stays visible in stats.inFlight and its handle', async () => {
    const { scheduler, frame } = setup()
    const never = new Promise<void>(() => {})
    const system = scheduler.addSystem(AI, () => never, { name: 'stuck' })
    scheduler.enqueue(AI, () => never, { name: 'stuck-job' })
    frame()
    for (let i = 0; i < 20; i++) frame()
    await flush()
    expect(scheduler.stats.inFlight).toBe(2)
    expect(system.inFlight).toBe(true)
    expect(system.runs).toBe(1)
    expect(scheduler.stats.settled).toBe(0)
  })

  it('dispose() with runs in flight ignores their later settles: no callback into the disposed scheduler', async () => {
    const onError = vi.fn()
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock, onError })
    const ok = deferred()
    const bad = deferred()
    scheduler.enqueue(AI, () => ok.promise, { name: 'ok' })
    scheduler.addSystem(AI, () => bad.promise, { name: 'bad' })
    scheduler.runFrame()
    expect(scheduler.stats.inFlight).toBe(2)
    scheduler.dispose()
    ok.resolve()
    bad.reject(new Error('late'))
    await flush()
    expect(onError).not.toHaveBeenCalled()
    expect(scheduler.stats.settled).toBe(0)
    expect(scheduler.stats.rejected).toBe(0)
  })

  it('a system removed while in flight is not armed again; its settle is still counted', async () => {
    const { scheduler, log, frame } = setup({ budgetMs: 10 })
    const gate = deferred()
    const system = scheduler.addSystem(AI, async () => {
      log.push('run')
      await gate.promise
    })
    expect(frame()).toEqual(['run'])
    system.remove()
    gate.resolve()
    await flush()
    expect(frame()).toEqual([])
    expect(scheduler.stats.settled).toBe(1)
    expect(scheduler.diagnostics.poolUsed).toBe(0)
  })

  it('an async one-shot job has run: cancel and isPending say so, and its slot is free while it is pending', () => {
    const { scheduler, frame } = setup()
    const id = scheduler.enqueue(AI, () => new Promise<void>(() => {}))
    frame()
    expect(scheduler.isPending(id)).toBe(false)
    expect(scheduler.cancel(id)).toBe(false)
    expect(scheduler.diagnostics.poolUsed).toBe(0)
  })

  it('a thenable whose then() throws is reported as a rejection of that job', () => {
    const { scheduler, log, frame } = setup()
    const thenable = {
      then() {
        throw new Error('bad thenable')
      },
    }
    scheduler.enqueue(AI, () => thenable, { name: 'odd' })
    expect(frame()).toEqual(['error:odd'])
    expect(log).toEqual([])
    expect(scheduler.stats).toMatchObject({ inFlight: 0, settled: 1, rejected: 1 })
  })
})
