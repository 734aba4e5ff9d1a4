import type { BufferGeometry } from 'three'

/** Layout keys interned as small integers (a geometry's layout is looked up per mesh while batching). */
const _layoutIds = new Map<string, number>()

/**
 * What the batching job knows of one geometry: its layout key (attributes
 * with item size, normalization and array type, and whether it is indexed),
 * or null when a batch cannot take it, and a version stamp that changes when
 * an attribute or the index is replaced or flagged `needsUpdate`.
 * @internal
 */
export class GeometryRecord {
  readonly geometry: BufferGeometry
  /** Layout key, or null when the geometry cannot be batched (morph targets, a draw range, interleaved data, instancing, no position). */
  readonly layout: string | null
  /** {@link GeometryRecord.layout} as a small integer (-1 when null): equal layouts, equal ids. */
  readonly layoutId: number
  readonly vertexCount: number
  readonly indexCount: number
  /** {@link GeometryRecord.versionOf} when the record was made. */
  version: number
  /** Sweep in which the version was last compared. */
  checkedSweep = -1
  /** The answer of the last comparison. */
  same = true

  constructor(geometry: BufferGeometry) {
    this.geometry = geometry
    this.layout = layoutOf(geometry)
    let id = -1
    if (this.layout !== null) {
      id = _layoutIds.get(this.layout) ?? _layoutIds.size
      _layoutIds.set(this.layout, id)
    }
    this.layoutId = id
    this.vertexCount = geometry.getAttribute('position')?.count ?? 0
    this.indexCount = geometry.index?.count ?? 0
    this.version = GeometryRecord.versionOf(geometry)
  }

  /** Sum of the attributes' and index's versions plus their number: changes with `needsUpdate` or a replaced attribute. */
  static versionOf(geometry: BufferGeometry): number {
    const index = geometry.index
    let v = index !== null ? index.version + 1 + index.count * 0x1000 : 0
    const attributes = geometry.attributes
    for (const name in attributes) {
      const a = attributes[name] as { version?: number; count: number }
      v += (a.version ?? 0) + 1 + a.count * 0x10
    }
    return v
  }
}

function layoutOf(g: BufferGeometry): string | null {
  const flags = g as unknown as Record<string, unknown>
  if (flags['isInstancedBufferGeometry'] === true) return null
  if (g.getAttribute('position') === undefined) return null
  const morphs = g.morphAttributes as Record<string, unknown[] | undefined>
  for (const name in morphs) {
    if ((morphs[name] ?? []).length > 0) return null
  }
  if (g.drawRange.start !== 0 || g.drawRange.count !== Infinity) return null
  const names = Object.keys(g.attributes).sort()
  const parts: string[] = []
  for (const name of names) {
    const a = g.attributes[name] as unknown as Record<string, unknown>
    if (a['isInterleavedBufferAttribute'] === true || a['isGLBufferAttribute'] === true) return null
    const array = a['array'] as { constructor: { name: string } }
    parts.push(`${name}:${String(a['itemSize'])}:${a['normalized'] === true ? 1 : 0}:${array.constructor.name}`)
  }
  if (g.index !== null) {
    const indexFlags = g.index as unknown as Record<string, unknown>
    if (indexFlags['isInterleavedBufferAttribute'] === true) return null
    parts.push('index')
  }
  return parts.join(',')
}
