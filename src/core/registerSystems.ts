import type { BatchScheduler } from './BatchScheduler.js'
import type { FixedSystemOptions, FixedSystemSpec, SystemHandle, SystemOptions, SystemSpec } from './types.js'
import { describe } from './validate.js'

const API = 'BatchScheduler.addSystems'

/**
 * {@link BatchScheduler.addSystems}: registers each entry of `systems` with
 * `addSystem` or `addFixedSystem`, named by its key unless it gives a name.
 * All or nothing: a bad entry removes the systems added before it, and the
 * error names the entry.
 * @internal
 */
export function registerSystems(
  scheduler: BatchScheduler,
  systems: Record<string, SystemSpec | FixedSystemSpec>,
): Record<string, SystemHandle> {
  if (systems === null || typeof systems !== 'object' || Array.isArray(systems)) {
    throw new TypeError(`${API}: systems must be an object of system descriptions keyed by name, got ${describe(systems)}`)
  }
  const handles: Record<string, SystemHandle> = {}
  const added: SystemHandle[] = []
  for (const key of Object.keys(systems)) {
    const spec = systems[key]
    try {
      if (spec === null || typeof spec !== 'object') {
        throw new TypeError(`must be an object ({ type, run, ... }), got ${describe(spec)}`)
      }
      const handle = spec.fixed !== undefined ? addFixed(scheduler, key, spec) : addPlain(scheduler, key, spec as SystemSpec)
      added.push(handle)
      handles[key] = handle
    } catch (error) {
      for (const handle of added) handle.remove()
      const message = error instanceof Error ? error.message.replace(/^BatchScheduler\.\w+: /, '') : String(error)
      const Kind = error instanceof RangeError ? RangeError : error instanceof TypeError ? TypeError : Error
      throw new Kind(`${API}: systems.${key}: ${message}`, { cause: error })
    }
  }
  return handles
}

function addPlain(scheduler: BatchScheduler, key: string, spec: SystemSpec): SystemHandle {
  const options: SystemOptions = { name: spec.name ?? key }
  if (spec.weight !== undefined) options.weight = spec.weight
  if (spec.interval !== undefined) options.interval = spec.interval
  if (spec.sliced !== undefined) options.sliced = spec.sliced
  if (spec.enabled !== undefined) options.enabled = spec.enabled
  return scheduler.addSystem(spec.type, spec.run, options)
}

function addFixed(scheduler: BatchScheduler, key: string, spec: FixedSystemSpec): SystemHandle {
  const fixed: unknown = spec.fixed
  if (fixed === null || typeof fixed !== 'object') {
    throw new TypeError(`fixed must be an object ({ stepMs?, maxSteps? }), got ${describe(fixed)}`)
  }
  const options: FixedSystemOptions = { name: spec.name ?? key }
  if (spec.fixed.stepMs !== undefined) options.stepMs = spec.fixed.stepMs
  if (spec.fixed.maxSteps !== undefined) options.maxSteps = spec.fixed.maxSteps
  if (spec.weight !== undefined) options.weight = spec.weight
  if (spec.enabled !== undefined) options.enabled = spec.enabled
  return scheduler.addFixedSystem(spec.type, spec.run, options)
}
