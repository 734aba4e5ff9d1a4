/**
 * The five kinds of batch work, in strict priority order: a lower number runs
 * first. One FIFO queue is kept per type.
 *
 * @example
 * ```ts
 * scheduler.enqueue(BatchType.Physics, stepBodies, { weight: 0.2 })
 * ```
 */
export const BatchType = {
  /** Matrix / transform propagation. Highest priority. */
  Transform: 0,
  /** Visibility: frustum culling, occlusion. */
  Visibility: 1,
  /** Physics integration and collision. */
  Physics: 2,
  /** Level-of-detail selection. */
  LOD: 3,
  /** Agent logic, path finding. Lowest priority. */
  AI: 4,
} as const

/** A value of {@link BatchType}: `0` (Transform) … `4` (AI). */
export type BatchType = (typeof BatchType)[keyof typeof BatchType]

/** Number of batch types (the length of every per-type array). */
export const BATCH_TYPE_COUNT = 5

/** Display names, indexed by {@link BatchType}. */
export const BATCH_TYPE_NAMES: readonly string[] = ['Transform', 'Visibility', 'Physics', 'LOD', 'AI']

/** True when `value` is one of the five {@link BatchType} values. */
export function isBatchType(value: unknown): value is BatchType {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < BATCH_TYPE_COUNT
}
