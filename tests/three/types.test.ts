import type { PerspectiveCamera, Scene, WebGLRenderer } from 'three'
import type { WebGPURenderer } from 'three/webgpu'
import { describe, expectTypeOf, it } from 'vitest'
import type { BatchScheduler } from '../../src/index.js'
import { RenderLoop, type RenderLoopOptions, type RenderLoopRenderer } from '../../src/three/index.js'

// Type-level checks, enforced by `tsc --noEmit -p .` (no WebGL in Node, so nothing is constructed).
function _construct(webgl: WebGLRenderer, webgpu: WebGPURenderer, scheduler: BatchScheduler, scene: Scene, camera: PerspectiveCamera) {
  const a = new RenderLoop(webgl, scheduler, { scene, camera, budget: 'auto' })
  const b = new RenderLoop(webgpu, scheduler, { scene, camera, update: (_deltaMs, _time, _xrFrame) => {} })
  // @ts-expect-error a canvas is not a renderer
  const c = new RenderLoop(webgl.domElement, scheduler, { scene, camera })
  return { a, b, c }
}

describe('RenderLoop types', () => {
  it('accepts THREE.WebGLRenderer and WebGPURenderer (three/webgpu) as its renderer', () => {
    expectTypeOf<WebGLRenderer>().toExtend<RenderLoopRenderer>()
    expectTypeOf<WebGPURenderer>().toExtend<RenderLoopRenderer>()
    type Built = ReturnType<typeof _construct>
    expectTypeOf<Built['a']['renderer']>().toExtend<WebGLRenderer>()
    expectTypeOf<Built['b']['renderer']>().toExtend<WebGPURenderer>()
  })

  it('rejects what is not a renderer', () => {
    expectTypeOf<{ render(): void }>().not.toExtend<RenderLoopRenderer>()
    expectTypeOf<{ setAnimationLoop(cb: null): void }>().not.toExtend<RenderLoopRenderer>()
    expectTypeOf<HTMLCanvasElement>().not.toExtend<RenderLoopRenderer>()
  })

  it('types the callbacks: deltaMs, time and the optional XRFrame', () => {
    type Update = NonNullable<RenderLoopOptions['update']>
    type Render = NonNullable<RenderLoopOptions['render']>
    expectTypeOf<Update>().parameter(0).toEqualTypeOf<number>()
    expectTypeOf<Update>().parameter(1).toEqualTypeOf<number>()
    expectTypeOf<Update>().parameter(2).toEqualTypeOf<XRFrame | undefined>()
    expectTypeOf<Render>().parameter(1).toEqualTypeOf<XRFrame | undefined>()
  })
})
