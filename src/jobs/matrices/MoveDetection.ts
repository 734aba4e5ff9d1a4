import type { Object3D, Scene, SkinnedMesh } from 'three'
import { ChangeDetector } from './ChangeDetector.js'
import type { MatrixSyncStats } from './MatrixSyncStats.js'

/** What {@link MoveDetection} needs from the matrix job. */
export interface MoveDetectionHost {
  /** The scene watched. */
  readonly scene: Scene
  /** Whether `object` has a pending mark: its mark's sweep updates it, paced under the budget. */
  isMarked(object: Object3D): boolean
  /** Recomputes `object`'s world matrix and its subtree's, recording the writes; returns the objects updated. */
  updateSubtree(object: Object3D): number
}

/**
 * One detection round per run of `MatrixSyncJob` in `detect: 'auto'`
 * (docs/matrices.md): compares the moving objects and the cold scan's share
 * of the rest through a {@link ChangeDetector}, updates the subtree of each
 * object found changed (once, under its topmost changed ancestor; a marked
 * one is left to its mark), then recomputes the objects recomputed every
 * frame (a skinned mesh with its root bones).
 * @internal
 */
export class MoveDetection {
  readonly detector = new ChangeDetector()
  /** Scheduler frame of the last round with a cold scan (-1: none yet). */
  private lastFrame = -1

  constructor(
    private readonly host: MoveDetectionHost,
    private readonly detectFrames: number,
    /** Without hierarchy listeners the watched set is collected again after each cold pass. */
    private readonly resyncs: boolean,
    private readonly stats: MatrixSyncStats,
  ) {}

  /**
   * A round at scheduler frame `frame`: the cold scan's share since the last
   * round (`full`: every object; `hotOnly`: none). Returns the objects updated.
   */
  round(frame: number, full: boolean, hotOnly: boolean): number {
    const d = this.detector
    d.clearFound()
    d.checkHot(frame)
    const count = d.count
    let quota = count
    if (hotOnly) quota = 0
    else if (!full) {
      const elapsed = this.lastFrame < 0 ? 1 : frame - this.lastFrame
      quota = elapsed <= 0 ? 0 : Math.min(count, Math.ceil((count * elapsed) / this.detectFrames))
    }
    if (!hotOnly) this.lastFrame = frame
    if (quota > 0 && d.scan(quota, frame) && this.resyncs) this.resync()
    const host = this.host
    let updated = 0
    let detected = 0
    const found = d.found
    for (let i = 0; i < d.foundCount; i++) {
      const object = found[i] as Object3D
      if (host.isMarked(object)) continue
      detected++
      if (this.coveredOrGone(object)) continue
      updated += host.updateSubtree(object)
    }
    const always = d.always
    for (let i = 0; i < always.length; i++) {
      const object = always[i] as Object3D
      if (this.coveredOrGone(object)) continue
      updated += host.updateSubtree(object)
      if ((object as { isSkinnedMesh?: boolean }).isSkinnedMesh === true) updated += this.updateBones(object as SkinnedMesh)
    }
    const stats = this.stats
    stats.detected = detected
    stats.detectedTotal += detected
    stats.compared = d.compared
    return updated
  }

  /** Whether `object` was updated this round with a changed ancestor's subtree, or is not in the scene. */
  private coveredOrGone(object: Object3D): boolean {
    const d = this.detector
    let root = object
    for (let p = object.parent; p !== null; p = p.parent) {
      if (d.foundNow(p)) return true
      root = p
    }
    return root !== this.host.scene
  }

  /** A skinned mesh's root bones are recomputed with it (they may hang anywhere in the scene). */
  private updateBones(mesh: SkinnedMesh): number {
    const bones = mesh.skeleton?.bones
    if (bones === undefined) return 0
    let updated = 0
    for (let i = 0; i < bones.length; i++) {
      const bone = bones[i] as Object3D
      const parent = bone.parent
      if (parent !== null && (parent as { isBone?: boolean }).isBone === true) continue
      if (isAncestor(mesh, bone) || this.coveredOrGone(bone)) continue
      updated += this.host.updateSubtree(bone)
    }
    return updated
  }

  /** Drops objects that left the scene, watches new ones (no snapshot: found changed at their first compare). */
  private resync(): void {
    this.detector.retain(this.inScene)
    this.host.scene.traverse(this.visitNew)
  }

  private readonly inScene = (object: Object3D): boolean => {
    let root = object
    while (root.parent !== null) root = root.parent
    return root === this.host.scene
  }

  private readonly visitNew = (object: Object3D): void => {
    if (!this.detector.has(object)) this.detector.add(object, false)
  }
}

/** Whether `ancestor` is `object` or above it. */
function isAncestor(ancestor: Object3D, object: Object3D): boolean {
  for (let p: Object3D | null = object; p !== null; p = p.parent) if (p === ancestor) return true
  return false
}
