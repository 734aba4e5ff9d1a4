import type { Camera, Object3D } from 'three'
import type { AnimationLoopCallback, RenderLoopRenderer, RenderLoopXR } from '../../src/three/index.js'

/**
 * A renderer without WebGL: records `setAnimationLoop` and `render` calls and
 * lets the test fire the animation-loop callback by hand with a timestamp.
 */
export class FakeRenderer implements RenderLoopRenderer {
  /** Every argument `setAnimationLoop` was called with, in order. */
  readonly loopCalls: (AnimationLoopCallback | null)[] = []
  /** The installed callback (null after `setAnimationLoop(null)`). */
  callback: AnimationLoopCallback | null = null
  /** The last non-null callback ever installed, kept to simulate a late frame. */
  lastCallback: AnimationLoopCallback | null = null
  /** Every render call. */
  readonly renders: { scene: Object3D; camera: Camera }[] = []
  /** Called inside `render` (log, advance a clock, throw). */
  onRender: (() => void) | null = null
  readonly domElement = new CountingTarget()
  xr: RenderLoopXR | null = null

  setAnimationLoop(callback: AnimationLoopCallback | null): void | PromiseLike<void> {
    this.loopCalls.push(callback)
    this.install(callback)
  }

  render(scene: Object3D, camera: Camera): void {
    this.renders.push({ scene, camera })
    this.onRender?.()
  }

  /** Fires the installed callback, as the browser would at a vsync. */
  frame(time: number, xrFrame?: XRFrame): void {
    if (this.callback !== null) this.callback(time, xrFrame)
  }

  /** Fires the last callback ever installed, even if it was removed since. */
  lateFrame(time: number): void {
    this.lastCallback?.(time)
  }

  /** Number of `setAnimationLoop(null)` calls. */
  get nullCalls(): number {
    return this.loopCalls.filter((c) => c === null).length
  }

  protected install(callback: AnimationLoopCallback | null): void {
    this.callback = callback
    if (callback !== null) this.lastCallback = callback
  }
}

/**
 * Like `WebGPURenderer`: `setAnimationLoop` is async and only installs the
 * callback once `init()` has resolved (or rejects if init fails).
 */
export class AsyncFakeRenderer extends FakeRenderer {
  private resolveInit!: () => void
  private rejectInit!: (error: unknown) => void
  private readonly init = new Promise<void>((resolve, reject) => {
    this.resolveInit = resolve
    this.rejectInit = reject
  })

  override setAnimationLoop(callback: AnimationLoopCallback | null): Promise<void> {
    this.loopCalls.push(callback)
    return this.init.then(() => this.install(callback))
  }

  finishInit(): Promise<void> {
    this.resolveInit()
    return flush()
  }

  failInit(error: unknown): Promise<void> {
    this.rejectInit(error)
    return flush()
  }
}

/** An EventTarget that counts its listeners per event type. */
export class CountingTarget extends EventTarget {
  readonly listeners = new Map<string, number>()

  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void {
    this.listeners.set(type, (this.listeners.get(type) ?? 0) + 1)
    super.addEventListener(type, listener, options)
  }

  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void {
    this.listeners.set(type, (this.listeners.get(type) ?? 0) - 1)
    super.removeEventListener(type, listener, options)
  }
}

/** Lets pending Promise reactions run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}
