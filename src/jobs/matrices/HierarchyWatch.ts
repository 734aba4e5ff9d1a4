import type { Object3D, Scene } from 'three'
import type { ChangeDetector } from './ChangeDetector.js'

/** What {@link HierarchyWatch} tells the matrix job. */
export interface HierarchyWatchHost {
  /** `parent`'s children changed (an object was added under it or removed from it). */
  childrenChanged(parent: Object3D | undefined): void
  /** `child` was added to the scene (its subtree counted and watched already). */
  childAdded(child: Object3D): void
}

type ChildEvent = { child: Object3D; target?: Object3D }

/**
 * `MatrixSyncJob`'s count of the objects in its scene, and with
 * `watchHierarchy` its `childadded` / `childremoved` listeners on every one of
 * them, which keep the count, the detection's watched set and the change
 * stamps current and bring added subtrees up to date (through the host).
 * @internal
 */
export class HierarchyWatch {
  /** Objects in the scene (counted at install, kept by the listeners): the most a sweep can hold. */
  nodes = 0
  private stopped = false

  constructor(
    private readonly host: HierarchyWatchHost,
    /** The detection's snapshot store (null with `detect: 'manual'`). */
    private readonly detector: ChangeDetector | null,
    /** Whether to listen (`watchHierarchy`), or only count at install. */
    readonly listens: boolean,
  ) {}

  /** Counts every object in the scene (and with `listens` watches it). */
  start(scene: Scene): void {
    if (this.listens) scene.traverse(this.attachVisitor)
    else scene.traverse(this.countVisitor)
  }

  /** Removes the listeners; later events do nothing. */
  stop(scene: Scene): void {
    this.stopped = true
    if (this.listens) scene.traverse(this.detachVisitor)
  }

  private readonly onChildAdded = (event: ChildEvent): void => {
    if (this.stopped) return
    const child = event.child
    child.traverse(this.attachVisitor) // counts the subtree in too
    this.host.childrenChanged(event.target)
    this.host.childAdded(child)
  }

  private readonly onChildRemoved = (event: ChildEvent): void => {
    if (this.stopped) return
    this.host.childrenChanged(event.target)
    event.child.traverse(this.detachVisitor)
  }

  private readonly attachVisitor = (object: Object3D): void => {
    object.addEventListener('childadded', this.onChildAdded)
    object.addEventListener('childremoved', this.onChildRemoved)
    this.nodes++
    this.detector?.add(object)
  }

  private readonly detachVisitor = (object: Object3D): void => {
    object.removeEventListener('childadded', this.onChildAdded)
    object.removeEventListener('childremoved', this.onChildRemoved)
    this.nodes--
    this.detector?.remove(object)
  }

  private readonly countVisitor = (object: Object3D): void => {
    this.nodes++
    this.detector?.add(object)
  }
}
