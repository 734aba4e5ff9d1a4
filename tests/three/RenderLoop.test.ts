import { PerspectiveCamera, Group, Scene } from 'three'
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import { BatchScheduler, BatchType, ManualClock } from '../../src/index.js'
import { RenderLoop, type RenderLoopOptions, type RenderLoopErrorSource } from '../../src/three/index.js'
import { AsyncFakeRenderer, FakeRenderer } from './FakeRenderer.js'

const FRAME = 1000 / 60

function setup(options: RenderLoopOptions = {}, renderer = new FakeRenderer()) {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock })
  const scene = new Scene()
  const camera = new PerspectiveCamera()
  scene.add(camera)
  const log: string[] = []
  const loop = new RenderLoop(renderer, scheduler, { scene, camera, ...options })
  return { clock, scheduler, scene, camera, renderer, log, loop }
}

let errorSpy: MockInstance<typeof console.error>
beforeEach(() => {
  errorSpy = vi.spyOn(console, 'error').mockImplementation(() => {})
})
afterEach(() => {
  errorSpy.mockRestore()
})

describe('RenderLoop: frame order', () => {
  it('runs update, then the scheduler (systems, then frame listeners), then the render', () => {
    const log: string[] = []
    const { scheduler, renderer, loop } = setup({ update: () => log.push('update') })
    scheduler.addSystem(BatchType.Transform, () => void log.push('system'))
    scheduler.addFrameListener(() => log.push('frameListener'))
    renderer.onRender = () => log.push('render')
    loop.start()
    expect(renderer.loopCalls.length).toBe(1)
    expect(typeof renderer.loopCalls[0]).toBe('function')
    renderer.frame(0)
    renderer.frame(FRAME)
    expect(log).toEqual(['update', 'system', 'frameListener', 'render', 'update', 'system', 'frameListener', 'render'])
    expect(scheduler.frame).toBe(2)
    expect(loop.frames).toBe(2)
  })

  it('renders the given scene with the given camera by default', () => {
    const { renderer, loop, scene, camera } = setup()
    loop.start()
    renderer.frame(0)
    expect(renderer.renders).toHaveLength(1)
    expect(renderer.renders[0]?.scene).toBe(scene)
    expect(renderer.renders[0]?.camera).toBe(camera)
  })

  it('a render option replaces renderer.render', () => {
    const calls: number[] = []
    const renderer = new FakeRenderer()
    const scheduler = new BatchScheduler({ clock: new ManualClock() })
    const loop = new RenderLoop(renderer, scheduler, { render: (time) => calls.push(time) })
    loop.start()
    renderer.frame(5)
    renderer.frame(21)
    expect(calls).toEqual([5, 21])
    expect(renderer.renders).toHaveLength(0)
  })

  it("updates the camera's world matrix and its parents' before the jobs run", () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const scene = new Scene()
    const rig = new Group()
    const camera = new PerspectiveCamera()
    rig.add(camera)
    scene.add(rig)
    const seen: number[] = []
    const renderer = new FakeRenderer()
    let n = 0
    const loop = new RenderLoop(renderer, scheduler, {
      scene,
      camera,
      update: () => {
        n++
        rig.position.x = 10 * n
        camera.position.x = n
      },
    })
    // A culling-like job reads the camera's world position and view matrix.
    scheduler.addSystem(BatchType.Visibility, () => {
      seen.push(camera.matrixWorld.elements[12] as number, -(camera.matrixWorldInverse.elements[12] as number))
    })
    loop.start()
    renderer.frame(0)
    renderer.frame(FRAME)
    expect(seen).toEqual([11, 11, 22, 22])
  })

  it('passes the XRFrame through to update and render', () => {
    const xrFrame = { session: {} } as unknown as XRFrame
    const got: unknown[] = []
    const renderer = new FakeRenderer()
    const loop = new RenderLoop(renderer, new BatchScheduler({ clock: new ManualClock() }), {
      update: (_d, time, frame) => got.push('update', time, frame),
      render: (time, frame) => got.push('render', time, frame),
    })
    loop.start()
    renderer.frame(100, xrFrame)
    renderer.frame(111)
    expect(got).toEqual(['update', 100, xrFrame, 'render', 100, xrFrame, 'update', 111, undefined, 'render', 111, undefined])
  })
})

