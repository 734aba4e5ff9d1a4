import type { LOD, Object3D, Scene } from 'three'
import { liveChanges, type WorldMatrixChanges } from '../matrices/WorldMatrixChanges.js'
import type { Batch } from './Batch.js'
import { BATCHED, type Entry } from './Entry.js'
import type { EntryTable } from './EntryTable.js'
import type { LODShares } from './LODShares.js'
import type { BatchingSettings } from './StaticBatchingJobOptions.js'

/** What the listeners need from the batching job. @internal */
export interface FollowHost {
  readonly entries: EntryTable
  readonly shares: LODShares
  readonly settings: BatchingSettings
  readonly scene: Scene
  /** 1 when in the scene and shown, 0 when hidden, -1 when not in the scene (see `shownIn`). */
  shown(o: Object3D): number
  frame(): number
  /** A batched mesh leaves its batch (moving or changed). */
  leave(e: Entry): void
  /** `e` (batched in `from`, or ending a LOD share: null) goes to a batch of its group for movers. */
  toMovers(e: Entry, from: Batch | null): void
}

/**
 * Keeps the batched instances following the other built-in jobs at once:
 * the culling job's hides and shows (a LOD as one, when it drives the
 * instances), the LOD job's level switches, and MatrixSyncJob's matrix
 * writes (a mesh written frame after frame goes to a batch for movers).
 * Registers and removes those listeners. @internal
 */
export class InstanceFollow {
  private matrixJob: WorldMatrixChanges | null = null

  constructor(private readonly host: FollowHost) {}

  /** The MatrixSyncJob listened to now, or null. */
  get matrices(): WorldMatrixChanges | null {
    return this.matrixJob
  }

  /** Listens to the culling job (when it drives the instances) and the LOD job of the settings. */
  listen(): void {
    const settings = this.host.settings
    if (settings.driven) settings.culling?.addCullListener?.(this.onCull)
    settings.lods?.addLevelListener(this.onLevel)
  }

  /** Follows the scene's live MatrixSyncJob (the one given, or the one found; it may come and go). */
  attachMatrices(): void {
    const job = liveChanges(this.host.settings.matrices, this.host.scene)
    if (job === this.matrixJob) return
    this.detachMatrices()
    this.matrixJob = job
    job?.addWriteListener(this.onMatrixWritten)
  }

  /** `e`'s instance (or LOD share) shows what its mesh's visible chain and culled flag say. */
  refreshVisible(e: Entry): void {
    const host = this.host
    if (e.share !== null) host.shares.refresh(e.share)
    else if (e.state === BATCHED) (e.batch as Batch).setVisible(e.instance, host.shown(e.object) === 1 && !e.culled)
  }

  /** Removes every listener. */
  dispose(): void {
    this.detachMatrices()
    const settings = this.host.settings
    if (settings.driven) settings.culling?.removeCullListener?.(this.onCull)
    settings.lods?.removeLevelListener(this.onLevel)
  }

  private detachMatrices(): void {
    if (this.matrixJob !== null && !this.matrixJob.isDisposed) this.matrixJob.removeWriteListener(this.onMatrixWritten)
    this.matrixJob = null
  }

  /** The culler hid or showed `object` (a mesh, or a LOD as one): its instances follow at once. */
  private readonly onCull = (object: Object3D): void => {
    const e = this.host.entries.get(object)
    if (e !== undefined) this.refreshVisible(e)
    else this.onLevel(object as LOD)
  }

  /** A LOD's level changed (or the culler hid or showed it): its batched levels follow at once. */
  private readonly onLevel = (lod: LOD): void => {
    const host = this.host
    const share = host.shares.get(lod)
    if (share !== undefined) return host.shares.refresh(share)
    const members = host.entries.membersOf(lod)
    if (members === undefined) return
    for (let i = 0; i < members.length; i++) this.refreshVisible(members[i] as Entry)
  }

  /** A MatrixSyncJob wrote `object`'s world matrix: its instance follows at once. */
  private readonly onMatrixWritten = (object: Object3D): void => {
    const host = this.host
    const e = host.entries.get(object)
    if (e === undefined || e.state !== BATCHED) return
    if (e.share !== null) return host.shares.written(e, object.matrixWorld)
    const batch = e.batch as Batch
    if (object.matrixWorld.determinant() < 0) return host.leave(e)
    // Written frame after frame: to a batch for movers, so the static batch stops re-uploading its matrices.
    if (!batch.movers && e.written(host.frame())) return host.toMovers(e, batch)
    batch.setMatrix(e.instance, object.matrixWorld)
  }
}
