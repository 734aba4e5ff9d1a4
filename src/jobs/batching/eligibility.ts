import { Group, LOD, type Mesh, Object3D } from 'three'
import type { CullingSource } from './StaticBatchingJobOptions.js'
import { isBatchableMaterial } from './MaterialRecord.js'

const _proto = Object3D.prototype

/**
 * Whether `o` is a mesh a batch can draw, as far as cheap structural checks
 * tell (the geometry's layout and the world matrix are checked when it
 * joins): a plain `Mesh` (not instanced, batched or skinned) without render
 * or shadow hooks or custom depth materials, one batchable material, no morph
 * influences, a BufferGeometry, and a `layers` without an own `test` other
 * than `ownTest` (the batching job's own).
 * @internal
 */
export function isBatchableMesh(o: Object3D, ownTest: unknown): boolean {
  const m = o as Mesh & Record<string, unknown>
  if (m.isMesh !== true || m['isInstancedMesh'] === true || m['isBatchedMesh'] === true || m['isSkinnedMesh'] === true) return false
  if (o.onBeforeRender !== _proto.onBeforeRender || o.onAfterRender !== _proto.onAfterRender) return false
  if (o.onBeforeShadow !== _proto.onBeforeShadow || o.onAfterShadow !== _proto.onAfterShadow) return false
  if (o.customDepthMaterial !== undefined || o.customDistanceMaterial !== undefined) return false
  const material = m.material
  if (material === null || material === undefined || Array.isArray(material) || !isBatchableMaterial(material)) return false
  const influences = m.morphTargetInfluences
  if (influences !== undefined && influences.length > 0) return false
  const geometry = m.geometry
  if (geometry === null || geometry === undefined || (geometry as { isBufferGeometry?: boolean }).isBufferGeometry !== true) return false
  const layers = o.layers as unknown as Record<string, unknown>
  if (Object.prototype.hasOwnProperty.call(layers, 'test') && layers['test'] !== ownTest) return false
  return true
}

/** A plain `Group` / `Object3D`, or a `LOD` whose levels a job picks (`autoUpdate` false): nothing the render walk draws or updates itself. */
export function isPlainContainer(o: Object3D): boolean {
  const c = o.constructor
  return c === Group || c === Object3D || (c === LOD && (o as LOD).autoUpdate === false)
}

/**
 * 1 when `o` is under `scene` and shown (itself and every ancestor visible;
 * hides that `culling` holds do not count), 0 when under it and hidden, -1
 * when not in the scene.
 */
export function shownIn(o: Object3D, scene: Object3D, culling: CullingSource | null): number {
  let shown = 1
  let root: Object3D = o
  for (let p: Object3D | null = o; p !== null; p = p.parent) {
    if (p.visible === false && shown === 1 && (culling === null || !culling.isCulled(p))) shown = 0
    root = p
  }
  return root === scene ? shown : -1
}

/** The nearest `THREE.LOD` above `o`, or null. */
export function nearestLOD(o: Object3D): Object3D | null {
  for (let p = o.parent; p !== null; p = p.parent) if ((p as { isLOD?: boolean }).isLOD === true) return p
  return null
}
