import type { Object3D } from 'three'

/**
 * The lights under a scene, kept as objects come and go, and a stand-in for
 * the scene to pass to `WebGLRenderer.compileAsync(object, camera, scene)`.
 * three gathers the lights a program is compiled for with
 * `scene.traverseVisible`: a walk over the whole scene for every compiled
 * material (0.5 ms at 1,000 objects in the demo, growing with the scene).
 * The stand-in (`Object.create(scene)`: the scene's `fog`, `environment`
 * and everything else, read through) visits only the scene's lights that
 * are shown (every ancestor visible), so the program compiled is the one the
 * scene draws with, without the walk.
 * @internal
 */
export class SceneLights {
  /** What to pass to `compileAsync` as the scene. */
  readonly standIn: Object3D
  private readonly lights = new Set<Object3D>()

  constructor(scene: Object3D) {
    const lights = this.lights
    const standIn = Object.create(scene) as Object3D
    Object.defineProperty(standIn, 'traverseVisible', {
      value(callback: (object: Object3D) => void): void {
        for (const light of lights) if (shownUnder(light, scene)) callback(light)
      },
    })
    this.standIn = standIn
  }

  /** Lights known. */
  get size(): number {
    return this.lights.size
  }

  /** Notes `object` (added under the scene) if it is a light. */
  add(object: Object3D): void {
    if ((object as { isLight?: boolean }).isLight === true) this.lights.add(object)
  }

  /** Forgets `object` (removed from the scene). */
  delete(object: Object3D): void {
    this.lights.delete(object)
  }

  clear(): void {
    this.lights.clear()
  }
}

/** Whether `object` and every ancestor up to `scene` are visible, and `scene` is an ancestor. */
function shownUnder(object: Object3D, scene: Object3D): boolean {
  for (let o: Object3D | null = object; o !== null; o = o.parent) {
    if (!o.visible) return false
    if (o === scene) return true
  }
  return false
}