describe('RenderLoop: delta', () => {
  it('is 0 on the first frame, the timestamp difference after, clamped to maxDeltaMs, never negative', () => {
    const deltas: number[] = []
    const { renderer, loop } = setup({ maxDeltaMs: 100, update: (d) => deltas.push(d) })
    loop.start()
    renderer.frame(1000)
    renderer.frame(1016)
    renderer.frame(1050)
    renderer.frame(6050) // hidden tab: 5 s gap
    renderer.frame(6040) // timestamp went back (new time origin)
    renderer.frame(6050)
    expect(deltas).toEqual([0, 16, 34, 100, 0, 10])
    expect(loop.timings.deltaMs).toBe(10)
  })

  it('passes its clamped delta to scheduler.runFrame, so fixed-step systems step by the frame\'s time (issue 15)', () => {
    const { renderer, loop, scheduler } = setup({ maxDeltaMs: 100 })
    const runFrame = vi.spyOn(scheduler, 'runFrame')
    const steps: number[] = []
    scheduler.addFixedSystem(BatchType.Physics, (stepMs) => void steps.push(stepMs), { stepMs: 10, maxSteps: 20 })
    loop.start()
    renderer.frame(1000)
    renderer.frame(1030)
    renderer.frame(9000) // a 8 s gap: clamped to 100 ms
    expect(runFrame.mock.calls).toEqual([[0], [30], [100]])
    expect(steps).toHaveLength(13)
  })

  it('defaults maxDeltaMs to 250', () => {
    const deltas: number[] = []
    const { renderer, loop } = setup({ update: (d) => deltas.push(d) })
    expect(loop.maxDeltaMs).toBe(250)
    loop.start()
    renderer.frame(0)
    renderer.frame(249)
    renderer.frame(10_000)
    expect(deltas).toEqual([0, 249, 250])
  })

  it('restarts at 0 after stop() and start()', () => {
    const deltas: number[] = []
    const { renderer, loop } = setup({ update: (d) => deltas.push(d) })
    loop.start()
    renderer.frame(0)
    renderer.frame(16)
    loop.stop()
    loop.start()
    renderer.frame(5000)
    renderer.frame(5016)
    expect(deltas).toEqual([0, 16, 0, 16])
  })
})

describe('RenderLoop: timings', () => {
  it('measures update, jobs, render and the whole frame with the scheduler clock, in one object', () => {
    const { clock, scheduler, renderer, loop } = setup({ update: () => clock.advance(1) })
    scheduler.addSystem(BatchType.Physics, () => clock.advance(2), { weight: 0.5 })
    renderer.onRender = () => clock.advance(3)
    const timings = loop.timings
    loop.start()
    renderer.frame(0)
    expect(timings).toEqual({ deltaMs: 0, updateMs: 1, jobsMs: 2, renderMs: 3, frameMs: 6, gpuMs: NaN })
    renderer.frame(FRAME)
    expect(loop.timings).toBe(timings)
    expect(timings.deltaMs).toBeCloseTo(FRAME, 9)
    expect(timings.frameMs).toBe(6)
  })

  it('a reader inside the frame (a frame listener, the devtools) sees the last complete frame', () => {
    const { clock, scheduler, renderer, loop } = setup({ update: () => clock.advance(1) })
    scheduler.addSystem(BatchType.Physics, () => clock.advance(2), { weight: 0.5 })
    renderer.onRender = () => clock.advance(3)
    const seen: number[][] = []
    scheduler.addFrameListener(() => {
      const t = loop.timings
      seen.push([t.updateMs, t.jobsMs, t.renderMs, t.frameMs])
    })
    loop.start()
    renderer.frame(0)
    renderer.frame(FRAME)
    expect(seen).toEqual([
      [0, 0, 0, 0],
      [1, 2, 3, 6],
    ])
  })
})

