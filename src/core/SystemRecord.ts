import type { BatchType } from './BatchType.js'
import type { SystemHandle } from './types.js'
import { checkBoolean, checkInteger, checkWeight } from './validate.js'

/**
 * What a {@link SystemRecord} asks of its scheduler: the per-slot data lives in
 * the scheduler's job pool, so the handle reads and writes it through these.
 * @internal
 */
export interface SystemHost {
  systemWeight(slot: number): number
  setSystemWeight(slot: number, value: unknown): void
  systemEstimate(slot: number): number
  systemMeasured(slot: number): number
  systemEnabledChanged(slot: number, enabled: boolean): void
  setSystemType(record: SystemRecord, type: unknown): void
  removeSystem(record: SystemRecord): void
}

/**
 * The object behind a {@link SystemHandle}: what the handle owns itself
 * (enabled, interval, run count); the rest is in the scheduler's job pool.
 * @internal
 */
export class SystemRecord implements SystemHandle {
  /** @internal Frame in which it was last armed. */
  lastArmed = -Infinity
  /** @internal Runs so far. */
  runCount = 0
  /** @internal True for a fixed-step system: stepped by time, never armed. */
  readonly stepped: boolean = false
  /** @internal True while its last run's Promise is pending. */
  pending = false
  /** @internal The type it runs as (the pool's copy follows it; see BatchScheduler.setSystemType). */
  kind: BatchType
  /** @internal Reactions to its async runs, made once (an async system's run allocates only the Promise `then` returns). */
  onFulfilled: (() => void) | null = null
  /** @internal */
  onRejected: ((error: unknown) => void) | null = null
  private live = true
  private isEnabled: boolean
  private every: number

  constructor(
    private readonly host: SystemHost,
    /** @internal */ readonly slot: number,
    readonly name: string,
    type: BatchType,
    interval: number,
    enabled: boolean,
  ) {
    this.kind = type
    this.every = interval
    this.isEnabled = enabled
  }

  get type(): BatchType {
    return this.kind
  }

  set type(value: BatchType) {
    this.host.setSystemType(this, value)
  }

  get inFlight(): boolean {
    return this.pending
  }

  get weight(): number {
    return this.live ? this.host.systemWeight(this.slot) : 0
  }

  set weight(value: number) {
    if (this.live) this.host.setSystemWeight(this.slot, value)
    else checkWeight('SystemHandle.weight', value)
  }

  get enabled(): boolean {
    return this.isEnabled
  }

  set enabled(value: boolean) {
    const next = checkBoolean('SystemHandle.enabled', 'enabled', value, true)
    if (next === this.isEnabled) return
    this.isEnabled = next
    if (this.live) this.host.systemEnabledChanged(this.slot, next)
  }

  get interval(): number {
    return this.every
  }

  set interval(value: number) {
    this.every = checkInteger('SystemHandle.interval', 'interval', value, 1)
  }

  get estimateMs(): number {
    return this.live ? this.host.systemEstimate(this.slot) : 0
  }

  get measuredMs(): number {
    return this.live ? this.host.systemMeasured(this.slot) : NaN
  }

  get runs(): number {
    return this.runCount
  }

  get active(): boolean {
    return this.live
  }

  remove(): void {
    if (!this.live) return
    this.live = false
    this.host.removeSystem(this)
  }

  /** @internal */
  deactivate(): void {
    this.live = false
  }
}
