import type { Camera, Object3D, Texture } from 'three'
import type { IdleRunner } from './idle.js'

/**
 * What `GpuWarmupJob` calls on the renderer: `THREE.WebGLRenderer` and
 * `WebGPURenderer` (`three/webgpu`) both have these.
 */
export interface GpuWarmupRenderer {
  /** Compiles the programs `object` needs, lit by `scene`'s lights; resolves once they are ready to draw. */
  compileAsync(object: Object3D, camera: Camera, scene?: Object3D | null): PromiseLike<unknown>
  /** Uploads a texture now. */
  initTexture(texture: Texture): void
  /** WebGPURenderer: false until `init()` has resolved (`initTexture` throws before). */
  hasInitialized?(): boolean
}

/** Options of `GpuWarmupJob`. */
export interface GpuWarmupJobOptions {
  /** The scene drawn: objects added anywhere under it are warmed up; its lights light the compiled programs. */
  scene: Object3D
  /** The camera the scene is drawn with (programs can depend on it, e.g. logarithmic depth). */
  camera: Camera
  /**
   * Hold a new object invisible (`visible = false` on the object added) until
   * its programs are compiled and its textures uploaded, then show it again.
   * With false the job only pre-warms: the object is drawn at once and what
   * is not ready yet is compiled or uploaded by that draw, as without the job.
   * @default true
   */
  hideUntilReady?: boolean
  /** Name of the system in stats, errors and the devtools. @default 'gpuWarmup' */
  name?: string
  /** Expected cost as a fraction of the budget (0..1). The system is sliced. @default 0.2 */
  weight?: number
  /**
   * Most frames an object is held invisible: after that it is shown with its
   * resources still pending (a texture whose image never loads must not hide
   * an object for ever). An integer ≥ 1.
   * @default 600
   */
  maxHoldFrames?: number
  /**
   * Where the work runs: `compileAsync`'s synchronous part (three builds
   * the shader sources and issues the compile: a few ms a program that
   * cannot be split, longer while the GPU process is behind), `initTexture`,
   * and three's first use of a linked program (WebGL2 without parallel
   * compile). By default, in the browser, between frames when the main
   * thread is idle (`requestIdleCallback`; each step started only while its
   * learned cost fits the idle time left, at least one per callback; a
   * request not run within 100 ms runs anyway; the callback asks for the
   * next idle period while work waits), so a frame's jobs keep to the
   * budget; once a step's cost was measured there, also in the job's slices
   * while the longest one measured fits them (a main thread that is never
   * idle, as with an uncapped frame rate, would otherwise get one step per
   * 100 ms; see `GpuWarmupStats.maxCompileMs`, `maxFirstUseMs`). `null`, or where there is
   * no `requestIdleCallback` (Node): all in the job's budgeted slices, the
   * first upload or compile of a frame always going. Any function that runs
   * a callback once later with a `timeRemaining()` will do.
   */
  idle?: IdleRunner | null
}

