import type { Material, Object3D } from 'three'
import type { Entry } from './Entry.js'

/**
 * The batching job's depth-first walk of the scene, one object per
 * {@link SceneScan.next}, resumable across frames. What it finds is held by
 * material id and queued in that order when the walk ends: instances are
 * drawn in the order they joined (batches do not sort), so meshes join in the
 * order three's opaque sort draws coincident ones (material id first), and
 * where two meshes overlap exactly the same one wins the depth test.
 * @internal
 */
export class SceneScan {
  /** A walk is under way. */
  scanning = true
  /** The first walk ended. */
  scannedOnce = false
  /** Frame the last walk ended. */
  endFrame = 0
  /** Found by the running walk, not queued yet. */
  foundCount = 0
  private stack: Object3D[] = []
  private readonly found = new Map<number, Entry[]>()

  constructor(
    private readonly scene: Object3D,
    /** Objects whose subtree the walk skips (the batches). */
    private readonly skip: (o: Object3D) => boolean,
  ) {
    this.stack.push(scene)
  }

  start(): void {
    this.stack.length = 0
    this.stack.push(this.scene)
    this.scanning = true
  }

  /** The next object of the walk (its children queued), or null when the walk just ended. */
  next(): Object3D | null {
    for (;;) {
      const o = this.stack.pop()
      if (o === undefined) return null
      if (this.skip(o)) continue
      const children = o.children
      for (let i = children.length - 1; i >= 0; i--) this.stack.push(children[i] as Object3D)
      return o
    }
  }

  /** Holds `e` until the walk ends. */
  add(e: Entry): void {
    const id = (e.object.material as Material).id
    let bucket = this.found.get(id)
    if (bucket === undefined) this.found.set(id, (bucket = []))
    bucket.push(e)
    this.foundCount++
  }

  /** Ends the walk: what it found goes to `queue`, by material id. */
  end(frame: number, queue: Entry[]): void {
    this.scanning = false
    this.scannedOnce = true
    this.endFrame = frame
    this.foundCount = 0
    if (this.found.size === 0) return
    const ids = [...this.found.keys()].sort((a, b) => a - b)
    for (const id of ids) for (const e of this.found.get(id) as Entry[]) queue.push(e)
    this.found.clear()
  }

  clear(): void {
    this.stack = []
    this.found.clear()
    this.foundCount = 0
  }
}
