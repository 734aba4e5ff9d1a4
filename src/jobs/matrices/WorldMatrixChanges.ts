import type { Object3D, Scene } from 'three'
import { describe } from '../../core/validate.js'

/**
 * Which world matrices changed since a moment: what `MatrixSyncJob` offers to
 * jobs that keep data derived from world matrices (the culling job's stored
 * spheres, the LOD job's stored positions), so they can leave unchanged
 * objects unread. A reader notes {@link WorldMatrixChanges.changeTick} when it
 * reads an object; the object's world matrix changed since iff
 * `changeStamps[object.id]` is greater.
 */
export interface WorldMatrixChanges {
  /** A counter raised before each run of the writer and each hierarchy change it handles. */
  readonly changeTick: number
  /**
   * Per `object.id`, the tick at which the object's world matrix was last
   * written, or one of its children added or removed (0: never; ids past the
   * end: never). Replaced when it grows: read it again after the writer ran.
   */
  readonly changeStamps: Float64Array
  /**
   * Per `object.id`, the newest `changeStamps` entry of any object strictly
   * below it: a reader that read a whole subtree at tick T knows in one look
   * that nothing in it changed iff neither `changeStamps[root.id]` nor this
   * exceeds T. Replaced when it grows.
   */
  readonly subtreeStamps: Float64Array
  /** True once the writer stopped: its stamps no longer say anything. */
  readonly isDisposed: boolean
  /**
   * True when every object added to or removed from the scene stamps its
   * parent (`MatrixSyncJob` with `watchHierarchy`, the default): then a
   * subtree whose stamps are not newer than T has had no object added or
   * removed since T either. Left out: unknown (treated as false).
   */
  readonly watchesHierarchy?: boolean
  /** Calls `listener(object)` right after each world matrix written (adding one twice does nothing). */
  addWriteListener(listener: (object: Object3D) => void): void
  /** Stops a listener of {@link WorldMatrixChanges.addWriteListener}. */
  removeWriteListener(listener: (object: Object3D) => void): void
}

/**
 * Whether object `id`, or anything below it, was stamped after tick `t` in
 * `stamps` / `below` (a writer's `changeStamps` / `subtreeStamps`).
 * @internal
 */
export function changedSince(id: number, stamps: Float64Array, below: Float64Array, t: number): boolean {
  return (id < stamps.length && (stamps[id] as number) > t) || (id < below.length && (below[id] as number) > t)
}

/** Scenes with a live writer of world matrices (one per scene). */
const _writers = new WeakMap<Scene, WorldMatrixChanges>()

/** Registers `writer` as `scene`'s source of changes; false when the scene has one already. @internal */
export function registerChanges(scene: Scene, writer: WorldMatrixChanges): boolean {
  if (_writers.has(scene)) return false
  _writers.set(scene, writer)
  return true
}

/** Forgets `scene`'s source of changes (when it is `writer`). @internal */
export function unregisterChanges(scene: Scene, writer: WorldMatrixChanges): void {
  if (_writers.get(scene) === writer) _writers.delete(scene)
}

/**
 * The source a `matrices` option of the culling and LOD jobs stands for now:
 * the one given, or (option left out) `scene`'s live writer; null when there
 * is none or it was disposed.
 * @internal
 */
export function liveChanges(option: WorldMatrixChanges | null | undefined, scene: Scene | null): WorldMatrixChanges | null {
  const source = option === undefined ? (scene !== null ? _writers.get(scene) : undefined) : option
  return source === undefined || source === null || source.isDisposed ? null : source
}

/**
 * Checks a `matrices` option: a source of changes (a MatrixSyncJob), null or left out.
 * @throws TypeError naming `api` otherwise.
 * @internal
 */
export function checkChangesOption(api: string, value: unknown): void {
  if (value === undefined || value === null) return
  if (typeof value !== 'object' || !((value as { changeStamps?: unknown }).changeStamps instanceof Float64Array)) {
    throw new TypeError(`${api}: matrices must be a MatrixSyncJob or null, got ${describe(value)}`)
  }
}
