import type { Controller, GUI } from 'lil-gui'
import type { BatchScheduler } from '../core/BatchScheduler.js'
import { BATCH_TYPE_NAMES } from '../core/BatchType.js'
import type { FixedSystemHandle, SystemHandle } from '../core/types.js'
import { formatMs } from './utils/format.js'
import { updateIfChanged } from './utils/updateIfChanged.js'

/** The controllers that show one system. */
export interface SystemRow {
  /** The system. */
  readonly handle: SystemHandle
  /** Its `enabled` checkbox, labelled with its name and type. */
  readonly enabled: Controller
  /** Its `weight` slider (0..1), labelled with its measured cost. */
  readonly weight: Controller
  /** The cost text beside the weight label (with "in flight" / fixed-step drops when they apply). */
  readonly cost: HTMLSpanElement
  /** Its type: choosing another moves the system to that queue live (`handle.type`). */
  readonly type: Controller
}

/** The type dropdown's choices: label → BatchType. */
const TYPE_CHOICES: Record<string, number> = /*@__PURE__*/ Object.fromEntries(BATCH_TYPE_NAMES.map((name, type) => [name, type]))

/** Label of a system's row: its name and current type. */
function rowLabel(handle: SystemHandle): string {
  return `${handle.name} (${BATCH_TYPE_NAMES[handle.type]})`
}

/** The cost text: measured (or estimated) ms, and whether a run is in flight or fixed steps were dropped. */
function costText(h: SystemHandle): string {
  // Before its first run a system has only its prediction (weight × budget).
  let text = Number.isNaN(h.measuredMs) ? `est ${formatMs(h.estimateMs)} ms` : `${formatMs(h.measuredMs)} ms`
  if (h.inFlight) text += ' · in flight'
  const dropped = (h as Partial<FixedSystemHandle>).droppedSteps
  if (dropped !== undefined && dropped > 0) text += ` · ${dropped} dropped`
  return text
}

/**
 * Keeps one lil-gui folder in step with `scheduler.systems`: a checkbox, a
 * weight slider and a type dropdown (moves the system live) per system, the slider labelled with the system's measured
 * cost (`measuredMs`; before its first run, `est` and its `estimateMs`). {@link SystemControls.sync} adds rows for new systems and removes
 * those of removed ones; the panel calls it on its throttled refresh.
 *
 * @example
 * ```ts
 * const systems = new SystemControls(gui.addFolder('Systems'), scheduler)
 * scheduler.addSystem(BatchType.AI, think, { name: 'agents' })
 * systems.sync() // a row for "agents" appears
 * ```
 */
export class SystemControls {
  /** The folder the rows live in. */
  readonly folder: GUI
  private readonly scheduler: BatchScheduler
  private readonly rowList: SystemRow[] = []
  private readonly note: HTMLDivElement
  private disposed = false

  /**
   * @param folder a lil-gui folder owned by the caller (rows are added to it).
   * @param scheduler whose systems to show.
   */
  constructor(folder: GUI, scheduler: BatchScheduler) {
    this.folder = folder
    this.scheduler = scheduler
    this.note = document.createElement('div')
    this.note.className = 'tbs-devtools'
    this.note.textContent = 'no systems'
    folder.$children.appendChild(this.note)
    this.sync()
  }

  /** The rows, in the scheduler's registration order. */
  get rows(): readonly SystemRow[] {
    return this.rowList
  }

  /** The row of `handle`, if shown. */
  rowOf(handle: SystemHandle): SystemRow | undefined {
    for (const row of this.rowList) if (row.handle === handle) return row
    return undefined
  }

  /**
   * Matches the rows to `scheduler.systems`: removes rows of removed systems,
   * adds rows for new ones. Allocates nothing when nothing changed.
   *
   * @returns true when rows were added or removed.
   */
  sync(): boolean {
    if (this.disposed) return false
    const systems = this.scheduler.systems
    const rows = this.rowList
    if (rows.length === systems.length) {
      let same = true
      for (let i = 0; i < rows.length; i++) {
        if ((rows[i] as SystemRow).handle !== systems[i]) {
          same = false
          break
        }
      }
      if (same) return false
    }
    for (let i = rows.length - 1; i >= 0; i--) {
      const row = rows[i] as SystemRow
      if (!row.handle.active || !systems.includes(row.handle)) {
        row.enabled.destroy()
        row.weight.destroy()
        row.type.destroy()
        rows.splice(i, 1)
      }
    }
    for (const handle of systems) {
      if (this.rowOf(handle) === undefined) rows.push(this.addRow(handle))
    }
    this.note.style.display = rows.length === 0 ? '' : 'none'
    return true
  }

  /** Updates the cost labels and the controllers' displayed values. */
  refresh(): void {
    for (const row of this.rowList) {
      const h = row.handle
      const text = costText(h)
      if (row.cost.textContent !== text) {
        row.cost.textContent = text
        row.cost.title = `measured ${formatMs(h.measuredMs)} ms · predicted ${formatMs(h.estimateMs)} ms (smoothed per run)`
      }
      updateIfChanged(row.enabled)
      updateIfChanged(row.weight)
      updateIfChanged(row.type)
      if (row.enabled._name !== rowLabel(h)) row.enabled.name(rowLabel(h))
    }
  }

  /** Removes every row and the note; the folder itself belongs to the caller. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    for (const row of this.rowList) {
      row.enabled.destroy()
      row.weight.destroy()
      row.type.destroy()
    }
    this.rowList.length = 0
    this.note.remove()
  }

  private addRow(handle: SystemHandle): SystemRow {
    const enabled = this.folder.add(handle, 'enabled').name(rowLabel(handle))
    const weight = this.folder.add(handle, 'weight', 0, 1, 0.01).name('weight')
    weight.domElement.classList.add('tbs-weight')
    const cost = document.createElement('span')
    cost.className = 'tbs-system-cost'
    weight.$name.appendChild(cost)
    const type = this.folder.add(handle, 'type', TYPE_CHOICES).name('type')
    const row: SystemRow = { handle, enabled, weight, cost, type }
    return row
  }
}
