import type { Camera, Material, Mesh, Object3D, Texture } from 'three'
import type { ManualClock } from '../../src/index.js'
import type { GpuWarmupRenderer } from '../../src/jobs/index.js'
import { textureBytes } from '../../src/jobs/warmup/textures.js'

/** A pending `compileAsync` call, resolved or rejected by the test. */
export interface CompileCall {
  readonly object: Object3D
  readonly camera: Camera
  readonly scene: Object3D | null | undefined
  /** `object.visible` during the call. */
  readonly visibleDuringCall: boolean
  resolve(): void
  reject(error: unknown): void
}

/**
 * A renderer without a GPU: `compileAsync` costs `compileMs` of ManualClock
 * time in its synchronous part and returns a Promise the test settles;
 * `initTexture` costs `msPerMiB` per MiB of the texture (as the job
 * estimates it) and records the texture. A log records both in order.
 */
export class FakeWarmupRenderer implements GpuWarmupRenderer {
  readonly compiles: CompileCall[] = []
  readonly uploads: Texture[] = []
  readonly log: string[] = []
  compileMs = 0.2
  msPerMiB = 1
  /** Like WebGPURenderer before init(): initTexture throws. Undefined: no hasInitialized (WebGLRenderer). */
  initialized: boolean | undefined = undefined

  constructor(private readonly clock: ManualClock) {}

  compileAsync(object: Object3D, camera: Camera, scene?: Object3D | null): Promise<unknown> {
    this.clock.advance(this.compileMs)
    const material = (object as Mesh).material as Material
    this.log.push(`compile ${material.name}`)
    return new Promise((resolve, reject) => {
      this.compiles.push({ object, camera, scene, visibleDuringCall: object.visible, resolve: () => resolve(object), reject })
    })
  }

  initTexture(texture: Texture): void {
    if (this.initialized === false) throw new Error('THREE.Renderer: .initTexture() called before the backend is initialized')
    this.clock.advance((textureBytes(texture) / (1 << 20)) * this.msPerMiB)
    this.uploads.push(texture)
    this.log.push(`upload ${texture.name}`)
  }

  hasInitialized?: () => boolean

  /** Resolves every compile call made so far. */
  resolveAll(): void {
    for (const call of this.compiles.splice(0)) call.resolve()
  }
}
