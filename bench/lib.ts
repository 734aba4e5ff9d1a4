/** Small benchmark harness: warm-up, repeated runs, median/min/max, seeded randomness, tables. */
import { StallMeter } from './StallMeter.js'

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

/** A contender's figures from {@link measureInterleaved}: ns per unit of work. */
export interface Timed {
  /**
   * Per run: the process's CPU time (`process.cpuUsage()`, which does not
   * count time another process held the CPU), capped at the run's wall time
   * (so GC helper threads working in parallel do not count twice).
   */
  cpu: Sample
  /** Wall-clock time per unit. */
  wall: Sample
  /** Total ms the main thread waited for a CPU during the timed runs (NaN where unavailable). */
  waitedMs: number
}

/**
 * Measures several contenders in interleaved rounds (A B C D, A B C D, …)
 * rather than all runs of A then all of B, so a change in background load
 * hits every contender alike and their ratios stay meaningful. Each
 * contender does `units` units of work per call (jobs, say); a `gc()`
 * precedes every call. Times are taken on the wall clock and as CPU time
 * (see {@link Timed.cpu}), which another process taking the CPU does not inflate.
 */
export async function measureInterleaved(
  contenders: Record<string, () => void | Promise<void>>,
  { runs = 7, warmup = 2, units = 1 } = {},
): Promise<Record<string, Timed>> {
  const meter = new StallMeter()
  const names = Object.keys(contenders)
  const cpu: Record<string, number[]> = {}
  const wall: Record<string, number[]> = {}
  const waited: Record<string, number> = {}
  for (const name of names) {
    cpu[name] = []
    wall[name] = []
    waited[name] = 0
  }
  for (let round = -warmup; round < runs; round++) {
    for (const name of names) {
      gc()
      const q0 = meter.waitedMs()
      const c0 = process.cpuUsage()
      const t0 = performance.now()
      await (contenders[name] as () => void | Promise<void>)()
      const t1 = performance.now()
      const c1 = process.cpuUsage(c0)
      const q1 = meter.waitedMs()
      if (round < 0) continue
      const wallMs = t1 - t0
      const cpuMs = (c1.user + c1.system) / 1000
      ;(wall[name] as number[]).push((wallMs * 1e6) / units)
      ;(cpu[name] as number[]).push((Math.min(cpuMs, wallMs) * 1e6) / units)
      waited[name] = (waited[name] as number) + (q1 - q0)
    }
  }
  meter.dispose()
  const out: Record<string, Timed> = {}
  for (const name of names) {
    out[name] = { cpu: summarize(cpu[name] as number[]), wall: summarize(wall[name] as number[]), waitedMs: waited[name] as number }
  }
  return out
}

export function summarize(values: ArrayLike<number>): Sample {
  const sorted = Array.from(values).sort((a, b) => a - b)
  return {
    median: percentile(sorted, 50),
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
    runs: sorted.length,
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(rank, sorted.length) - 1] as number
}

/** Nearest-rank percentile of an unsorted array (sorts a copy). */
export function percentileOf(values: ArrayLike<number>, p: number): number {
  return percentile(Float64Array.from(values).sort(), p)
}

/** Forces a GC when node runs with --expose-gc; a no-op otherwise. */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc
  if (g) g()
}

/** True when node runs with --expose-gc. */
export function hasGc(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === 'function'
}

/** A number for a table; `–` for NaN or a JSON `null` (what NaN becomes after a round trip). */
export function fmt(n: number | null, digits = 1): string {
  if (n === null || Number.isNaN(n)) return '–'
  return Number.isFinite(n) ? n.toFixed(digits) : String(n)
}

/** `median [min–max]` of a sample. */
export function fmtSample(s: Sample, digits = 1): string {
  return `${fmt(s.median, digits)} [${fmt(s.min, digits)}–${fmt(s.max, digits)}]`
}

/** Prints a markdown table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const lines = [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`]
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`)
  return lines.join('\n')
}

/**
 * A seeded PRNG (mulberry32): the same seed gives the same workload on every
 * run, so two runs differ only by the machine's timing.
 */
export class Random {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.next()
  }

  /** Log-uniform in [min, max): as many values in 5–50 µs as in 50–500 µs. */
  logRange(min: number, max: number): number {
    return min * Math.pow(max / min, this.next())
  }

  /** An integer count with mean `rate`: ⌊rate⌋, plus one with probability frac(rate). */
  count(rate: number): number {
    const whole = Math.floor(rate)
    return whole + (this.next() < rate - whole ? 1 : 0)
  }
}

/** Spins until `ms` milliseconds of `performance.now()` have passed: a job of known cost. */
export function busyWait(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // spin
  }
}
