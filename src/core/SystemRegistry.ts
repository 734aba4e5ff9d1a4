import type { BatchType } from './BatchType.js'
import type { CostModel } from './CostModel.js'
import { FixedSystemRecord } from './FixedSystemRecord.js'
import { CANCELLED, type JobPool, QUEUED, RUNNING, SKIP, SLICED, SYSTEM } from './JobPool.js'
import type { JobRunner } from './JobRunner.js'
import type { PendingMoves } from './PendingMoves.js'
import { type SystemHost, SystemRecord } from './SystemRecord.js'
import type { CheckedFixedOptions, CheckedSystemOptions } from './systemOptions.js'
import type { TypeQueues } from './TypeQueues.js'
import type { FixedStepFn, JobFn } from './types.js'
import { checkType, checkWeight } from './validate.js'

/**
 * The scheduler's systems: their records, the pool slot each owns, arming
 * them each frame, and what their handles ask for (weight, enabled, type,
 * remove). Fixed-step systems are listed twice: with every system (for the
 * devtools and `scheduler.systems`) and in `fixed` (for the steps).
 * @internal
 */
export class SystemRegistry implements SystemHost {
  /** Every registered system, in registration order. */
  readonly list: SystemRecord[] = []
  /** The fixed-step systems, in registration order. */
  readonly fixed: FixedSystemRecord[] = []

  constructor(
    private readonly pool: JobPool,
    private readonly costs: CostModel,
    private readonly queues: TypeQueues,
    private readonly runner: JobRunner,
    /** The system owning each pool slot, or null (shared with the runner). */
    private readonly bySlot: (SystemRecord | null)[],
    /** Type changes asked for during a frame (shared with the scheduler, which applies them at its end). */
    private readonly moves: PendingMoves,
  ) {}

  /** Registers a per-frame system (`addSystem`, its arguments checked). */
  addSystem(type: BatchType, fn: JobFn, o: CheckedSystemOptions): SystemRecord {
    const slot = this.allocSlot(fn, o.name, type, o.sliced ? SYSTEM | SLICED : SYSTEM, o.weight)
    const record = new SystemRecord(this, slot, this.pool.name[slot] as string, type, o.interval, o.enabled)
    this.add(record)
    return record
  }

  /** Registers a fixed-timestep system (`addFixedSystem`, its arguments checked). */
  addFixedSystem(type: BatchType, fn: FixedStepFn, o: CheckedFixedOptions): FixedSystemRecord {
    const slot = this.allocSlot(fn as unknown as JobFn, o.name, type, SYSTEM, o.weight)
    const record = new FixedSystemRecord(this, slot, this.pool.name[slot] as string, type, o.enabled, o.stepMs, o.maxSteps)
    this.add(record)
    return record
  }

  /** Takes a pool slot for a new system's function. */
  private allocSlot(fn: JobFn, name: string | undefined, type: BatchType, flags: number, weight: number): number {
    const pool = this.pool
    const slot = pool.alloc()
    pool.fn[slot] = fn
    pool.name[slot] = name ?? (fn.name || 'anonymous')
    pool.type[slot] = type
    pool.flags[slot] = flags
    pool.weight[slot] = weight
    pool.costIndex[slot] = this.costs.create()
    pool.eligibleFrame[slot] = 0
    pool.lastRunFrame[slot] = -1
    return slot
  }

  /** Lists a system whose slot was taken with {@link SystemRegistry.allocSlot}. */
  private add(record: SystemRecord): void {
    this.list.push(record)
    if (record.stepped) this.fixed.push(record as FixedSystemRecord)
    while (this.bySlot.length <= record.slot) this.bySlot.push(null)
    this.bySlot[record.slot] = record
  }

  /** Queues every enabled system that is due this frame and not queued or in flight. */
  arm(frame: number): void {
    const pool = this.pool
    const list = this.list
    for (let i = 0; i < list.length; i++) {
      const system = list[i] as SystemRecord
      if (!system.enabled || system.pending || system.stepped) continue
      const slot = system.slot
      const flags = pool.flags[slot] as number
      if (flags & QUEUED || frame - system.lastArmed < system.interval) continue
      system.lastArmed = frame
      pool.flags[slot] = flags | QUEUED
      pool.eligibleFrame[slot] = frame
      this.queues.push(pool.type[slot] as number, slot)
    }
  }

  /** Moves a system to another type now (between frames). */
  applyType(record: SystemRecord, type: BatchType): void {
    record.kind = type
    if (record.active) this.moveSlot(record.slot, type)
  }

  /** Moves a slot's queue entry (if any) to another type. Not while a frame walks the queues. */
  moveSlot(slot: number, type: number): void {
    const flags = this.pool.flags[slot] as number
    const queued = (flags & QUEUED) !== 0 && (flags & RUNNING) === 0
    this.queues.move(slot, type, queued, (flags & (SKIP | CANCELLED)) === 0)
  }

  /** Forgets every system (the scheduler's dispose). */
  clear(): void {
    for (const record of this.list) record.deactivate()
    this.list.length = 0
    this.fixed.length = 0
    this.bySlot.fill(null)
  }

  // ---- SystemHost: what a handle asks for -----------------------------------

  systemWeight(slot: number): number {
    return this.pool.weight[slot] as number
  }

  setSystemWeight(slot: number, value: unknown): void {
    this.pool.weight[slot] = checkWeight('SystemHandle.weight', value)
  }

  systemEstimate(slot: number): number {
    const learned = this.costs.predict(this.pool.costIndex[slot] as number)
    return Number.isNaN(learned) ? (this.pool.weight[slot] as number) * this.runner.budget : learned
  }

  systemMeasured(slot: number): number {
    return this.costs.predict(this.pool.costIndex[slot] as number)
  }

  systemEnabledChanged(slot: number, enabled: boolean): void {
    const pool = this.pool
    const flags = pool.flags[slot] as number
    if ((flags & QUEUED) === 0 || flags & RUNNING) return
    const type = pool.type[slot] as number
    if (!enabled && (flags & SKIP) === 0) {
      pool.flags[slot] = flags | SKIP
      this.queues.leave(slot, type)
      this.queues.compactIfNeeded(type)
    } else if (enabled && flags & SKIP) {
      pool.flags[slot] = flags & ~SKIP
      this.queues.rejoin(slot, type)
    }
  }

  /** Sets a system's type: at once between frames, at the frame's end during one. */
  setSystemType(record: SystemRecord, value: unknown): void {
    checkType('SystemHandle.type', value)
    if (!record.active || this.runner.disposed) {
      record.kind = value
      return
    }
    if (this.queues.inFrame) this.moves.push(-1, value, record)
    else this.applyType(record, value)
  }

  removeSystem(record: SystemRecord): void {
    const slot = record.slot
    const pool = this.pool
    const flags = pool.flags[slot] as number
    const i = this.list.indexOf(record)
    if (i >= 0) this.list.splice(i, 1)
    const f = this.fixed.indexOf(record as FixedSystemRecord)
    if (f >= 0) this.fixed.splice(f, 1)
    this.bySlot[slot] = null
    this.costs.release(pool.costIndex[slot] as number)
    pool.costIndex[slot] = -1
    if (flags & RUNNING) {
      pool.flags[slot] = flags | CANCELLED
    } else if (flags & QUEUED) {
      pool.flags[slot] = flags | CANCELLED
      pool.fn[slot] = null
      const type = pool.type[slot] as number
      if ((flags & SKIP) === 0) this.queues.leave(slot, type)
      this.queues.compactIfNeeded(type)
    } else {
      pool.release(slot)
    }
  }
}