describe('RenderLoop: start, stop, dispose', () => {
  it('start and stop toggle setAnimationLoop and running; repeated calls do nothing', () => {
    const { renderer, loop } = setup()
    expect(loop.running).toBe(false)
    loop.start()
    loop.start()
    expect(loop.running).toBe(true)
    expect(renderer.loopCalls).toHaveLength(1)
    loop.stop()
    loop.stop()
    expect(loop.running).toBe(false)
    expect(renderer.loopCalls).toEqual([renderer.lastCallback, null])
    loop.start()
    expect(renderer.loopCalls).toHaveLength(3)
    expect(renderer.loopCalls[2]).toBe(renderer.loopCalls[0]) // one callback for the loop's life
  })

  it('ignores a callback that arrives after stop()', () => {
    const { renderer, loop, scheduler } = setup()
    loop.start()
    renderer.frame(0)
    loop.stop()
    renderer.lateFrame(16)
    expect(renderer.renders).toHaveLength(1)
    expect(scheduler.frame).toBe(1)
  })

  it('dispose twice calls setAnimationLoop(null) once; later callbacks run nothing; the scheduler is not disposed', () => {
    let updates = 0
    const { renderer, loop, scheduler } = setup({ update: () => updates++ })
    loop.start()
    renderer.frame(0)
    loop.dispose()
    loop.dispose()
    expect(renderer.nullCalls).toBe(1)
    expect(renderer.loopCalls).toHaveLength(2)
    expect(loop.running).toBe(false)
    expect(loop.isDisposed).toBe(true)
    renderer.lateFrame(16)
    renderer.lateFrame(32)
    expect(updates).toBe(1)
    expect(renderer.renders).toHaveLength(1)
    expect(scheduler.frame).toBe(1)
    expect(scheduler.isDisposed).toBe(false)
    expect(loop.frames).toBe(1)
  })

  it('start() after dispose() throws a clear error; stop() after dispose() is harmless', () => {
    const { loop } = setup()
    loop.dispose()
    expect(() => loop.start()).toThrow(/^RenderLoop\.start: the loop was disposed/)
    expect(() => loop.stop()).not.toThrow()
  })

  it('removes its canvas listeners on dispose', () => {
    const { renderer, loop } = setup()
    expect(renderer.domElement.listeners.get('webglcontextlost')).toBe(1)
    expect(renderer.domElement.listeners.get('webglcontextrestored')).toBe(1)
    loop.dispose()
    loop.dispose()
    expect(renderer.domElement.listeners.get('webglcontextlost')).toBe(0)
    expect(renderer.domElement.listeners.get('webglcontextrestored')).toBe(0)
  })

  it('an update that stops the loop skips that frame’s jobs and render', () => {
    const log: string[] = []
    const { renderer, loop, scheduler } = setup({ update: () => loop.dispose() })
    scheduler.addSystem(BatchType.AI, () => void log.push('job'))
    loop.start()
    renderer.frame(0)
    expect(log).toEqual([])
    expect(renderer.renders).toHaveLength(0)
  })
})

