/** Small benchmark harness: warm-up, repeated runs, median/min/max. */

export interface Sample {
  median: number
  min: number
  max: number
  runs: number
}

/** Runs `fn` `warmup` times untimed, then `runs` times timed; each call returns its own measurement. */
export function measure(fn: () => number, { runs = 7, warmup = 2 } = {}): Sample {
  for (let i = 0; i < warmup; i++) fn()
  const values: number[] = []
  for (let i = 0; i < runs; i++) {
    gc()
    values.push(fn())
  }
  return summarize(values)
}

export function summarize(values: number[]): Sample {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    median: percentile(sorted, 50),
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
    runs: values.length,
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(rank, sorted.length) - 1] as number
}

/** Forces a GC when node runs with --expose-gc; a no-op otherwise. */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc
  if (g) g()
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : String(n)
}

/** Prints a markdown table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const lines = [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`]
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`)
  return lines.join('\n')
}
