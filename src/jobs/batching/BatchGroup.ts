import type { BufferGeometry, Material, Object3D } from 'three'
import type { Batch } from './Batch.js'

/**
 * The batches of one key: a material up to its colour, a geometry layout,
 * and the object settings a batch has once for all its instances (shadows,
 * layers, render order). The template material is a clone of the first
 * member's, with its colour set to white (members' colours are per instance).
 * @internal
 */
export class BatchGroup {
  readonly key: string
  readonly template: Material
  readonly hasColor: boolean
  readonly castShadow: boolean
  readonly receiveShadow: boolean
  readonly layersMask: number
  readonly renderOrder: number
  /** Batches of this key, the open one (taking new instances) last. */
  readonly batches: Batch[] = []
  /** Batches of this key for meshes that move every frame (their matrix texture is uploaded every frame; the others' no longer). */
  readonly movers: Batch[] = []
  /** Members waiting to join (sizes new batches). */
  pending = 0
  /** Vertices and indices of the distinct geometries seen in this group (sizes new batches). */
  distinctVertices = 0
  distinctIndices = 0
  private readonly seen = new WeakSet<BufferGeometry>()

  constructor(key: string, template: Material, hasColor: boolean, castShadow: boolean, receiveShadow: boolean, layersMask: number, renderOrder: number) {
    this.key = key
    this.template = template
    this.hasColor = hasColor
    this.castShadow = castShadow
    this.receiveShadow = receiveShadow
    this.layersMask = layersMask
    this.renderOrder = renderOrder
  }

  /** Whether `o`'s shadow flags, layers and render order are the group's (the batch has them once for all). */
  fits(o: Object3D): boolean {
    return o.castShadow === this.castShadow && o.receiveShadow === this.receiveShadow && o.layers.mask === this.layersMask && o.renderOrder === this.renderOrder
  }

  /** Counts a geometry a member will need. */
  see(geometry: BufferGeometry, vertices: number, indices: number): void {
    if (this.seen.has(geometry)) return
    this.seen.add(geometry)
    this.distinctVertices += vertices
    this.distinctIndices += indices
  }
}
