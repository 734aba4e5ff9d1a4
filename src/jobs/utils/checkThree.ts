import { describe } from '../../core/validate.js'

/** Throws a TypeError naming the API unless `camera` is a THREE.Camera. */
export function checkCamera(api: string, camera: unknown): void {
  if (camera === null || typeof camera !== 'object' || (camera as { isCamera?: unknown }).isCamera !== true) {
    throw new TypeError(`${api}: camera must be a THREE.Camera, got ${describe(camera)}`)
  }
}

/** Throws a TypeError naming the API and the argument unless `object` is a THREE.Object3D. */
export function checkObject(api: string, arg: string, object: unknown): void {
  if (object === null || typeof object !== 'object' || (object as { isObject3D?: unknown }).isObject3D !== true) {
    throw new TypeError(`${api}: ${arg} must be a THREE.Object3D, got ${describe(object)}`)
  }
}

/** Throws a TypeError naming the API unless `lod` is a THREE.LOD. */
export function checkLOD(api: string, lod: unknown): void {
  if (lod === null || typeof lod !== 'object' || (lod as { isLOD?: unknown }).isLOD !== true) {
    throw new TypeError(`${api}: lod must be a THREE.LOD, got ${describe(lod)}`)
  }
}
