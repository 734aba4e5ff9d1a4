import type { Material, Object3D, Texture } from 'three'

// What the warm-up job keeps per held object, pending material and pending texture (internal).

/** A new object and what it waits for. */
export interface Hold {
  readonly object: Object3D
  /** Resources not ready yet. */
  waiting: number
  /** The job set `visible = false` and owns that false. */
  hidden: boolean
  /** What to restore when shown (the app's `visible`, changed through `setVisible` while held). */
  visible: boolean
  /** Frame the hold began. */
  readonly frame: number
  /** Released (shown, removed or timed out): later resource events ignore it. */
  done: boolean
  /** A StaticBatchingJob batch (or its probe): pre-warmed, never hidden; held objects wait for it. */
  readonly batch: boolean
}

/** A material whose program is not known to be compiled. */
export interface PendingMaterial {
  readonly material: Material
  /** An object drawn with it (program variants depend on the object too). */
  readonly object: Object3D
  readonly waiters: Hold[]
}


/** A texture not yet uploaded by the job. */
export interface PendingTexture {
  readonly texture: Texture
  readonly waiters: Hold[]
}

export function isDrawable(object: Object3D): boolean {
  const o = object as { isMesh?: boolean; isPoints?: boolean; isLine?: boolean; isSprite?: boolean }
  return o.isMesh === true || o.isPoints === true || o.isLine === true || o.isSprite === true
}

/** A texture whose data is there to upload (`version` > 0: `needsUpdate` was set once its image loaded). */
export function hasData(texture: Texture): boolean {
  return texture.version > 0
}
