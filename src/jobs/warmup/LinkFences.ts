/**
 * The WebGL2 fence calls {@link LinkFences} uses (typed structurally).
 */
export interface FenceGL {
  /** `gl.SYNC_GPU_COMMANDS_COMPLETE`. */
  readonly SYNC_GPU_COMMANDS_COMPLETE: number
  /** `gl.SYNC_STATUS`. */
  readonly SYNC_STATUS: number
  /** `gl.SIGNALED`. */
  readonly SIGNALED: number
  /** Places a fence after the commands issued so far. */
  fenceSync(condition: number, flags: number): unknown
  /** Reads a fence's status (never waits). */
  getSyncParameter(sync: unknown, pname: number): unknown
  /** Deletes a fence. */
  deleteSync(sync: unknown): void
  /** True while the context is lost. */
  isContextLost?(): boolean
}

/**
 * Items waiting for the GPU process to get through the commands issued
 * before them, known by polling a WebGL2 fence each (`getSyncParameter`,
 * never `clientWaitSync`). Without `KHR_parallel_shader_compile`, three
 * resolves `compileAsync` as soon as the link is issued; a fence placed then
 * signals once the link is done, so the first draw does not wait for it.
 *
 * @example
 * ```ts
 * const fences = LinkFences.of(renderer) // null where not needed or not possible
 * fences?.add(material)                 // after compileAsync resolved
 * fences?.poll((m) => ready(m))         // each frame: the signalled ones, oldest first
 * ```
 */
export class LinkFences<T> {
  private readonly gl: FenceGL
  private items: T[] = []
  private syncs: unknown[] = []

  private constructor(gl: FenceGL) {
    this.gl = gl
  }

  /**
   * Fences for `renderer` when its programs need them: a WebGL2 context
   * (`renderer.getContext()`, not a WebGPURenderer) without
   * `KHR_parallel_shader_compile`; else null.
   */
  static of<T>(renderer: object): LinkFences<T> | null {
    const getContext = (renderer as { getContext?: () => unknown }).getContext
    if (typeof getContext !== 'function' || (renderer as { backend?: unknown }).backend !== undefined) return null
    let gl: unknown
    try {
      gl = getContext.call(renderer)
    } catch {
      return null
    }
    if (gl === null || typeof gl !== 'object') return null
    const g = gl as FenceGL & { getExtension?: (name: string) => unknown }
    if (typeof g.fenceSync !== 'function' || typeof g.getSyncParameter !== 'function' || typeof g.getExtension !== 'function') return null
    return g.getExtension('KHR_parallel_shader_compile') === null ? new LinkFences<T>(g) : null
  }

  /** Items waiting for their fence. */
  get size(): number {
    return this.items.length
  }

  /** Places a fence for `item`; false (nothing placed) when the context is lost or refuses one. */
  add(item: T): boolean {
    const gl = this.gl
    if (gl.isContextLost?.() ?? false) return false
    const sync = gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0)
    if (sync === null || sync === undefined) return false
    this.items.push(item)
    this.syncs.push(sync)
    return true
  }

  /**
   * Hands every item whose fence has signalled to `done`, oldest first (fences
   * signal in order: the first unsignalled one ends the poll). With a lost
   * context every item is handed over (its fence died with it). Never waits.
   */
  poll(done: (item: T) => void): void {
    const n = this.items.length
    if (n === 0) return
    const gl = this.gl
    const lost = gl.isContextLost?.() ?? false
    let i = 0
    for (; i < n; i++) {
      if (!lost) {
        const sync = this.syncs[i]
        if (gl.getSyncParameter(sync, gl.SYNC_STATUS) !== gl.SIGNALED) break
        gl.deleteSync(sync)
      }
    }
    if (i === 0) return
    const ready = this.items.splice(0, i)
    this.syncs.splice(0, i)
    for (const item of ready) done(item)
  }

  /** Deletes every fence and forgets the items. Safe to call twice. */
  dispose(): void {
    const gl = this.gl
    if (!(gl.isContextLost?.() ?? false)) for (const sync of this.syncs) gl.deleteSync(sync)
    this.items = []
    this.syncs = []
  }
}
