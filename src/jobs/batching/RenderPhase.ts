import type { Scene } from 'three'

type Hook = (a: unknown, b: unknown, c: unknown, d: unknown) => void

/**
 * Knows whether `scene` is being rendered right now: it wraps the scene's
 * `onBeforeRender` / `onAfterRender` (which `WebGLRenderer.render` and
 * `WebGPURenderer` call around the whole render, shadow maps included),
 * calling the app's own hooks through. {@link RenderPhase.ensure} wraps again
 * a hook the app assigned later; {@link RenderPhase.dispose} puts back what it
 * wrapped. Used by the batching job to keep batched meshes out of the
 * renderer's lists and in the raycaster's.
 * @internal
 */
export class RenderPhase {
  /** True between the scene's `onBeforeRender` and `onAfterRender`. */
  rendering = false
  private readonly scene: Scene
  private savedBefore: Hook | null = null
  private savedAfter: Hook | null = null
  private ownBefore = false
  private ownAfter = false

  constructor(
    scene: Scene,
    /** Told before and after each render of the scene (before the app's hooks, after them). */
    private readonly listener: { before(): void; after(): void } | null = null,
  ) {
    this.scene = scene
    this.ensure()
  }

  /** Wraps the scene's hooks again if the app replaced them. Allocates nothing when they are in place. */
  ensure(): void {
    const s = this.scene as unknown as Record<string, unknown>
    if (s['onBeforeRender'] !== this.before) {
      this.ownBefore = Object.prototype.hasOwnProperty.call(s, 'onBeforeRender')
      this.savedBefore = s['onBeforeRender'] as Hook
      s['onBeforeRender'] = this.before
    }
    if (s['onAfterRender'] !== this.after) {
      this.ownAfter = Object.prototype.hasOwnProperty.call(s, 'onAfterRender')
      this.savedAfter = s['onAfterRender'] as Hook
      s['onAfterRender'] = this.after
    }
  }

  /** Puts the scene's hooks back as they were (own properties restored, or removed if there were none). */
  dispose(): void {
    const s = this.scene as unknown as Record<string, unknown>
    if (s['onBeforeRender'] === this.before) {
      if (this.ownBefore) s['onBeforeRender'] = this.savedBefore
      else delete s['onBeforeRender']
    }
    if (s['onAfterRender'] === this.after) {
      if (this.ownAfter) s['onAfterRender'] = this.savedAfter
      else delete s['onAfterRender']
    }
    this.rendering = false
  }

  // Fixed parameters (renderer, scene, camera, render target), not rest ones: nothing allocated per render.
  private readonly before = (a: unknown, b: unknown, c: unknown, d: unknown): void => {
    this.rendering = true
    this.listener?.before()
    ;(this.savedBefore as Hook).call(this.scene, a, b, c, d)
  }

  private readonly after = (a: unknown, b: unknown, c: unknown, d: unknown): void => {
    this.rendering = false
    ;(this.savedAfter as Hook).call(this.scene, a, b, c, d)
    this.listener?.after()
  }
}
