import { describe, expect, it } from 'vitest'
import { LinkFences } from '../../src/jobs/warmup/LinkFences.js'

/** A WebGL2 context's fence calls; fences signalled by the test. */
function fakeGL(parallel = false) {
  const gl = {
    SYNC_GPU_COMMANDS_COMPLETE: 1,
    SYNC_STATUS: 2,
    SIGNALED: 3,
    UNSIGNALED: 4,
    lost: false,
    fences: [] as { signalled: boolean }[],
    deleted: [] as unknown[],
    getExtension: (name: string) => (name === 'KHR_parallel_shader_compile' && parallel ? {} : null),
    fenceSync: () => {
      const f = { signalled: false }
      gl.fences.push(f)
      return f
    },
    getSyncParameter: (f: { signalled: boolean }) => (f.signalled ? gl.SIGNALED : gl.UNSIGNALED),
    deleteSync: (f: unknown) => void gl.deleted.push(f),
    isContextLost: () => gl.lost,
  }
  return gl
}

describe('LinkFences', () => {
  it('exists only for a WebGL2 renderer without KHR_parallel_shader_compile', () => {
    expect(LinkFences.of({ getContext: () => fakeGL() })).not.toBeNull()
    expect(LinkFences.of({ getContext: () => fakeGL(true) })).toBeNull()
    expect(LinkFences.of({ getContext: () => ({ getExtension: () => null }) })).toBeNull() // WebGL1: no fenceSync
    expect(LinkFences.of({ backend: {}, getContext: () => fakeGL() })).toBeNull() // WebGPURenderer
    expect(LinkFences.of({})).toBeNull()
    expect(LinkFences.of({ getContext: () => { throw new Error('no') } })).toBeNull()
  })

  it('hands items over in order once their fences signal, never past an unsignalled one', () => {
    const gl = fakeGL()
    const fences = LinkFences.of<string>({ getContext: () => gl })!
    fences.add('a')
    fences.add('b')
    fences.add('c')
    const done: string[] = []
    fences.poll((x) => done.push(x))
    expect(done).toEqual([])
    ;(gl.fences[1] as { signalled: boolean }).signalled = true
    fences.poll((x) => done.push(x))
    expect(done).toEqual([]) // 'a' first
    ;(gl.fences[0] as { signalled: boolean }).signalled = true
    fences.poll((x) => done.push(x))
    expect(done).toEqual(['a', 'b'])
    expect(gl.deleted).toEqual([gl.fences[0], gl.fences[1]])
    expect(fences.size).toBe(1)
  })

  it('hands everything over when the context is lost, places none then, and dispose deletes the rest', () => {
    const gl = fakeGL()
    const fences = LinkFences.of<string>({ getContext: () => gl })!
    fences.add('a')
    fences.add('b')
    gl.lost = true
    expect(fences.add('c')).toBe(false)
    const done: string[] = []
    fences.poll((x) => done.push(x))
    expect(done).toEqual(['a', 'b'])
    expect(gl.deleted).toEqual([]) // dead fences are not deleted
    gl.lost = false
    fences.add('d')
    fences.dispose()
    fences.dispose()
    expect(gl.deleted).toHaveLength(1)
    expect(fences.size).toBe(0)
  })
})
