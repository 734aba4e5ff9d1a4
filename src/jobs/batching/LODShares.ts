import type { Color, LOD, Matrix4, Object3D } from 'three'
import type { Batch } from './Batch.js'
import type { BatchGroup } from './BatchGroup.js'
import { BATCHED, type Entry, PENDING } from './Entry.js'
import type { GeometryRecord } from './GeometryRecord.js'
import type { GroupTable } from './GroupTable.js'
import type { BatchingSettings } from './StaticBatchingJobOptions.js'

/** One `THREE.LOD` drawn through ONE instance: its level meshes' geometries in one batch, the shown level's switched in with `setGeometryIdAt`. @internal */
export class Share {
  /** The level shown now (drawn by the instance), or null when none is (the instance hidden). */
  current: Entry | null = null
  constructor(
    readonly lod: LOD,
    /** The level meshes, in level order. */
    readonly levels: readonly Entry[],
    readonly batch: Batch,
    readonly instance: number,
    /** Per level, its geometry's id in the batch. */
    readonly geometryIds: readonly number[],
  ) {}
}

/** What {@link LODShares} needs of the batching job. @internal */
export interface ShareHost {
  readonly settings: BatchingSettings
  readonly table: GroupTable
  /** 1 shown, 0 hidden, -1 not in the scene (as the job counts hides). */
  shown(o: Object3D): number
  /** Whether the mesh may be batched at all (the cheap checks). */
  candidate(o: Object3D): boolean
  /** The group the entry's mesh belongs in now, or null. */
  groupOf(e: Entry): BatchGroup | null
  /** Whether `group` may open batches now (its batch program compiled, with a warm-up job); else starts warming it. */
  warm(group: BatchGroup, e: Entry): boolean
  /** Marks `e` drawn by `batch`'s instance `id` (state, `layers.test`, stats; the batch into the scene). */
  attach(e: Entry, batch: Batch, id: number): void
  /** `e` is no longer drawn by a batch: it draws itself and is watched until it settles (state OUT). */
  release(e: Entry): void
  /** `e` leaves (as the job's `leave`): the whole share with it. */
  leave(e: Entry): void
  /** Drops `e` (removed from the scene). */
  drop(e: Entry): void
  /** Puts `e` (a level of a share that just ended, still batched) into a batch of its group for movers. */
  toMovers(e: Entry): void
  /** The scheduler's frame. */
  frame(): number
  /** Whether `e`'s material and geometry are as when it joined. */
  same(e: Entry): boolean
}

/**
 * The batching job's LODs drawn through one instance each. A LOD qualifies
 * when each of its levels is one batchable mesh without children, all in
 * one group (material up to colour, layout, shadow flags, layers, render
 * order), and no more than one level is shown; then its levels' geometries
 * go into one batch and one instance draws the shown level: on a switch (the
 * LOD job's level listener, or the sweep) the instance gets that level's
 * geometry (`setGeometryIdAt`), matrix and colour. Two levels shown at once,
 * a level swapped, changed, moved out of the LOD or removed: the share ends
 * and the levels draw themselves until they settle and rejoin one by one.
 * @internal
 */
export class LODShares {
  private readonly byLOD = new Map<Object3D, Share>()
  /** Level meshes drawn through a share beyond one per share (the stats count meshes, not instances). */
  extra = 0

  constructor(private readonly host: ShareHost) {}

  get(lod: Object3D): Share | undefined {
    return this.byLOD.get(lod)
  }

  /**
   * Joins `e`'s LOD as one instance when it qualifies (its levels all still
   * pending). @returns false to let `e` join by itself.
   */
  tryJoin(e: Entry, members: readonly Entry[] | undefined): boolean {
    const host = this.host
    const lod = e.unit as LOD
    if ((lod as Object3D) === e.object || members === undefined) return false
    const levels = lod.levels
    if (levels.length < 2 || members.length !== levels.length) return false
    const list: Entry[] = []
    const records: GeometryRecord[] = []
    let group: BatchGroup | null = null
    let shown: Entry | null = null
    let shownCount = 0
    for (let i = 0; i < levels.length; i++) {
      const o = (levels[i] as { object: Object3D }).object
      const m = members.find((x) => x.object === o)
      if (m === undefined || m.state !== PENDING || o.children.length > 0 || !host.candidate(o)) return false
      const s = host.shown(o)
      if (s < 0 || o.matrixWorld.determinant() < 0) return false
      const g = host.groupOf(m)
      if (g === null || (group !== null && g !== group)) return false
      group = g
      if (s === 1) {
        shown = m
        shownCount++
      }
      list.push(m)
      records.push(m.geoRecord as GeometryRecord)
    }
    if (group === null || shownCount > 1 || !host.warm(group, list[0] as Entry)) return false
    const batch = host.table.batchForAll(group, records, host.settings)
    const ids = records.map((r) => batch.geometryIdOf(r))
    const current = shown ?? (list[0] as Entry)
    const k = list.indexOf(current)
    const id = batch.addInstanceOf(ids[k] as number, current.object.matrixWorld, colorOf(group, current), shown !== null && !current.culled)
    const share = new Share(lod, list, batch, id, ids)
    share.current = current
    for (const m of list) {
      if (m.pendingGroup !== null) {
        m.pendingGroup.pending--
        m.pendingGroup = null
      }
      m.share = share
      host.attach(m, batch, id)
    }
    this.byLOD.set(lod, share)
    this.extra += list.length - 1
    return true
  }

