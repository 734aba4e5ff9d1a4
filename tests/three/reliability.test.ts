import { PerspectiveCamera, Scene } from 'three'
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import { BatchScheduler, BatchType, ManualClock } from '../../src/index.js'
import { RenderLoop, type RenderLoopErrorSource, type RenderLoopOptions, type RenderLoopXR } from '../../src/three/index.js'
import { FakeRenderer } from './FakeRenderer.js'

/**
 * RenderLoop under faults: a throwing update or render, WebGL context loss and
 * restore, WebXR sessions starting, changing frame rate and ending (with
 * `budget: 'auto'`), a hidden tab (timestamps jumping by 60 s), odd
 * timestamps. The loop must never lose more than the frame the fault is in.
 */

const { Transform, AI } = BatchType
const HZ60 = 1000 / 60

/** A stand-in for `renderer.xr`: presenting or not, with a session frame rate. */
class FakeXR implements RenderLoopXR {
  isPresenting = false
  session: { frameRate?: number } | null = null
  getSession(): { readonly frameRate?: number } | null {
    return this.session
  }
  start(frameRate?: number): void {
    this.isPresenting = true
    this.session = frameRate === undefined ? {} : { frameRate }
  }
  end(): void {
    this.isPresenting = false
    this.session = null
  }
}

/**
 * A loop on a fake renderer and a manual clock: the render costs `renderMs`
 * of clock time, an AI system uses whatever budget is left (sliced), and a
 * Transform system costs 0.2 ms. `frame(dt)` advances the timestamp and fires
 * the callback.
 */
function setup(options: RenderLoopOptions = {}, renderMs = 6) {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock })
  const renderer = new FakeRenderer()
  const xr = new FakeXR()
  renderer.xr = xr
  renderer.onRender = () => clock.advance(renderMs)
  const scene = new Scene()
  const camera = new PerspectiveCamera()
  const transforms = scheduler.addSystem(Transform, () => clock.advance(0.2), { name: 'transforms' })
  const ai = scheduler.addSystem(
    AI,
    (deadline) => {
      clock.advance(Math.max(0.05, deadline.timeRemaining()))
      return true
    },
    { name: 'agents', sliced: true },
  )
  const loop = new RenderLoop(renderer, scheduler, { scene, camera, ...options })
  loop.start()
  let time = 1000
  const frame = (dt = HZ60, xrFrame?: XRFrame): void => {
    time += dt
    renderer.frame(time, xrFrame)
  }
  return { clock, scheduler, renderer, xr, loop, frame, transforms, ai, now: () => time }
}

