import type { Material } from 'three'

/** The parts of three's `WebGLProgram` whose first call queries the linked program. */
interface ThreeProgram {
  getUniforms(): unknown
  getAttributes(): unknown
}

/**
 * Makes three's first use of `material`'s current program now: its
 * `getUniforms()` and `getAttributes()` (the shader-error check, uniform and
 * attribute reflection), which a first draw would otherwise make. These are
 * synchronous GL queries: where the link is resolved lazily (Chromium's
 * ANGLE without `KHR_parallel_shader_compile`, SwiftShader among them) the
 * first one waits for the link itself, hundreds of ms a program in software.
 * The warm-up job makes them between frames, one program at a time, so the wait is
 * spread over frames and no draw waits. @returns false when `renderer` is
 * not a WebGLRenderer or has no program for `material` (nothing done).
 * @internal
 */
export function firstUse(renderer: object, material: Material): boolean {
  const properties = (renderer as { properties?: { get?: (o: object) => unknown } }).properties
  if (properties === undefined || typeof properties.get !== 'function') return false
  const program = (properties.get(material) as { currentProgram?: Partial<ThreeProgram> } | undefined)?.currentProgram
  if (program === undefined || typeof program.getUniforms !== 'function' || typeof program.getAttributes !== 'function') return false
  program.getUniforms()
  program.getAttributes()
  return true
}
