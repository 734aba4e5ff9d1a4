import type { Controller, GUI } from 'lil-gui'
import type { BatchScheduler } from '../core/BatchScheduler.js'
import { checkInteger } from '../core/validate.js'

/** The numbers a batching job reports (`StaticBatchingJob.stats`). */
export interface BatchingStatsLike {
  /** Batches (`BatchedMesh`es) in the scene. */
  readonly batches: number
  /** Meshes drawn through a batch. */
  readonly batchedObjects: number
  /** Meshes found and not yet batched. */
  readonly pendingObjects: number
  /** Draw calls saved (estimated). */
  readonly drawCallsSaved: number
}

const FIELDS = ['batches', 'batchedObjects', 'pendingObjects', 'drawCallsSaved'] as const
const LABELS = { batches: 'batches', batchedObjects: 'batched objects', pendingObjects: 'pending objects', drawCallsSaved: 'draw calls saved' } as const

/**
 * A small lil-gui folder showing a batching job's stats (batches, batched and
 * pending objects, draw calls saved), refreshed from the scheduler's frames
 * every `refreshFrames` frames (no timer, no loop of its own). `source`
 * returns the stats to show, or null while there is no job (shown as 0), so
 * a job can be replaced under it.
 *
 * @example
 * ```ts
 * const readout = new BatchingReadout(gui, scheduler, () => batching?.stats ?? null)
 * readout.dispose() // removes the folder and the frame listener
 * ```
 */
export class BatchingReadout {
  /** The folder added to the GUI. */
  readonly folder: GUI
  private readonly values = { batches: 0, batchedObjects: 0, pendingObjects: 0, drawCallsSaved: 0 }
  private readonly controllers: Controller[] = []
  private readonly refreshFrames: number
  private frames = 0
  private disposed = false

  /** @throws RangeError when `refreshFrames` is not an integer ≥ 1. */
  constructor(
    gui: GUI,
    private readonly scheduler: BatchScheduler,
    private readonly source: () => BatchingStatsLike | null,
    { title = 'Batching', refreshFrames = 15 }: { title?: string; refreshFrames?: number } = {},
  ) {
    this.refreshFrames = checkInteger('BatchingReadout', 'refreshFrames', refreshFrames, 1)
    this.folder = gui.addFolder(title)
    for (const field of FIELDS) this.controllers.push(this.folder.add(this.values, field).name(LABELS[field]).disable())
    scheduler.addFrameListener(this.onFrame)
    this.refresh()
  }

  /** Reads the stats and updates the text now. */
  refresh(): void {
    const stats = this.source()
    for (const field of FIELDS) this.values[field] = stats === null ? 0 : stats[field]
    for (const c of this.controllers) c.updateDisplay()
  }

  /** Removes the folder and the frame listener. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    this.scheduler.removeFrameListener(this.onFrame)
    this.folder.destroy()
  }

  private readonly onFrame = (): void => {
    if (++this.frames >= this.refreshFrames) {
      this.frames = 0
      this.refresh()
    }
  }
}
