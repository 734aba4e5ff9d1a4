/** Milliseconds with hundredths (`1.23`), or `'—'` when not a finite number. */
export function formatMs(ms: number): string {
  return Number.isFinite(ms) ? ms.toFixed(2) : '—'
}

/** A count for a readout: integers as is, large ones with a k/M suffix. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '—'
  const abs = Math.abs(value)
  if (abs >= 1e7) return `${(value / 1e6).toFixed(1)}M`
  if (abs >= 1e5) return `${(value / 1e3).toFixed(0)}k`
  if (Number.isInteger(value)) return String(value)
  return value.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : 2)
}

/** A short axis label for a count scale: `5`, `20`, `1.5k`, `2M`. */
export function formatTick(value: number): string {
  const abs = Math.abs(value)
  if (abs >= 1e6) return `${trim(value / 1e6)}M`
  if (abs >= 1e3) return `${trim(value / 1e3)}k`
  return trim(value)
}

function trim(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 10) / 10)
}
