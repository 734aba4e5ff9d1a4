import type { FixedSystemOptions, SystemOptions } from './types.js'
import { checkBoolean, checkInteger, checkName, checkPositive, checkWeight, describe } from './validate.js'

/** {@link SystemOptions} checked, with their defaults. @internal */
export interface CheckedSystemOptions {
  weight: number
  name: string | undefined
  interval: number
  sliced: boolean
  enabled: boolean
}

/** {@link FixedSystemOptions} checked, with their defaults. @internal */
export interface CheckedFixedOptions {
  stepMs: number
  maxSteps: number
  weight: number
  name: string | undefined
  enabled: boolean
}

function checkObject(api: string, options: unknown): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${api}: options must be an object, got ${describe(options)}`)
  }
}

/** Checks `addSystem`'s options (registration only: not a per-frame path). @internal */
export function checkSystemOptions(api: string, options: SystemOptions | undefined): CheckedSystemOptions {
  const checked: CheckedSystemOptions = { weight: 0.1, name: undefined, interval: 1, sliced: false, enabled: true }
  if (options === undefined) return checked
  checkObject(api, options)
  if (options.weight !== undefined) checked.weight = checkWeight(api, options.weight)
  checked.name = checkName(api, options.name)
  if (options.interval !== undefined) checked.interval = checkInteger(api, 'interval', options.interval, 1)
  checked.sliced = checkBoolean(api, 'sliced', options.sliced, false)
  checked.enabled = checkBoolean(api, 'enabled', options.enabled, true)
  return checked
}

/** Checks `addFixedSystem`'s options. @internal */
export function checkFixedOptions(api: string, options: FixedSystemOptions | undefined): CheckedFixedOptions {
  const checked: CheckedFixedOptions = { stepMs: 1000 / 60, maxSteps: 4, weight: 0.1, name: undefined, enabled: true }
  if (options === undefined) return checked
  checkObject(api, options)
  if (options.stepMs !== undefined) checked.stepMs = checkPositive(api, 'stepMs', options.stepMs)
  if (options.maxSteps !== undefined) checked.maxSteps = checkInteger(api, 'maxSteps', options.maxSteps, 1)
  if (options.weight !== undefined) checked.weight = checkWeight(api, options.weight)
  checked.name = checkName(api, options.name)
  checked.enabled = checkBoolean(api, 'enabled', options.enabled, true)
  return checked
}
