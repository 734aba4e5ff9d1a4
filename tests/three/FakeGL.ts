import type { Camera, Object3D } from 'three'
import type { GpuTimerGL } from '../../src/three/index.js'
import { FakeRenderer } from './FakeRenderer.js'

/** A query of {@link FakeGL}: its result is made available by the test, frames later. */
export interface FakeQuery {
  readonly id: number
  ended: boolean
  available: boolean
  ns: number
}

/**
 * The WebGL2 calls of `EXT_disjoint_timer_query_webgl2`, with results
 * released by hand: {@link FakeGL.complete} makes the oldest ended query's
 * result available, {@link FakeGL.disjoint} raises the disjoint flag (cleared
 * when read, as in WebGL). Reading a result that is not available throws:
 * that read would block a real GPU pipeline.
 */
export class FakeGL implements GpuTimerGL {
  readonly QUERY_RESULT = 0x8866
  readonly QUERY_RESULT_AVAILABLE = 0x8867
  readonly ext = { TIME_ELAPSED_EXT: 0x88bf, GPU_DISJOINT_EXT: 0x8fbb }
  /** Whether `getExtension('EXT_disjoint_timer_query_webgl2')` answers. */
  hasTimerQuery = true
  disjoint = false
  lost = false
  readonly queries: FakeQuery[] = []
  readonly deleted: FakeQuery[] = []
  /** Ended queries whose result is not available yet, oldest first. */
  readonly inFlight: FakeQuery[] = []
  active: FakeQuery | null = null
  begins = 0

  getExtension(name: string): unknown {
    return name === 'EXT_disjoint_timer_query_webgl2' && this.hasTimerQuery ? this.ext : null
  }

  createQuery(): FakeQuery {
    const q: FakeQuery = { id: this.queries.length, ended: false, available: false, ns: 0 }
    this.queries.push(q)
    return q
  }

  deleteQuery(query: unknown): void {
    this.deleted.push(query as FakeQuery)
  }

  beginQuery(target: number, query: unknown): void {
    if (target !== this.ext.TIME_ELAPSED_EXT) throw new Error('FakeGL: wrong target')
    if (this.active !== null) throw new Error('FakeGL: a query is already active')
    const q = query as FakeQuery
    if (this.inFlight.includes(q)) throw new Error('FakeGL: query reused before its result was read')
    q.ended = false
    q.available = false
    this.active = q
    this.begins++
  }

  endQuery(target: number): void {
    if (target !== this.ext.TIME_ELAPSED_EXT || this.active === null) throw new Error('FakeGL: no active query')
    this.active.ended = true
    this.inFlight.push(this.active)
    this.active = null
  }

  getQueryParameter(query: unknown, pname: number): unknown {
    const q = query as FakeQuery
    if (pname === this.QUERY_RESULT_AVAILABLE) return q.available
    if (pname === this.QUERY_RESULT) {
      if (!q.available) throw new Error('FakeGL: blocking read of a result that is not available')
      const i = this.inFlight.indexOf(q)
      if (i >= 0) this.inFlight.splice(i, 1)
      return q.ns
    }
    throw new Error(`FakeGL: unknown pname ${pname}`)
  }

  getParameter(pname: number): unknown {
    if (pname !== this.ext.GPU_DISJOINT_EXT) throw new Error(`FakeGL: unknown parameter ${pname}`)
    const d = this.disjoint
    this.disjoint = false
    return d
  }

  isContextLost(): boolean {
    return this.lost
  }

  /** Makes the oldest pending result available with `ms` of GPU time; false if none is pending. */
  complete(ms: number): boolean {
    const q = this.inFlight.find((x) => !x.available)
    if (q === undefined) return false
    q.available = true
    q.ns = Math.round(ms * 1e6)
    return true
  }
}

/** A {@link FakeRenderer} with a WebGL2 context: `getContext()` returns its {@link FakeGL}. */
export class GLFakeRenderer extends FakeRenderer {
  readonly gl = new FakeGL()

  getContext(): FakeGL {
    return this.gl
  }

  /** Per render: whether a timer query was active around it. */
  readonly timed: boolean[] = []

  override render(scene: Object3D, camera: Camera): void {
    this.timed.push(this.gl.active !== null)
    super.render(scene, camera)
  }
}
