import { LOD, Line, Mesh, Points, Sprite, type BufferGeometry, type Object3D, type Sphere, type Vector2 } from 'three'

/**
 * How {@link FrustumCullingJob} bounds an object, mirroring three's own
 * `Frustum.intersectsObject` / `intersectsSprite`.
 *
 * @internal
 */
export const CullKind = {
  /** Left alone: not culled by three, culled with custom bounds, or culling switched off. */
  None: -1,
  /** Mesh, Line, Points: `geometry.boundingSphere`. */
  Geometry: 0,
  /** InstancedMesh, BatchedMesh, SkinnedMesh: `object.boundingSphere`. */
  Object: 1,
  /** Sprite: the unit quad around its `center`. */
  Sprite: 2,
  /** `THREE.LOD`: the union of its descendants' spheres (see `subtreeSphere`). */
  LOD: 3,
} as const

/** The fields of the renderable kinds the culling job reads. @internal */
export interface Cullable extends Object3D {
  isMesh?: boolean
  isLine?: boolean
  isPoints?: boolean
  isSprite?: boolean
  isLOD?: boolean
  isGroup?: boolean
  isBone?: boolean
  geometry?: BufferGeometry
  boundingSphere?: Sphere | null
  computeBoundingSphere?: () => void
  center?: Vector2
}

/**
 * How three culls `o`, or {@link CullKind.None} when the job must leave it
 * alone: `frustumCulled` off, a kind three does not test, or an
 * `intersectsFrustum` override (custom bounds only three can evaluate).
 * A `THREE.LOD` with `frustumCulled = true` (three never tests the LOD node
 * itself, so the flag is read as the app's opt-in) is {@link CullKind.LOD}.
 *
 * @internal
 */
export function cullKind(o: Cullable): number {
  if (o.frustumCulled !== true) return CullKind.None
  if (o.isLOD === true) return o.intersectsFrustum === LOD.prototype.intersectsFrustum ? CullKind.LOD : CullKind.None
  if (o.isSprite === true) return o.intersectsFrustum === Sprite.prototype.intersectsFrustum ? CullKind.Sprite : CullKind.None
  if (o.isMesh !== true && o.isLine !== true && o.isPoints !== true) return CullKind.None
  const test = o.intersectsFrustum
  if (test !== Mesh.prototype.intersectsFrustum && test !== Line.prototype.intersectsFrustum && test !== Points.prototype.intersectsFrustum) return CullKind.None
  if (o.boundingSphere !== undefined) return typeof o.computeBoundingSphere === 'function' ? CullKind.Object : CullKind.None
  return o.geometry !== undefined && o.geometry !== null ? CullKind.Geometry : CullKind.None
}
