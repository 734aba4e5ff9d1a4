import { Material, type Material as MaterialType } from 'three'
import type { BatchGroup } from './BatchGroup.js'

/** Own properties that are not part of how a material draws (or that an instance colour carries). */
const SKIP = new Set(['uuid', 'name', 'userData', 'version', 'color', '_listeners'])

/** Ids for objects (textures, arrays, functions) inside a key string: compared by identity. */
const _refIds = new WeakMap<object, number>()
let _nextRefId = 1
function refId(o: object): number {
  let id = _refIds.get(o)
  if (id === undefined) {
    id = _nextRefId++
    _refIds.set(o, id)
  }
  return id
}

/** Built-in mesh materials whose shaders support `BatchedMesh` (the batching chunks). */
export function isBatchableMaterial(m: MaterialType): boolean {
  const f = m as unknown as Record<string, unknown>
  if (f['isShaderMaterial'] === true) return false
  if (
    f['isMeshBasicMaterial'] !== true &&
    f['isMeshLambertMaterial'] !== true &&
    f['isMeshPhongMaterial'] !== true &&
    f['isMeshStandardMaterial'] !== true &&
    f['isMeshToonMaterial'] !== true &&
    f['isMeshNormalMaterial'] !== true &&
    f['isMeshMatcapMaterial'] !== true
  ) {
    return false
  }
  // Sorting (transparent), a transmission pass, wireframe draw ranges, custom shader hooks: left to three.
  if (m.transparent || !m.visible || f['wireframe'] === true) return false
  if (typeof f['transmission'] === 'number' && (f['transmission'] as number) > 0) return false
  if (m.onBeforeCompile !== Material.prototype.onBeforeCompile) return false
  if (m.customProgramCacheKey !== Material.prototype.customProgramCacheKey) return false
  return true
}

/**
 * What the batching job knows of one material: a snapshot of every property
 * that affects drawing except `color` (which a batch carries per instance),
 * and the key string built from it. Materials with equal keys draw alike up to
 * their colour, so their meshes share a batch. {@link MaterialRecord.matches}
 * tells, without allocating, whether the material was changed in place since
 * the snapshot (`material.emissive.setHex(...)` on hover, no `needsUpdate`).
 * @internal
 */
export class MaterialRecord {
  readonly material: MaterialType
  /** The material's own property names, read once (minus {@link SKIP}). */
  private keys: string[] = []
  private values: unknown[] = []
  private capturing = false
  private at = 0
  /** Key of the snapshot: materials with equal keys share batches. */
  key = ''
  /** Whether the material has a `color` (carried per instance). */
  readonly hasColor: boolean
  /** Sweep in which {@link MaterialRecord.matches} was last asked (the answer is cached per sweep). */
  checkedSweep = -1
  /** The answer of the last check. */
  same = true
  /** Groups this material's meshes went to, by geometry layout id (a lookup that builds no key string); cleared with each snapshot. */
  readonly groups = new Map<number, BatchGroup[]>()

  constructor(material: MaterialType) {
    this.material = material
    this.hasColor = (material as { color?: { isColor?: boolean } }).color?.isColor === true
    this.capture()
  }

  /** Takes a new snapshot and key. */
  capture(): void {
    const m = this.material as unknown as Record<string, unknown>
    this.keys = Object.keys(m).filter((k) => !SKIP.has(k))
    this.values.length = 0
    this.capturing = true
    this.walk()
    this.capturing = false
    const parts: string[] = [this.material.type, String(refId(this.material.constructor))]
    for (const v of this.values) {
      parts.push(v !== null && (typeof v === 'object' || typeof v === 'function') ? `#${refId(v)}` : typeof v === 'string' ? JSON.stringify(v) : String(v))
    }
    this.key = parts.join('|')
    this.same = true
    this.groups.clear()
  }

  /** True while the material's properties (colour aside) equal the snapshot. Allocates nothing. */
  matches(): boolean {
    this.at = 0
    return this.walk() && this.at === this.values.length
  }

  private walk(): boolean {
    const m = this.material as unknown as Record<string, unknown>
    const keys = this.keys
    for (let i = 0; i < keys.length; i++) {
      const v = m[keys[i] as string]
      if (v !== null && typeof v === 'object') {
        const o = v as Record<string, unknown>
        if (o['isColor'] === true) {
          if (!this.put(o['r']) || !this.put(o['g']) || !this.put(o['b'])) return false
        } else if (o['isVector2'] === true) {
          if (!this.put(o['x']) || !this.put(o['y'])) return false
        } else if (o['isVector3'] === true) {
          if (!this.put(o['x']) || !this.put(o['y']) || !this.put(o['z'])) return false
        } else if (o['isEuler'] === true) {
          if (!this.put(o['x']) || !this.put(o['y']) || !this.put(o['z']) || !this.put(o['order'])) return false
        } else if (Object.getPrototypeOf(o) === Object.prototype) {
          // `defines` and the like: shallow, by value.
          for (const k in o) {
            if (!this.put(k) || !this.put(o[k])) return false
          }
          if (!this.put('}')) return false
        } else if (!this.put(v)) {
          return false
        }
      } else if (!this.put(v)) {
        return false
      }
    }
    return true
  }

  private put(v: unknown): boolean {
    if (this.capturing) {
      this.values.push(v)
      return true
    }
    if (this.at >= this.values.length) return false
    const old = this.values[this.at++]
    // NaN equals NaN here (a NaN parameter is not a change every sweep).
    return old === v || (old !== old && v !== v)
  }
}
