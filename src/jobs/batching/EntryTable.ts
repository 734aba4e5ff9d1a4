import type { Object3D } from 'three'
import type { Entry } from './Entry.js'

/**
 * The batching job's tracked meshes: a list in scene order (the sweep walks
 * it; a LOD's meshes stay next to each other), by object, and by LOD. A
 * removed entry leaves a hole until {@link EntryTable.compact}.
 * @internal
 */
export class EntryTable {
  /** In scene order; null where an entry was removed. */
  readonly list: (Entry | null)[] = []
  private holes = 0
  private readonly byObject = new Map<Object3D, Entry>()
  /** The tracked meshes inside each LOD (a culler hides the LOD as one; a LODJob switches its levels). */
  private readonly byLOD = new Map<Object3D, Entry[]>()

  get(object: Object3D): Entry | undefined {
    return this.byObject.get(object)
  }

  has(object: Object3D): boolean {
    return this.byObject.has(object)
  }

  /** The tracked meshes inside `lod`, or undefined. */
  membersOf(lod: Object3D): readonly Entry[] | undefined {
    return this.byLOD.get(lod)
  }

  add(e: Entry): void {
    e.slot = this.list.length
    this.list.push(e)
    this.byObject.set(e.object, e)
    if (e.unit !== e.object) {
      let members = this.byLOD.get(e.unit)
      if (members === undefined) this.byLOD.set(e.unit, (members = []))
      members.push(e)
    }
  }

  remove(e: Entry): void {
    this.byObject.delete(e.object)
    if (e.unit !== e.object) {
      const members = this.byLOD.get(e.unit)
      if (members !== undefined) {
        const i = members.indexOf(e)
        if (i >= 0) members.splice(i, 1)
        if (members.length === 0) this.byLOD.delete(e.unit)
      }
    }
    if (e.slot >= 0 && this.list[e.slot] === e) {
      this.list[e.slot] = null
      this.holes++
    }
  }

  /** Drops the holes, keeping the order. */
  compact(): void {
    if (this.holes === 0) return
    const list = this.list
    let j = 0
    for (let i = 0; i < list.length; i++) {
      const e = list[i] as Entry | null
      if (e === null) continue
      e.slot = j
      list[j++] = e
    }
    list.length = j
    this.holes = 0
  }

  clear(): void {
    this.list.length = 0
    this.holes = 0
    this.byObject.clear()
    this.byLOD.clear()
  }
}
