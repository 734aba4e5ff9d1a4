import type { Camera } from 'three'

/** What `LOD.update` reads of the camera: its world position and zoom (x, y, z, zoom into `out`). @internal */
export function readPose(camera: Camera, out: Float64Array): void {
  const e = camera.matrixWorld.elements
  out[0] = e[12] as number
  out[1] = e[13] as number
  out[2] = e[14] as number
  out[3] = (camera as { zoom?: number }).zoom ?? 1
}

