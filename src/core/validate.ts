import { BATCH_TYPE_COUNT, type BatchType, isBatchType } from './BatchType.js'

/** Formats a value for an error message without throwing on odd inputs. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'symbol') return value.toString()
  if (value !== null && typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object'
  return String(value)
}

/** Throws unless `type` is a BatchType. */
export function checkType(api: string, type: unknown): asserts type is BatchType {
  if (!isBatchType(type)) {
    throw new RangeError(`${api}: type must be a BatchType (an integer 0..${BATCH_TYPE_COUNT - 1}), got ${describe(type)}`)
  }
}

/** Clamps a finite weight to [0, 1]; throws on NaN, ±Infinity or a non-number. */
export function checkWeight(api: string, weight: unknown): number {
  if (typeof weight !== 'number') throw new TypeError(`${api}: weight must be a number, got ${describe(weight)}`)
  if (!Number.isFinite(weight)) throw new RangeError(`${api}: weight must be a finite number, got ${describe(weight)}`)
  return weight < 0 ? 0 : weight > 1 ? 1 : weight
}

/** Returns a finite number > 0 or throws. */
export function checkPositive(api: string, arg: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${api}: ${arg} must be a number, got ${describe(value)}`)
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${api}: ${arg} must be a finite number > 0, got ${describe(value)}`)
  }
  return value
}

/** Returns an integer ≥ `min` or throws. */
export function checkInteger(api: string, arg: string, value: unknown, min: number): number {
  if (typeof value !== 'number') throw new TypeError(`${api}: ${arg} must be a number, got ${describe(value)}`)
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${api}: ${arg} must be an integer >= ${min}, got ${describe(value)}`)
  }
  return value
}

/** Throws unless `fn` is a function. */
export function checkFunction(api: string, arg: string, fn: unknown): void {
  if (typeof fn !== 'function') throw new TypeError(`${api}: ${arg} must be a function, got ${describe(fn)}`)
}

/** Returns the string or `undefined`; throws on other types. */
export function checkName(api: string, name: unknown): string | undefined {
  if (name === undefined) return undefined
  if (typeof name !== 'string') throw new TypeError(`${api}: name must be a string, got ${describe(name)}`)
  return name
}

/** Returns the boolean or the fallback; throws on other types. */
export function checkBoolean(api: string, arg: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new TypeError(`${api}: ${arg} must be a boolean, got ${describe(value)}`)
  return value
}

/** A share of the budget: a number in (0, 1]. */
export function checkShare(api: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${api}: share must be a number, got ${describe(value)}`)
  if (!Number.isFinite(value) || value <= 0 || value > 1) {
    throw new RangeError(`${api}: share must be a finite number in (0, 1], got ${describe(value)}`)
  }
  return value
}

/** A finite number ≥ 0 (`minSliceMs`, a frame's `deltaMs`, `hasBudget`'s ms). */
export function checkNonNegative(api: string, arg: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${api}: ${arg} must be a number, got ${describe(value)}`)
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${api}: ${arg} must be a finite number >= 0, got ${describe(value)}`)
  }
  return value
}

/** Writes the `maxDeferFrames` option (one number, or per type) into `into`. */
export function applyMaxDefer(api: string, value: unknown, into: Float64Array): void {
  if (typeof value === 'number') {
    into.fill(checkInteger(api, 'maxDeferFrames', value, 0))
    return
  }
  if (value === null || typeof value !== 'object') {
    throw new TypeError(`${api}: maxDeferFrames must be a number or an object keyed by BatchType, got ${describe(value)}`)
  }
  for (const key of Object.keys(value)) {
    const type = Number(key)
    checkType(`${api}: maxDeferFrames key`, type)
    into[type] = checkInteger(api, `maxDeferFrames[${key}]`, (value as Record<number, unknown>)[type], 0)
  }
}

/** Writes the `typeShare` option (per type) into `into`. */
export function applyTypeShare(api: string, value: unknown, into: Float64Array): void {
  if (value === null || typeof value !== 'object') {
    throw new TypeError(`${api}: typeShare must be an object keyed by BatchType, got ${describe(value)}`)
  }
  for (const key of Object.keys(value)) {
    const type = Number(key)
    checkType(`${api}: typeShare key`, type)
    into[type] = checkShare(`${api}: typeShare[${key}]`, (value as Record<number, unknown>)[type])
  }
}
