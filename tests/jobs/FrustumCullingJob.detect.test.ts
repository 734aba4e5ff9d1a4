/**
 * FrustumCullingJob beside a MatrixSyncJob in `detect: 'auto'` (the default)
 * while the app moves objects without ever marking them: the culling job
 * sees a detected move exactly as a marked one (through the matrix job's
 * change stamps and write listener), so it never hides an object that is
 * drawn in view, and it hides what a culling job reading every object would.
 */
import fc from 'fast-check'
import type { Object3D } from 'three'
import { describe, expect, it } from 'vitest'
import { FrustumCullingJob } from '../../src/jobs/FrustumCullingJob.js'
import { MatrixSyncJob } from '../../src/jobs/MatrixSyncJob.js'
import { mulberry32 } from '../utils/mulberry32.js'
import { lookAhead, makeWorld, render } from './cullingWorld.js'

interface Run {
  seed: number
  count: number
  lods: number
  detectFrames: number
  /** Fraction of the movable objects that are movers (moved every frame, never marked). */
  movers: number
  frames: number
  turn: number
}

function side(run: Run, link: boolean) {
  const world = makeWorld({ count: run.count, lods: run.lods, seed: run.seed, visitCostMs: 0 })
  lookAhead(world)
  const matrices = new MatrixSyncJob(world.scheduler, world.scene, { detectFrames: run.detectFrames })
  const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, link ? {} : { matrices: null })
  const plain = new Set<Object3D>(world.meshes)
  // The reading job is told of every write (as the linked one is by its link), so both decide alike.
  if (!link) matrices.addWriteListener((o) => plain.has(o) && culling.markMoved(o))
  const pick = mulberry32(run.seed + 3)
  const movers = [...world.meshes, ...world.lods].filter(() => pick() < run.movers)
  return { world, matrices, culling, movers }
}

function lockstep(run: Run): { falseNegatives: number; detected: number; trusted: number } {
  const a = side(run, true)
  const b = side(run, false)
  let falseNegatives = 0
  let trusted = 0
  for (let f = 0; f < run.frames; f++) {
    for (const s of [a, b]) {
      s.world.scheduler.runFrame()
      s.movers.forEach((o, k) => {
        // Drift and spin, unmarked: the way apps move things.
        o.position.x += Math.sin(f / 5 + k) * 2
        o.position.z += Math.cos(f / 7 + k) * 2
        o.rotation.y += 0.05
      })
      s.world.camera.rotation.y += run.turn
      s.world.camera.updateMatrixWorld()
      falseNegatives += render(s.world.scene, s.world.camera, s.world.leaves).falseNegatives
    }
    trusted += a.culling.stats.trusted
    let va = ''
    let vb = ''
    a.world.scene.traverse((o) => (va += o.visible ? '1' : '0'))
    b.world.scene.traverse((o) => (vb += o.visible ? '1' : '0'))
    expect(va, `frame ${f}`).toBe(vb)
  }
  const detected = a.matrices.stats.detectedTotal
  for (const s of [a, b]) {
    s.culling.dispose()
    s.matrices.dispose()
  }
  return { falseNegatives, detected, trusted }
}

describe("FrustumCullingJob with a MatrixSyncJob in detect: 'auto' and unmarked movers", () => {
  it('never hides an object in view, and hides what a job reading every object hides (property)', () => {
    let detectedRuns = 0
    let runs = 0
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1e6 }),
          count: fc.integer({ min: 20, max: 200 }),
          lods: fc.integer({ min: 0, max: 30 }),
          detectFrames: fc.integer({ min: 1, max: 6 }),
          movers: fc.double({ min: 0.05, max: 0.3, noNaN: true }),
          frames: fc.integer({ min: 8, max: 40 }),
          turn: fc.double({ min: 0, max: 0.1, noNaN: true }),
        }),
        (run) => {
          const result = lockstep(run)
          runs++
          if (result.detected > 0) detectedRuns++
          expect(result.falseNegatives).toBe(0)
        },
      ),
      { numRuns: 20 },
    )
    // Not vacuous: most runs found unmarked moves.
    expect(detectedRuns).toBeGreaterThan(runs / 2)
  })

  it('a long drift through a crowd of unmarked movers', () => {
    const result = lockstep({ seed: 11, count: 300, lods: 40, detectFrames: 4, movers: 0.1, frames: 150, turn: 0.02 })
    expect(result.falseNegatives).toBe(0)
    expect(result.detected).toBeGreaterThan(1000)
    expect(result.trusted).toBeGreaterThan(0)
  })
})
