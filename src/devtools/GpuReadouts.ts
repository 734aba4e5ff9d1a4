import { formatCount, formatMs } from './utils/format.js'
import { ReadoutCells } from './utils/ReadoutCells.js'

/** The numbers of a GPU warm-up job the panel shows (typed structurally: `GpuWarmupJob` from `three-batch-scheduler/jobs`). */
export interface WarmupStatsSource {
  /** The job's live stats. */
  readonly stats: {
    /** Programs waiting to compile or compiling. */
    readonly pendingPrograms: number
    /** Of those, compiling now. */
    readonly compiling: number
    /** Textures waiting to upload. */
    readonly pendingUploads: number
    /** Bytes uploaded in the job's last frame. */
    readonly bytesLastFrame: number
    /** Objects held invisible until ready. */
    readonly held: number
    /** CPU ms of its slices in its last frame (absent: not shown). */
    readonly frameMs?: number
    /** CPU ms of its between-frames callbacks before that frame (absent: not shown). */
    readonly idleMs?: number
  }
}

/**
 * Lines of the panel: the GPU warm-up job's queue (programs pending and
 * compiling, uploads pending, bytes uploaded in its last frame, objects held
 * invisible) and its CPU ms (in its last frame's slices, and between frames
 * before it), when the panel has one, and the panel's own cost (JS ms per
 * frame, smoothed, and 2D canvases painted per frame). Values sit in elements
 * with a `data-readout` key (`warmup.programs`, `warmup.uploads`,
 * `warmup.bytes`, `warmup.held`, `warmup.frameMs`, `warmup.idleMs`,
 * `panel.jsMs`, `panel.canvases`).
 *
 * @example
 * ```ts
 * const lines = new GpuReadouts(warmup)
 * lines.update(panelCostMs, canvasesPerFrame) // a few times a second
 * ```
 */
export class GpuReadouts {
  /** The lines; append where they should show. */
  readonly domElement: HTMLDivElement
  private readonly warmup: WarmupStatsSource | undefined
  private readonly cells = new ReadoutCells()

  /** @param warmup a GPU warm-up job whose stats to show, if any. */
  constructor(warmup?: WarmupStatsSource) {
    this.warmup = warmup
    const root = document.createElement('div')
    root.className = 'tbs-lines'
    if (warmup !== undefined) {
      this.cells.line(root, [
        ['gpu warm-up  programs ', 'warmup.programs'],
        [' uploads ', 'warmup.uploads'],
        [' ', 'warmup.bytes'],
        ['/frame  held ', 'warmup.held'],
      ])
      this.cells.line(root, [
        ['gpu warm-up  ms ', 'warmup.frameMs'],
        [' in frame  ', 'warmup.idleMs'],
        [' between', ''],
      ])
    }
    this.cells.line(root, [
      ['panel  JS ', 'panel.jsMs'],
      [' ms/frame  canvases ', 'panel.canvases'],
      ['/frame', ''],
    ])
    this.domElement = root
  }

  /** The text shown for `key`, or undefined for an unknown key. */
  text(key: string): string | undefined {
    return this.cells.text(key)
  }

  /**
   * Rewrites the values.
   *
   * @param panelMs the panel's own JS ms per frame (smoothed).
   * @param canvases 2D canvases painted per frame (averaged).
   */
  update(panelMs: number, canvases: number): void {
    const w = this.warmup
    if (w !== undefined) {
      const s = w.stats
      this.cells.set('warmup.programs', s.compiling > 0 ? `${formatCount(s.pendingPrograms)} (${formatCount(s.compiling)} compiling)` : formatCount(s.pendingPrograms))
      this.cells.set('warmup.uploads', formatCount(s.pendingUploads))
      this.cells.set('warmup.bytes', formatBytes(s.bytesLastFrame))
      this.cells.set('warmup.held', formatCount(s.held))
      this.cells.set('warmup.frameMs', s.frameMs === undefined ? '—' : formatMs(s.frameMs))
      this.cells.set('warmup.idleMs', s.idleMs === undefined ? '—' : formatMs(s.idleMs))
    }
    this.cells.set('panel.jsMs', formatMs(panelMs))
    this.cells.set('panel.canvases', Number.isFinite(canvases) ? canvases.toFixed(1) : '—')
  }
}

/** Bytes as `0 B`, `12 kB`, `1.5 MB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—'
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`
  return `${Math.round(bytes)} B`
}