describe('RenderLoop: errors', () => {
  it('a throwing update is reported once, counted, and neither the jobs, the render nor the next frame stop', () => {
    const log: string[] = []
    const errors: [unknown, RenderLoopErrorSource][] = []
    const boom = new Error('update boom')
    const { renderer, loop, scheduler } = setup({
      update: () => {
        log.push('update')
        throw boom
      },
      onError: (error, source) => errors.push([error, source]),
    })
    scheduler.addSystem(BatchType.AI, () => void log.push('job'))
    renderer.onRender = () => log.push('render')
    loop.start()
    renderer.frame(0)
    renderer.frame(FRAME)
    renderer.frame(2 * FRAME)
    expect(log).toEqual(['update', 'job', 'render', 'update', 'job', 'render', 'update', 'job', 'render'])
    expect(loop.errors).toBe(3)
    expect(errors).toEqual([
      [boom, 'update'],
      [boom, 'update'],
      [boom, 'update'],
    ])
    expect(errorSpy).toHaveBeenCalledTimes(1)
    expect(String(errorSpy.mock.calls[0]?.[0])).toMatch(/^RenderLoop: update threw/)
    expect(errorSpy.mock.calls[0]?.[1]).toBe(boom)
  })

  it('a throwing render is reported once per source and later frames still run', () => {
    let updates = 0
    let renders = 0
    const { renderer, loop } = setup({
      update: () => {
        updates++
        if (updates === 2) throw new Error('update once')
      },
    })
    renderer.onRender = () => {
      renders++
      throw new Error('render boom')
    }
    loop.start()
    for (let i = 0; i < 4; i++) renderer.frame(i * FRAME)
    expect(updates).toBe(4)
    expect(renders).toBe(4)
    expect(loop.errors).toBe(5)
    expect(errorSpy).toHaveBeenCalledTimes(2) // one for render, one for update
    expect(errorSpy.mock.calls.map((c) => String(c[0]).split(' ')[1])).toEqual(['render', 'update'])
  })
})

describe('RenderLoop: async setAnimationLoop (WebGPURenderer)', () => {
  it('runs frames once the renderer has initialised', async () => {
    const renderer = new AsyncFakeRenderer()
    const log: string[] = []
    const { loop } = setup({ update: () => log.push('update') }, renderer)
    renderer.onRender = () => log.push('render')
    loop.start()
    expect(loop.running).toBe(true)
    renderer.frame(0) // not installed yet
    expect(log).toEqual([])
    await renderer.finishInit()
    renderer.frame(0)
    renderer.frame(FRAME)
    expect(log).toEqual(['update', 'render', 'update', 'render'])
    loop.dispose()
    await renderer.finishInit()
    expect(renderer.callback).toBeNull()
    expect(loop.errors).toBe(0)
  })

  it('start then dispose before init ends with no loop installed, and a stale callback is ignored', async () => {
    const renderer = new AsyncFakeRenderer()
    const { loop } = setup({}, renderer)
    loop.start()
    loop.dispose()
    await renderer.finishInit()
    expect(renderer.callback).toBeNull()
    renderer.lateFrame(0)
    expect(renderer.renders).toHaveLength(0)
  })

  it('a rejected setAnimationLoop is reported and the loop is no longer running', async () => {
    const renderer = new AsyncFakeRenderer()
    const sources: RenderLoopErrorSource[] = []
    const { loop } = setup({ onError: (_e, source) => sources.push(source) }, renderer)
    loop.start()
    await renderer.failInit(new Error('no WebGPU, no WebGL2'))
    expect(sources).toEqual(['setAnimationLoop'])
    expect(loop.errors).toBe(1)
    expect(loop.running).toBe(false)
    expect(errorSpy).toHaveBeenCalledTimes(1)
  })
})

describe('RenderLoop: WebGL context loss', () => {
  it('while lost, update runs but the scheduler and render are skipped; restored resumes them', () => {
    const log: string[] = []
    const { renderer, loop, scheduler, clock } = setup({ update: () => log.push('update') })
    scheduler.addSystem(BatchType.AI, () => void log.push('job'))
    renderer.onRender = () => {
      log.push('render')
      clock.advance(3)
    }
    loop.start()
    renderer.frame(0)
    renderer.domElement.dispatchEvent(new Event('webglcontextlost'))
    expect(loop.contextLost).toBe(true)
    renderer.frame(FRAME)
    renderer.frame(2 * FRAME)
    expect(loop.timings.renderMs).toBe(0)
    expect(loop.timings.jobsMs).toBe(0)
    expect(scheduler.frame).toBe(1)
    renderer.domElement.dispatchEvent(new Event('webglcontextrestored'))
    expect(loop.contextLost).toBe(false)
    renderer.frame(3 * FRAME)
    expect(log).toEqual(['update', 'job', 'render', 'update', 'update', 'update', 'job', 'render'])
    expect(scheduler.frame).toBe(2)
    expect(loop.timings.renderMs).toBe(3)
  })

  it('works with a renderer that has no domElement', () => {
    const renderer = { setAnimationLoop: vi.fn(), render: vi.fn() }
    const loop = new RenderLoop(renderer, new BatchScheduler({ clock: new ManualClock() }), {
      scene: new Scene(),
      camera: new PerspectiveCamera(),
    })
    loop.start()
    const cb = renderer.setAnimationLoop.mock.calls[0]?.[0] as (t: number) => void
    cb(0)
    expect(renderer.render).toHaveBeenCalledTimes(1)
    loop.dispose()
    expect(renderer.setAnimationLoop).toHaveBeenLastCalledWith(null)
  })
})