let errorSpy: MockInstance<typeof console.error>
beforeEach(() => {
  errorSpy = vi.spyOn(console, 'error').mockImplementation(() => {})
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('user callbacks that throw', () => {
  it('an update and a render that throw every frame: jobs still run, the loop goes on, each source printed once', () => {
    const seen: RenderLoopErrorSource[] = []
    let updates = 0
    const { scheduler, renderer, frame, loop, transforms } = setup({
      update: () => {
        updates++
        throw new Error('update broke')
      },
      onError: (_e, source) => seen.push(source),
    })
    renderer.onRender = () => {
      throw new Error('render broke')
    }
    for (let i = 0; i < 100; i++) frame()
    expect(updates).toBe(100)
    expect(scheduler.frame).toBe(100)
    expect(transforms.runs).toBe(100)
    expect(renderer.renders).toHaveLength(100)
    expect(loop.errors).toBe(200)
    expect(seen.filter((s) => s === 'update')).toHaveLength(100)
    expect(seen.filter((s) => s === 'render')).toHaveLength(100)
    expect(errorSpy).toHaveBeenCalledTimes(2)
    expect(loop.running).toBe(true)
  })

  it('an onError that throws is printed once and does not stop the loop', () => {
    const { frame, loop, scheduler, renderer } = setup({
      update: () => {
        throw new Error('update broke')
      },
      onError: () => {
        throw new Error('handler broke')
      },
    })
    for (let i = 0; i < 10; i++) frame()
    expect(scheduler.frame).toBe(10)
    expect(renderer.renders).toHaveLength(10)
    expect(loop.errors).toBe(10)
    expect(errorSpy.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringMatching(/^RenderLoop: update threw/),
      'RenderLoop: onError threw:',
    ])
  })

  it('a scheduler disposed by the app, or by a job, leaves a loop that keeps rendering without errors', () => {
    const { frame, loop, scheduler, renderer } = setup()
    scheduler.enqueue(AI, () => scheduler.dispose())
    for (let i = 0; i < 5; i++) frame()
    expect(scheduler.isDisposed).toBe(true)
    expect(renderer.renders).toHaveLength(5)
    expect(loop.errors).toBe(0)
  })
})

describe('WebGL context loss', () => {
  it('while lost: update runs, jobs and render are skipped, nothing ages; after restore no forced burst', () => {
    let updates = 0
    const { clock, frame, loop, scheduler, renderer } = setup({ update: () => void updates++, budget: 'auto' })
    for (let i = 0; i < 120; i++) frame()
    // A 50 ms job: once its cost is learned, the next one never fits and runs
    // only when it reaches its bound (30 drawn frames of waiting).
    scheduler.enqueue(AI, () => clock.advance(50), { name: 'big' })
    frame()
    let ranAt = -1
    scheduler.enqueue(
      AI,
      () => {
        ranAt = scheduler.frame
        clock.advance(50)
      },
      { name: 'big' },
    )
    const eligibleAt = scheduler.frame + 1
    frame()
    const budget = scheduler.budgetMs
    const frameBefore = scheduler.frame
    const rendersBefore = renderer.renders.length
    renderer.domElement.dispatchEvent(new Event('webglcontextlost'))
    expect(loop.contextLost).toBe(true)
    for (let i = 0; i < 600; i++) frame()
    expect(updates).toBe(122 + 600)
    expect(scheduler.frame).toBe(frameBefore)
    expect(renderer.renders).toHaveLength(rendersBefore)
    expect(scheduler.budgetMs).toBe(budget)
    renderer.domElement.dispatchEvent(new Event('webglcontextrestored'))
    expect(loop.contextLost).toBe(false)
    // One frame per callback, and the job had waited 2 frames, not 602: no forced run yet.
    frame()
    expect(scheduler.frame).toBe(frameBefore + 1)
    expect(scheduler.stats.last.forced).toBe(0)
    expect(ranAt).toBe(-1)
    expect(renderer.renders).toHaveLength(rendersBefore + 1)
    for (let i = 0; i < 40 && ranAt < 0; i++) frame()
    // It runs (forced) once it has waited its bound in frames the loop drew.
    expect(ranAt - eligibleAt).toBe(scheduler.getMaxDeferFrames(AI))
    expect(scheduler.stats.last.forced).toBe(1)
    expect(loop.errors).toBe(0)
  })

  it('losing the context twice, or disposing while lost, leaves no canvas listener', () => {
    const { renderer, loop, frame } = setup()
    renderer.domElement.dispatchEvent(new Event('webglcontextlost'))
    renderer.domElement.dispatchEvent(new Event('webglcontextlost'))
    frame()
    loop.dispose()
    expect(renderer.domElement.listeners.get('webglcontextlost')).toBe(0)
    expect(renderer.domElement.listeners.get('webglcontextrestored')).toBe(0)
    renderer.domElement.dispatchEvent(new Event('webglcontextrestored'))
    renderer.lateFrame(1e6)
    expect(loop.contextLost).toBe(true) // a disposed loop no longer listens
  })
})

describe("WebXR sessions with budget: 'auto'", () => {
  it('follows session start (90 Hz), a frame-rate change (72 Hz) and the end, one bounded step per frame', () => {
    const xrFrames: unknown[] = []
    const { frame, scheduler, xr, loop, ai } = setup({ budget: 'auto', update: (_d, _t, xrFrame) => void xrFrames.push(xrFrame) })
    const rule = loop.adaptiveBudget!
    const wanted = (hz: number): number => rule.targetFraction * (1000 / hz) - 6
    const steps: number[] = []
    const run = (count: number, dt: number, xrFrame?: XRFrame): void => {
      for (let i = 0; i < count; i++) {
        const before = scheduler.budgetMs
        frame(dt, xrFrame)
        const after = scheduler.budgetMs
        steps.push(after / before)
        expect(Number.isFinite(after)).toBe(true)
        expect(after).toBeGreaterThanOrEqual(rule.minMs)
        expect(after).toBeLessThanOrEqual(rule.maxMs)
      }
    }
    const near = (target: number): void => {
      expect(Math.abs(scheduler.budgetMs - target)).toBeLessThanOrEqual(rule.deadband * scheduler.budgetMs + 1e-9)
    }

    run(300, HZ60)
    near(wanted(60))

    // Session start: the headset takes 400 ms to show its first frame, then 90 Hz with XRFrames.
    const xrFrame = { session: 'fake' } as unknown as XRFrame
    xr.start(90)
    run(1, 400, xrFrame)
    run(120, 1000 / 90, xrFrame)
    near(wanted(90))
    expect(xrFrames.at(-1)).toBe(xrFrame)

    // The app lowers the session's frame rate (updateTargetFrameRate).
    xr.session = { frameRate: 72 }
    run(120, 1000 / 72, xrFrame)
    near(wanted(72))

    // Session end: back to the window's rAF, whose clock may be behind the XR one.
    xr.end()
    run(1, -5000)
    run(300, HZ60)
    near(wanted(60))

    // Never more than the rule's step per frame: +10 % up, -25 % down.
    for (const ratio of steps) {
      expect(ratio).toBeLessThanOrEqual(1 + rule.maxGrowth + 1e-9)
      expect(ratio).toBeGreaterThanOrEqual(1 - rule.maxShrink - 1e-9)
    }
    expect(ai.runs).toBe(scheduler.frame)
    expect(loop.errors).toBe(0)
  })

  it('a session without a known frame rate falls back to the measured interval', () => {
    const { frame, scheduler, xr, loop } = setup({ budget: 'auto' })
    for (let i = 0; i < 200; i++) frame()
    xr.start() // no frameRate (the browser does not support it)
    for (let i = 0; i < 300; i++) frame(1000 / 90)
    const rule = loop.adaptiveBudget!
    const target = rule.targetFraction * (1000 / 90) - 6
    expect(Math.abs(scheduler.budgetMs - target)).toBeLessThanOrEqual(rule.deadband * scheduler.budgetMs + 1e-9)
  })
})

describe('hidden tab: timestamps jump by 60 s', () => {
  it('no catch-up burst, no flood of forced runs, no pile-up, update gets maxDeltaMs', () => {
    const deltas: number[] = []
    const { frame, scheduler, loop, transforms, ai } = setup({ update: (d) => void deltas.push(d) })
    let produced = 0
    let consumed = 0
    // A producer in update: one cheap job a frame.
    const producer = (): void => {
      consumed++
    }
    const update = (): void => {
      produced++
      scheduler.enqueue(AI, producer, { name: 'work' })
    }
    scheduler.addFrameListener(update)
    for (let i = 0; i < 200; i++) frame()
    // Steady state: the AI system uses all the budget left, yet each 'work' job
    // runs the frame after it is queued (the system's next slice queues behind it).
    const depthBefore = scheduler.stats.last.totalQueueDepth
    let forcedBefore = scheduler.stats.forced
    for (let i = 0; i < 100; i++) frame()
    const steadyForced = scheduler.stats.forced - forcedBefore
    for (let gap = 0; gap < 5; gap++) {
      const framesBefore = scheduler.frame
      forcedBefore = scheduler.stats.forced
      frame(60_000)
      // One frame, not 3600 caught up; the app's update is told 250 ms, not 60 s.
      expect(scheduler.frame).toBe(framesBefore + 1)
      expect(deltas.at(-1)).toBe(loop.maxDeltaMs)
      expect(scheduler.stats.last.forced).toBeLessThanOrEqual(1)
      for (let i = 0; i < 99; i++) frame()
      expect(scheduler.stats.forced - forcedBefore).toBeLessThanOrEqual(steadyForced + 1)
      expect(scheduler.stats.last.totalQueueDepth).toBeLessThanOrEqual(depthBefore + 1)
    }
    expect(transforms.runs).toBe(scheduler.frame)
    expect(ai.runs).toBe(scheduler.frame)
    expect(produced - consumed).toBeLessThanOrEqual(2)
  })

  it("regression: with budget 'auto' the budget does not move at all across 60 s gaps (it rose 20 % and stayed 8 % up)", () => {
    const { frame, scheduler, loop } = setup({ budget: 'auto' })
    for (let i = 0; i < 400; i++) frame()
    const steady = scheduler.budgetMs
    expect(loop.adaptiveBudget!.isMoving).toBe(false)
    for (let gap = 0; gap < 5; gap++) {
      frame(60_000)
      for (let i = 0; i < 60; i++) {
        frame()
        expect(scheduler.budgetMs).toBe(steady)
      }
    }
  })

  it('regression: a NaN or Infinity timestamp does not turn every later delta into 0', () => {
    const deltas: number[] = []
    const { frame, renderer, now } = setup({ update: (d) => void deltas.push(d) })
    frame()
    frame()
    renderer.frame(NaN)
    renderer.frame(Infinity)
    frame()
    frame()
    expect(deltas[0]).toBe(0)
    expect(deltas[1]).toBeCloseTo(HZ60, 9)
    expect(deltas.slice(2, 4)).toEqual([0, 0])
    // Measured from the last finite timestamp (before the fix: 0 for ever).
    expect(deltas[4]).toBeCloseTo(HZ60, 9)
    expect(deltas[5]).toBeCloseTo(HZ60, 9)
    expect(now()).toBeGreaterThan(0)
  })
})
