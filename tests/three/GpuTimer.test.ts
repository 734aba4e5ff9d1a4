import { PerspectiveCamera, Scene } from 'three'
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import { BatchScheduler, BatchType, ManualClock } from '../../src/index.js'
import { GpuTimer, RenderLoop, type RenderLoopOptions } from '../../src/three/index.js'
import { GLFakeRenderer } from './FakeGL.js'
import { FakeRenderer, flush } from './FakeRenderer.js'

const FRAME = 1000 / 60

let errorSpy: MockInstance<typeof console.error>
beforeEach(() => {
  errorSpy = vi.spyOn(console, 'error').mockImplementation(() => {})
})
afterEach(() => {
  errorSpy.mockRestore()
})

function setup(options: RenderLoopOptions = {}, renderer = new GLFakeRenderer()) {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock })
  const scene = new Scene()
  const camera = new PerspectiveCamera()
  const loop = new RenderLoop(renderer, scheduler, { scene, camera, ...options })
  let time = 0
  const frame = () => {
    time += FRAME
    renderer.frame(time)
  }
  loop.start()
  return { clock, scheduler, renderer, loop, frame }
}

describe('RenderLoop: GPU time (WebGL2 timer queries)', () => {
  it('wraps each render in a TIME_ELAPSED query and reads the result frames later, never blocking', () => {
    const { renderer, loop, frame } = setup()
    expect(loop.gpuTiming).toBe('webgl2')
    frame()
    expect(renderer.timed).toEqual([true])
    expect(loop.timings.gpuMs).toBeNaN() // nothing back yet
    frame()
    frame()
    expect(loop.timings.gpuMs).toBeNaN() // still not available: not waited for (a blocking read would throw)
    expect(loop.gpuTimer?.inFlight).toBe(3)
    renderer.gl.complete(4) // frame 1's result arrives
    frame()
    expect(loop.timings.gpuMs).toBeCloseTo(4, 9)
    renderer.gl.complete(5)
    renderer.gl.complete(6)
    frame()
    // Both arrived: the newer one is shown.
    expect(loop.timings.gpuMs).toBeCloseTo(6, 9)
    expect(loop.gpuTimer?.measured).toBe(3)
    expect(renderer.timed.every(Boolean)).toBe(true)
  })

  it('reads results in order: a later result available before an earlier one waits for it', () => {
    const { renderer, loop, frame } = setup()
    frame()
    frame()
    const [first, second] = renderer.gl.inFlight
    ;(second as { available: boolean; ns: number }).available = true
    ;(second as { ns: number }).ns = 7e6
    frame()
    expect(loop.timings.gpuMs).toBeNaN()
    ;(first as { available: boolean; ns: number }).available = true
    ;(first as { ns: number }).ns = 3e6
    frame()
    expect(loop.timings.gpuMs).toBeCloseTo(7, 9)
  })

  it('drops results read back after a disjoint event', () => {
    const { renderer, loop, frame } = setup()
    frame()
    renderer.gl.complete(4)
    frame()
    expect(loop.timings.gpuMs).toBeCloseTo(4, 9)
    renderer.gl.complete(50) // a frame during which the GPU clock jumped
    renderer.gl.disjoint = true
    frame()
    expect(loop.timings.gpuMs).toBeCloseTo(4, 9) // kept the last good one
    expect(loop.gpuTimer?.dropped).toBe(1)
    renderer.gl.complete(5)
    frame()
    expect(loop.timings.gpuMs).toBeCloseTo(5, 9)
  })

  it('skips measuring when every query is in flight, and reuses queries once read', () => {
    const { renderer, loop, frame } = setup()
    for (let i = 0; i < 12; i++) frame()
    expect(renderer.gl.queries).toHaveLength(8)
    expect(loop.gpuTimer?.skipped).toBe(4)
    expect(renderer.timed.filter((t) => !t)).toHaveLength(4)
    while (renderer.gl.complete(2));
    frame()
    expect(loop.timings.gpuMs).toBeCloseTo(2, 9)
    expect(renderer.gl.queries).toHaveLength(8) // reused, none created
    expect(renderer.timed.at(-1)).toBe(true)
  })

  it('is NaN and issues no query without the extension', () => {
    const renderer = new GLFakeRenderer()
    renderer.gl.hasTimerQuery = false
    const { loop, frame } = setup({}, renderer)
    frame()
    frame()
    expect(loop.gpuTiming).toBe('none')
    expect(loop.timings.gpuMs).toBeNaN()
    expect(renderer.gl.begins).toBe(0)
  })

  it('is NaN with a renderer that has no context, and with gpuTiming: false', () => {
    const plain = setup({}, new FakeRenderer() as GLFakeRenderer)
    plain.frame()
    expect(plain.loop.gpuTiming).toBe('none')
    expect(plain.loop.timings.gpuMs).toBeNaN()
    const off = setup({ gpuTiming: false })
    off.frame()
    expect(off.loop.gpuTiming).toBe('none')
    expect(off.loop.gpuTimer).toBeNull()
    expect(off.renderer.gl.begins).toBe(0)
    expect(() => setup({ gpuTiming: 'yes' as unknown as boolean })).toThrow(/^RenderLoop: gpuTiming must be a boolean/)
  })

  it('ends the query even when the render throws', () => {
    const { renderer, loop, frame } = setup()
    renderer.onRender = () => {
      throw new Error('boom')
    }
    frame()
    frame()
    expect(renderer.gl.active).toBeNull()
    expect(renderer.gl.inFlight).toHaveLength(2)
    expect(loop.errors).toBe(2)
  })

  it('forgets queries lost with the context and starts again after restore', () => {
    const { renderer, loop, frame } = setup()
    frame()
    frame()
    renderer.domElement.dispatchEvent(new Event('webglcontextlost'))
    frame()
    expect(renderer.gl.inFlight).toHaveLength(2) // no render, no query while lost
    renderer.domElement.dispatchEvent(new Event('webglcontextrestored'))
    renderer.gl.inFlight.length = 0 // the old queries died with the context
    frame()
    expect(loop.gpuTimer?.inFlight).toBe(1)
    expect(loop.timings.gpuMs).toBeNaN()
    renderer.gl.complete(3)
    frame()
    expect(loop.timings.gpuMs).toBeCloseTo(3, 9)
  })

  it('dispose deletes the queries (twice is safe)', () => {
    const { renderer, loop, frame } = setup()
    frame()
    frame()
    loop.dispose()
    loop.dispose()
    expect(renderer.gl.deleted).toHaveLength(2)
    expect(loop.gpuTiming).toBe('none')
  })
})