describe('RenderLoop: options', () => {
  it('rejects a bad renderer, scheduler or option with a named error', () => {
    const scheduler = new BatchScheduler({ clock: new ManualClock() })
    const renderer = new FakeRenderer()
    const scene = new Scene()
    const camera = new PerspectiveCamera()
    expect(() => new RenderLoop({} as FakeRenderer, scheduler, { scene, camera })).toThrow(/^RenderLoop: renderer must/)
    expect(() => new RenderLoop(renderer, {} as BatchScheduler, { scene, camera })).toThrow(/^RenderLoop: scheduler must/)
    expect(() => new RenderLoop(renderer, scheduler, { scene })).toThrow(/^RenderLoop: scene and camera are required/)
    expect(() => new RenderLoop(renderer, scheduler, { scene, camera: scene as unknown as PerspectiveCamera })).toThrow(
      /^RenderLoop: camera must be a THREE.Camera/,
    )
    expect(() => new RenderLoop(renderer, scheduler, { scene, camera, maxDeltaMs: 0 })).toThrow(/^RenderLoop: maxDeltaMs/)
    expect(() => new RenderLoop(renderer, scheduler, { scene, camera, maxDeltaMs: NaN })).toThrow(/^RenderLoop: maxDeltaMs/)
    expect(() => new RenderLoop(renderer, scheduler, { scene, camera, budget: -1 })).toThrow(/^RenderLoop: budget/)
    expect(() => new RenderLoop(renderer, scheduler, { scene, camera, budget: 'fast' as 'auto' })).toThrow(/^RenderLoop: budget/)
    expect(() => new RenderLoop(renderer, scheduler, { scene, camera, budget: { minMs: 0 } })).toThrow(/^AdaptiveBudget: minMs/)
    expect(() => new RenderLoop(renderer, scheduler, { scene, camera, update: 1 as unknown as () => void })).toThrow(
      /^RenderLoop: update must be a function/,
    )
  })

  it('a number budget is set on the scheduler once and left alone', () => {
    const { scheduler, renderer, loop } = setup({ budget: 4 })
    expect(scheduler.budgetMs).toBe(4)
    expect(loop.autoBudget).toBe(false)
    expect(loop.adaptiveBudget).toBeNull()
    loop.start()
    scheduler.budgetMs = 1.5
    for (let i = 0; i < 10; i++) renderer.frame(i * FRAME)
    expect(scheduler.budgetMs).toBe(1.5)
  })
})

/**
 * A 60 Hz loop with `budget: 'auto'` where update costs `cost.updateMs`, the
 * render `cost.renderMs`, and a greedy sliced job uses whatever budget it gets.
 */
function adaptiveSetup(options: RenderLoopOptions = {}, renderer = new FakeRenderer()) {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock })
  const scene = new Scene()
  const camera = new PerspectiveCamera()
  const cost = { updateMs: 1, renderMs: 8 }
  const budgets: number[] = []
  let time = 0
  const loop = new RenderLoop(renderer, scheduler, {
    scene,
    camera,
    budget: 'auto',
    update: () => clock.advance(cost.updateMs),
    ...options,
  })
  renderer.onRender = () => clock.advance(cost.renderMs)
  scheduler.addSystem(
    BatchType.AI,
    (deadline) => {
      clock.advance(deadline.timeRemaining())
      return true
    },
    { sliced: true },
  )
  loop.start()
  const run = (frames: number, intervalMs = () => FRAME) => {
    for (let i = 0; i < frames; i++) {
      time += intervalMs()
      renderer.frame(time)
      budgets.push(scheduler.budgetMs)
    }
  }
  return { clock, scheduler, renderer, loop, cost, budgets, run }
}

