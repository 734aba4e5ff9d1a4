import type { Camera, Scene } from 'three'

/**
 * `Scene.onBeforeRender` as three's renderers call it: `WebGLRenderer` and
 * `WebGPURenderer` pass `(renderer, scene, camera, renderTarget)` after they
 * update the camera and before they cull.
 */
type BeforeRender = (renderer: unknown, scene: Scene, camera: Camera, renderTarget: unknown) => void

/**
 * The render hook of {@link FrustumCullingJob}: chains `scene.onBeforeRender`
 * (the scene's own hook first, then `observe(camera)`), so the job checks its
 * guards before every render, with the camera actually rendered (an XR
 * `ArrayCamera` included).
 *
 * @internal
 */
export class RenderHook {
  private readonly previous: BeforeRender
  private readonly hadOwn: boolean
  private readonly hook: BeforeRender

  constructor(
    private readonly scene: Scene,
    observe: (camera: Camera) => void,
  ) {
    const previous = scene.onBeforeRender as unknown as BeforeRender
    this.previous = previous
    this.hadOwn = Object.prototype.hasOwnProperty.call(scene, 'onBeforeRender')
    this.hook = (renderer, rendered, camera, renderTarget) => {
      previous.call(scene, renderer, rendered, camera, renderTarget)
      observe(camera)
    }
    ;(scene as unknown as { onBeforeRender: BeforeRender }).onBeforeRender = this.hook
  }

  /**
   * Puts the scene's own hook back. When the app replaced or wrapped the hook
   * since, ours stays in its chain: `observe` must then do nothing.
   */
  remove(): void {
    const scene = this.scene as unknown as { onBeforeRender?: unknown }
    if (scene.onBeforeRender !== this.hook) return
    if (this.hadOwn) scene.onBeforeRender = this.previous
    else delete scene.onBeforeRender
  }
}