/** Like WebGPURenderer with `trackTimestamp: true`: resolveTimestampsAsync resolves when the test says. */
class TimestampFakeRenderer extends FakeRenderer {
  readonly backend = { trackTimestamp: true }
  readonly resolves: ((ms: number | undefined) => void)[] = []
  readonly rejects: ((error: unknown) => void)[] = []
  resolveTimestampsAsync(type?: string): Promise<number | undefined> {
    if (type !== 'render') throw new Error('wrong type')
    return new Promise((resolve, reject) => {
      this.resolves.push(resolve)
      this.rejects.push(reject)
    })
  }
}

describe('RenderLoop: GPU time (WebGPURenderer timestamps)', () => {
  it('asks for the render timestamps after each render, one request at a time, and takes the resolved ms', async () => {
    const renderer = new TimestampFakeRenderer()
    const { loop, frame } = setup({}, renderer as unknown as GLFakeRenderer)
    expect(loop.gpuTiming).toBe('webgpu')
    frame()
    frame()
    expect(renderer.resolves).toHaveLength(1) // the first is still pending: no second request
    renderer.resolves[0]?.(2.5)
    await flush()
    frame()
    expect(loop.timings.gpuMs).toBe(2.5)
    expect(renderer.resolves).toHaveLength(2)
    renderer.rejects[1]?.(new Error('device lost'))
    await flush()
    frame()
    expect(loop.timings.gpuMs).toBe(2.5)
    expect(loop.gpuTimer?.dropped).toBe(1)
    renderer.resolves[2]?.(undefined) // nothing measured (e.g. the pool was empty)
    await flush()
    frame()
    expect(loop.timings.gpuMs).toBe(2.5)
  })

  it('is off when the WebGPU backend does not track timestamps', () => {
    const renderer = new TimestampFakeRenderer()
    ;(renderer.backend as { trackTimestamp: boolean }).trackTimestamp = false
    const { loop, frame } = setup({}, renderer as unknown as GLFakeRenderer)
    frame()
    expect(loop.gpuTiming).toBe('none')
    expect(renderer.resolves).toHaveLength(0)
  })
})

