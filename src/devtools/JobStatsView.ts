/** Anything with a `stats` object of numbers: the built-in jobs (`MatrixSyncJob`, `FrustumCullingJob`, ...). */
export interface JobStatsSource {
  /** The job's live numbers (only its number fields are shown). */
  readonly stats: object
}

/** Hints shown beside a stat's value (name → hint), for the numbers a user acts on. */
const HINTS: Record<string, string> = {
  detected: 'moves found without markDirty this frame: mark them to remove the lag',
  pending: 'marked objects not yet updated',
  moving: 'objects seen moving, compared every frame',
  hidden: 'objects hidden by the culling job now',
}

/**
 * A read-only table of the numbers in each job's `stats` object, for
 * {@link SchedulerPanel}'s `jobs` option. Rows are built once; `refresh()`
 * rewrites only the values that changed (a few times a second, with the
 * panel's text).
 */
export class JobStatsView {
  /** The table. */
  readonly domElement: HTMLTableElement
  private readonly rows: { name: string; key: string; cell: HTMLTableCellElement; last: number }[] = []
  private readonly jobs: Record<string, unknown>

  /**
   * @param jobs a record of jobs by name (e.g. what `installBatchJobs` returns); entries
   *   without a `stats` object (null, functions) are skipped. Entries are read again at each
   *   refresh, so a getter may hand over another job of the same kind later (a row shows '—'
   *   while its entry is null).
   */
  constructor(jobs: object) {
    this.jobs = jobs as Record<string, unknown>
    const table = document.createElement('table')
    table.className = 'tbs-readouts tbs-job-stats'
    for (const [name, job] of Object.entries(jobs)) {
      if (job === null || typeof job !== 'object' || typeof (job as { stats?: unknown }).stats !== 'object') continue
      const source = job as JobStatsSource
      const head = table.insertRow()
      const title = document.createElement('th')
      title.colSpan = 2
      title.textContent = name
      title.style.textAlign = 'left'
      title.style.fontWeight = '600'
      head.appendChild(title)
      for (const [key, value] of Object.entries(source.stats)) {
        if (typeof value !== 'number') continue
        const row = table.insertRow()
        const label = row.insertCell()
        label.textContent = key
        const hint = HINTS[key]
        if (hint !== undefined) label.title = hint
        const cell = row.insertCell()
        cell.style.textAlign = 'right'
        this.rows.push({ name, key, cell, last: Number.NaN })
      }
    }
    this.domElement = table
    this.refresh()
  }

  /** Rewrites the values that changed since the last refresh. */
  refresh(): void {
    for (const row of this.rows) {
      const job = this.jobs[row.name] as { stats?: Record<string, unknown> } | null | undefined
      const value = job?.stats?.[row.key]
      if (typeof value !== 'number') {
        if (row.cell.textContent !== '—') row.cell.textContent = '—'
        row.last = Number.NaN
        continue
      }
      if (Object.is(value, row.last)) continue
      row.last = value
      row.cell.textContent = Number.isInteger(value) ? String(value) : value.toFixed(2)
    }
  }
}