  /**
   * Shows the level that is shown (geometry, matrix, colour), or hides the
   * instance when none is; ends the share when more than one is.
   */
  refresh(share: Share): void {
    const host = this.host
    let shown: Entry | null = null
    let count = 0
    const levels = share.levels
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i] as Entry
      if (host.shown(l.object) === 1) {
        shown = l
        count++
      }
    }
    if (count > 1) {
      this.end(share, null)
      return
    }
    const batch = share.batch
    const id = share.instance
    if (shown !== null) {
      if (shown !== share.current) {
        share.current = shown
        batch.setGeometryIdAt(id, share.geometryIds[levels.indexOf(shown)] as number)
        // (Levels usually stand where the LOD does: no matrix write, so no upload of the batch's matrix texture.)
        if (!batch.holdsMatrix(id, shown.object.matrixWorld)) batch.setMatrix(id, shown.object.matrixWorld)
      }
      if (batch.group.hasColor) batch.syncColor(id, (shown.object.material as unknown as { color: Color }).color)
    }
    batch.setVisible(id, shown !== null && !shown.culled)
  }

  /** The sweep's visit of a share (once, at its first level): changes end it; a move updates the instance. */
  visit(share: Share): void {
    const host = this.host
    const group = share.batch.group
    for (const l of share.levels) {
      const o = l.object
      if (host.shown(o) < 0 || o.parent !== share.lod) {
        host.drop(l)
        return
      }
      if (o.material !== l.material || o.geometry !== l.geometry || !host.same(l) || o.children.length > 0) {
        host.leave(l)
        return
      }
      if (!group.fits(o)) {
        host.leave(l)
        return
      }
    }
    const current = share.current
    const first = share.levels[0] as Entry
    if (current !== null && !share.batch.holdsMatrix(share.instance, current.object.matrixWorld)) {
      if (current.object.matrixWorld.determinant() < 0 || ++first.moves >= host.settings.leaveAfterMoves) {
        host.leave(current)
        return
      }
      share.batch.setMatrix(share.instance, current.object.matrixWorld)
    } else {
      first.moves = 0
    }
    this.refresh(share)
  }

  /**
   * The matrix job wrote a level's world matrix: the instance follows when
   * that level is the one drawn; a LOD written frame after frame leaves the
   * share for batches of movers, its levels one instance each (a LOD's
   * instance in a static batch would re-upload that batch's matrices every
   * frame).
   */
  written(e: Entry, matrix: Matrix4): void {
    const share = e.share as Share
    if (share.current !== e) return
    if (matrix.determinant() < 0) return this.host.leave(e)
    if (!e.written(this.host.frame())) return share.batch.setMatrix(share.instance, matrix)
    if (!this.unshare(share)) return
    for (const l of share.levels) this.host.toMovers(l)
  }

  /**
   * Ends `share`: its instance goes, every level but `cause` (which the
   * caller handles) draws itself and is watched until it settles.
   */
  end(share: Share, cause: Entry | null): void {
    if (!this.unshare(share)) return
    for (const l of share.levels) if (l !== cause && l.state === BATCHED) this.host.release(l)
  }

  /** Forgets `share` and removes its instance (the levels keep their batch fields, for the caller). @returns false when it had ended already. */
  private unshare(share: Share): boolean {
    if (this.byLOD.get(share.lod) !== share) return false
    this.byLOD.delete(share.lod)
    this.extra -= share.levels.length - 1
    this.host.table.remove(share.batch, share.instance)
    for (const l of share.levels) l.share = null
    return true
  }

  clear(): void {
    this.byLOD.clear()
    this.extra = 0
  }
}

function colorOf(group: BatchGroup, e: Entry): Color | null {
  return group.hasColor ? (e.object.material as unknown as { color: Color }).color : null
}