describe("RenderLoop: budget 'auto' and the GPU", () => {
  /** 30 Hz frames (the GPU is slow), CPU: update 1 ms + render 8 ms, a greedy job; the GPU reports `gpu.ms` per render. */
  function gpuBound() {
    const renderer = new GLFakeRenderer()
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const gpu = { ms: 30 }
    const loop = new RenderLoop(renderer, scheduler, {
      scene: new Scene(),
      camera: new PerspectiveCamera(),
      budget: 'auto',
      update: () => clock.advance(1),
    })
    renderer.onRender = () => {
      clock.advance(8)
      renderer.gl.complete(gpu.ms) // the previous render's result arrives now
    }
    scheduler.addSystem(BatchType.AI, (deadline) => {
        clock.advance(deadline.timeRemaining())
        return true
      },
      { sliced: true },
    )
    loop.start()
    let time = 0
    const run = (frames: number, interval = 2 * FRAME) => {
      for (let i = 0; i < frames; i++) {
        time += interval
        renderer.frame(time)
      }
    }
    return { scheduler, loop, gpu, run }
  }

  it('does not grow the budget while the GPU time is at least targetFraction × the frame interval', () => {
    const { scheduler, loop, run } = gpuBound()
    run(3) // the first GPU result is read at frame 3 (it arrives a frame late): one 10 % step before it
    const held = scheduler.budgetMs
    expect(held).toBeCloseTo(2.75, 9)
    run(200)
    // CPU alone would allow 0.75 × 33.3 − 9 = 16 ms (capped at 8): the GPU holds it.
    expect(loop.adaptiveBudget?.isGpuBound).toBe(true)
    expect(loop.adaptiveBudget?.gpuMs).toBeCloseTo(30, 6)
    expect(scheduler.budgetMs).toBe(held)
  })

  it('grows it again once the GPU is no longer the bottleneck', () => {
    const { scheduler, loop, gpu, run } = gpuBound()
    run(60)
    expect(scheduler.budgetMs).toBeLessThan(3)
    gpu.ms = 6
    run(200)
    expect(loop.adaptiveBudget?.isGpuBound).toBe(false)
    expect(scheduler.budgetMs).toBe(8)
  })

  it('still shrinks the budget while GPU-bound', () => {
    const { scheduler, run } = gpuBound()
    scheduler.budgetMs = 8
    run(1) // the first frame has no interval
    run(200, FRAME) // 60 Hz: wanted 0.75 × 16.7 − 9 = 3.5, and the GPU (30 ms) is the bottleneck
    expect(scheduler.budgetMs).toBeLessThan(3.5 * 1.1)
    expect(scheduler.budgetMs).toBeGreaterThanOrEqual(3.5 - 1e-9)
  })

  it('without GPU times the same frames grow the budget to the cap', () => {
    const renderer = new GLFakeRenderer()
    renderer.gl.hasTimerQuery = false
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const loop = new RenderLoop(renderer, scheduler, {
      scene: new Scene(),
      camera: new PerspectiveCamera(),
      budget: 'auto',
      update: () => clock.advance(1),
    })
    renderer.onRender = () => clock.advance(8)
    loop.start()
    for (let i = 1; i <= 200; i++) renderer.frame(i * 2 * FRAME)
    expect(scheduler.budgetMs).toBe(8)
    expect(loop.adaptiveBudget?.isGpuBound).toBe(false)
  })
})

describe('GpuTimer', () => {
  it('is mode none for anything that is not a renderer', () => {
    for (const r of [null, undefined, 3, {}, { getContext: () => null }, { getContext: () => { throw new Error('x') } }]) {
      const t = new GpuTimer(r)
      t.poll()
      t.begin()
      t.end()
      expect(t.mode).toBe('none')
      expect(t.lastMs).toBeNaN()
    }
  })
})
