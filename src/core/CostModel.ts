import { growTypedArray } from './utils/growTypedArray.js'

/** Weight of a new measurement when it is above the estimate: learn expensive fast. */
const ALPHA_UP = 0.5
/** Weight of a new measurement when it is below the estimate: forget slowly. */
const ALPHA_DOWN = 0.1
/**
 * Once an entry has this many measurements, a sample is capped at
 * {@link SPIKE_CAP} × the estimate: one run stretched by the OS or a GC pause
 * must not make a cheap job look expensive for many runs (it would stop
 * fitting and block its queue until forced). A real, lasting increase still
 * gets through: the estimate can grow 2.5× per run.
 */
const SPIKE_MIN_SAMPLES = 3
const SPIKE_CAP = 4
/** Not a measurement; `0 / 0` rather than the global NaN, which V8 boxes on every return. */
const NONE = 0 / 0

/**
 * Most distinct job names given a learned cost. Past it, jobs with a new name
 * are not learned (predicted from their weight): a name per job (`'load ' +
 * url`) would otherwise grow the name map for the life of the page.
 */
export const MAX_LEARNED_NAMES = 4096

/**
 * Learned cost per job name or system: an asymmetric exponential moving
 * average of measured milliseconds. It rises quickly when a job gets more
 * expensive (so the next admission does not overrun) and falls slowly when a
 * run was cheap (one lucky run does not invite an overrun).
 * @internal
 */
export class CostModel {
  /** Smoothed ms per entry (valid where `samples` > 0). Read directly on the hot path. */
  estimate = new Float64Array(64)
  /** Measurements taken per entry. */
  samples = new Float64Array(64)
  /**
   * The measurement {@link CostModel.commit} adds: set it, then commit. A
   * field rather than an argument, because a double passed to a call V8 does
   * not inline is boxed (16 bytes per job).
   */
  sample = 0
  private size = 0
  private readonly byName = new Map<string, number>()
  private readonly freeEntries: number[] = []

  /** The shared entry for a job name, created on first use; -1 once {@link MAX_LEARNED_NAMES} names have entries. */
  entryFor(name: string): number {
    let index = this.byName.get(name)
    if (index === undefined) {
      if (this.byName.size >= MAX_LEARNED_NAMES) return -1
      index = this.create()
      this.byName.set(name, index)
    }
    return index
  }

  /** The entry of a job name, or -1 if none was created. */
  find(name: string): number {
    return this.byName.get(name) ?? -1
  }

  /** A private entry (one per system). */
  create(): number {
    const reused = this.freeEntries.pop()
    if (reused !== undefined) return reused
    if (this.size === this.estimate.length) {
      this.estimate = growTypedArray(this.estimate, this.size * 2)
      this.samples = growTypedArray(this.samples, this.size * 2)
    }
    return this.size++
  }

  /** Gives back a private entry. */
  release(index: number): void {
    this.estimate[index] = 0
    this.samples[index] = 0
    this.freeEntries.push(index)
  }

  /** Entries in use (named and private). */
  get used(): number {
    return this.size - this.freeEntries.length
  }

  /** Job names with an entry. */
  get names(): number {
    return this.byName.size
  }

  /** Smoothed ms of the entry, or NaN before it was measured. */
  predict(index: number): number {
    return (this.samples[index] as number) > 0 ? (this.estimate[index] as number) : NONE
  }

  /** Number of measurements taken. */
  sampleCount(index: number): number {
    return this.samples[index] as number
  }

  /** Adds one measurement. */
  record(index: number, ms: number): void {
    this.sample = ms
    this.commit(index)
  }

  /** Adds the measurement in {@link CostModel.sample}. */
  commit(index: number): void {
    const n = this.samples[index] as number
    const old = this.estimate[index] as number
    let sample = this.sample
    if (n >= SPIKE_MIN_SAMPLES && old > 0 && sample > old * SPIKE_CAP) sample = old * SPIKE_CAP
    this.estimate[index] = n === 0 ? sample : old + (sample > old ? ALPHA_UP : ALPHA_DOWN) * (sample - old)
    this.samples[index] = n + 1
  }

  /** Forgets everything. */
  clear(): void {
    this.estimate.fill(0)
    this.samples.fill(0)
    this.size = 0
    this.byName.clear()
    this.freeEntries.length = 0
  }
}