describe("RenderLoop: budget 'auto'", () => {
  it('converges to 0.75 × 16.67 − render − update at a steady 60 Hz, and the CPU total meets the target', () => {
    const { run, scheduler, loop } = adaptiveSetup()
    run(60)
    const expected = 0.75 * FRAME - 8 - 1
    expect(scheduler.budgetMs).toBeCloseTo(expected, 6)
    expect(loop.timings.jobsMs).toBeCloseTo(expected, 6)
    expect(loop.timings.frameMs).toBeCloseTo(0.75 * FRAME, 6)
  })

  it('shrinks the budget when the render cost spikes, but never below the floor', () => {
    const { run, scheduler, cost, budgets } = adaptiveSetup()
    run(60)
    const before = scheduler.budgetMs
    cost.renderMs = 11 // 0.75 × 16.67 − 12 < 0.5
    run(3)
    expect(scheduler.budgetMs).toBeLessThan(before * 0.6)
    run(60)
    // At rest within the dead band (10 %) of the floor, never under it.
    expect(scheduler.budgetMs).toBeGreaterThanOrEqual(0.5)
    expect(scheduler.budgetMs).toBeLessThanOrEqual(0.55)
    cost.renderMs = 30
    run(30)
    expect(scheduler.budgetMs).toBeLessThanOrEqual(0.55)
    expect(Math.min(...budgets)).toBeGreaterThanOrEqual(0.5)
  })

  it('never exceeds the cap when the rest of the frame is free', () => {
    const { run, cost, budgets, scheduler } = adaptiveSetup()
    cost.renderMs = 0
    cost.updateMs = 0
    run(100)
    expect(scheduler.budgetMs).toBe(8)
    expect(Math.max(...budgets)).toBe(8)
  })

  it('does not oscillate under alternating noise in the interval and the render cost', () => {
    const { run, cost, budgets, renderer, clock } = adaptiveSetup()
    let flip = false
    renderer.onRender = () => {
      flip = !flip
      clock.advance(cost.renderMs + (flip ? 0.5 : -0.5))
    }
    run(1000, () => FRAME + (flip ? 1 : -1))
    const tail = budgets.slice(200)
    let changes = 0
    for (let i = 1; i < tail.length; i++) if (tail[i] !== tail[i - 1]) changes++
    expect(changes).toBe(0)
    expect(tail[0]).toBeGreaterThan(0.8 * (0.75 * FRAME - 9))
    expect(tail[0]).toBeLessThan(1.1 * (0.75 * FRAME - 9))
  })

  it("uses the XR session's frame rate while presenting", () => {
    const renderer = new FakeRenderer()
    renderer.xr = { isPresenting: true, getSession: () => ({ frameRate: 90 }) }
    const { run, scheduler, cost } = adaptiveSetup({}, renderer)
    cost.renderMs = 4
    run(60) // timestamps still 60 Hz apart: the session's rate wins
    expect(scheduler.budgetMs).toBeCloseTo(0.75 * (1000 / 90) - 4 - 1, 6)
  })

  it('takes AdaptiveBudgetOptions, and autoBudget can be turned off and on', () => {
    const { run, scheduler, loop, cost } = adaptiveSetup({ budget: { targetFraction: 0.6, maxMs: 2 } })
    cost.renderMs = 0
    run(60)
    expect(scheduler.budgetMs).toBe(2)
    expect(loop.adaptiveBudget?.maxMs).toBe(2)
    loop.autoBudget = false
    scheduler.budgetMs = 5
    run(10)
    expect(scheduler.budgetMs).toBe(5)
    loop.autoBudget = true
    run(30)
    expect(scheduler.budgetMs).toBe(2)
  })
})
