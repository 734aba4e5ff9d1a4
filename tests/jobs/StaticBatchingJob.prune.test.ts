/**
 * StaticBatchingJob's render pruning: subtrees the batches draw whole are
 * hidden for the duration of each render so three's walk skips them. The
 * check: whatever the app does to the scene between frames (adds lights,
 * points or meshes under any group, removes objects, swaps a material so a
 * mesh leaves its batch, moves groups, hides things), the render walk
 * reaches exactly the same objects that are not drawn by a batch as it does
 * without pruning, and every `visible` is as the app left it after the
 * render.
 */
import fc from 'fast-check'
import {
  BoxGeometry,
  BufferGeometry,
  Group,
  type Material,
  Mesh,
  MeshBasicMaterial,
  MeshLambertMaterial,
  type Object3D,
  PointLight,
  Points,
  Scene,
} from 'three'
import { describe, expect, it } from 'vitest'
import { BatchScheduler, ManualClock } from '../../src/index.js'
import { MatrixSyncJob } from '../../src/jobs/MatrixSyncJob.js'
import { StaticBatchingJob } from '../../src/jobs/StaticBatchingJob.js'
import { mulberry32 } from '../utils/mulberry32.js'

const box = new BoxGeometry(1, 1, 1)
const materials = [0xff0000, 0x00ff00, 0x0000ff].map((c) => new MeshLambertMaterial({ color: c }))
const glass = new MeshBasicMaterial({ transparent: true, opacity: 0.5 })

type Hook = (...args: unknown[]) => void

/** What three's `projectObject` reaches and would draw or use (lights), batched handles aside; and how many objects it visits. */
function walk(scene: Scene, batching: StaticBatchingJob): { reached: Set<Object3D>; visited: number } {
  const reached = new Set<Object3D>()
  let visited = 0
  const visit = (o: Object3D): void => {
    if (!o.visible) return
    visited++
    const drawable = (o as Mesh).isMesh === true || (o as Points).isPoints === true || (o as PointLight).isLight === true
    if (drawable && batching.batchOf(o) === null && o !== scene) reached.add(o)
    for (const child of o.children) visit(child)
  }
  visit(scene)
  return { reached, visited }
}

function visibility(scene: Scene): string {
  let s = ''
  scene.traverse((o) => (s += o.visible ? '1' : '0'))
  return s
}

interface Run {
  seed: number
  groups: number
  meshes: number
  frames: number
  edits: number
}

function run({ seed, groups, meshes, frames, edits }: Run): { pruned: number; saved: number } {
  const random = mulberry32(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T
  const scene = new Scene()
  const containers: Object3D[] = [scene]
  for (let i = 0; i < groups; i++) {
    const g = new Group()
    g.position.set(random() * 20, 0, random() * 20)
    pick(containers).add(g)
    containers.push(g)
  }
  const all: Object3D[] = []
  for (let i = 0; i < meshes; i++) {
    const m = new Mesh(box, pick(materials))
    m.position.set(random() * 4, random() * 4, random() * 4)
    pick(containers.slice(1)).add(m)
    all.push(m)
  }
  scene.updateMatrixWorld()
  const scheduler = new BatchScheduler({ clock: new ManualClock(), budgetMs: 1000 })
  const matrices = new MatrixSyncJob(scheduler, scene)
  const batching = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 2, rescanFrames: 5, rejoinAfterFrames: 20 })
  let pruned = 0
  let saved = 0
  for (let f = 0; f < frames; f++) {
    scheduler.runFrame()
    // The app's edits, between the jobs and the render (the worst moment: nothing has seen them).
    if (f > 80 && random() < edits) {
      const kind = Math.floor(random() * 6)
      const target = pick(containers.slice(1))
      if (kind === 0) target.add(new PointLight())
      else if (kind === 1) target.add(new Points(new BufferGeometry()))
      else if (kind === 2) {
        const m = new Mesh(box, pick(materials))
        target.add(m)
        all.push(m)
      } else if (kind === 3 && all.length > 0) {
        pick(all).removeFromParent()
      } else if (kind === 4 && all.length > 0) {
        const m = pick(all) as Mesh
        m.material = (m.material as Material) === glass ? pick(materials) : glass
      } else {
        target.position.x += 1 // unmarked: found by the matrix job
      }
    }
    if (random() < 0.05) {
      const o = pick(all)
      o.visible = !o.visible
    }
    const before = visibility(scene)
    const expected = walk(scene, batching)
    ;(scene.onBeforeRender as unknown as Hook)({}, scene, {}, null, null, null)
    const actual = walk(scene, batching)
    ;(scene.onAfterRender as unknown as Hook)({}, scene, {}, null, null, null)
    expect([...actual.reached].filter((o) => !expected.reached.has(o))).toEqual([])
    expect([...expected.reached].filter((o) => !actual.reached.has(o)), `frame ${f}`).toEqual([])
    expect(visibility(scene)).toBe(before)
    pruned = Math.max(pruned, batching.stats.prunedRoots)
    saved = Math.max(saved, expected.visited - actual.visited)
  }
  batching.dispose()
  matrices.dispose()
  return { pruned, saved }
}

describe('StaticBatchingJob: render pruning', () => {
  it('the render walk reaches every object a batch does not draw, whatever the app edits (property)', () => {
    let effective = 0
    let runs = 0
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1e6 }),
          groups: fc.integer({ min: 1, max: 30 }),
          meshes: fc.integer({ min: 5, max: 200 }),
          frames: fc.integer({ min: 200, max: 320 }),
          edits: fc.double({ min: 0.05, max: 0.6, noNaN: true }),
        }),
        (r) => {
          const out = run(r)
          runs++
          if (out.pruned > 0 && out.saved > 0) effective++
        },
      ),
      { numRuns: 15, seed: 20261204 }, // the same worlds every run (the not-vacuous count below is about them)
    )
    // Not vacuous: pruning took objects out of the walk in most runs.
    expect(effective).toBeGreaterThan(runs / 2)
  })

  it('a quiet city is walked through a few roots; a mover keeps its own subtree walked', () => {
    const scene = new Scene()
    const city = new Group()
    scene.add(city)
    const blocks: Group[] = []
    for (let b = 0; b < 10; b++) {
      const block = new Group()
      city.add(block)
      blocks.push(block)
      for (let i = 0; i < 20; i++) block.add(new Mesh(box, materials[i % 3]))
    }
    const traffic = new Group()
    city.add(traffic)
    const car = new Mesh(box, materials[0])
    traffic.add(car)
    const scheduler = new BatchScheduler({ clock: new ManualClock(), budgetMs: 1000 })
    const matrices = new MatrixSyncJob(scheduler, scene)
    const batching = new StaticBatchingJob(scheduler, scene)
    for (let f = 0; f < 300; f++) {
      car.position.x = f * 0.1
      scheduler.runFrame()
    }
    expect(batching.stats.batchedObjects).toBe(201)
    // The ten blocks are the roots (the city holds the moving car, so it is walked; the car too).
    expect(batching.stats.prunedRoots).toBe(10)
    ;(scene.onBeforeRender as unknown as Hook)({}, scene, {}, null, null, null)
    expect(blocks.every((b) => !b.visible)).toBe(true)
    expect(city.visible && traffic.visible && car.visible).toBe(true)
    ;(scene.onAfterRender as unknown as Hook)({}, scene, {}, null, null, null)
    expect(blocks.every((b) => b.visible)).toBe(true)
    // Added under a root: walked from the very next render.
    const lamp = new PointLight()
    blocks[3]?.add(lamp)
    ;(scene.onBeforeRender as unknown as Hook)({}, scene, {}, null, null, null)
    expect(blocks[3]?.visible).toBe(true)
    expect(blocks.filter((b) => !b.visible)).toHaveLength(9)
    ;(scene.onAfterRender as unknown as Hook)({}, scene, {}, null, null, null)
    // A render that throws (no onAfterRender): the next run shows them again.
    ;(scene.onBeforeRender as unknown as Hook)({}, scene, {}, null, null, null)
    scheduler.runFrame()
    expect(blocks.every((b) => b.visible)).toBe(true)
    // Off: nothing hidden.
    batching.dispose()
    const off = new StaticBatchingJob(scheduler, scene, { pruneRender: false })
    for (let f = 0; f < 300; f++) scheduler.runFrame()
    ;(scene.onBeforeRender as unknown as Hook)({}, scene, {}, null, null, null)
    expect(blocks.every((b) => b.visible)).toBe(true)
    expect(off.stats.prunedRoots).toBe(0)
    ;(scene.onAfterRender as unknown as Hook)({}, scene, {}, null, null, null)
    off.dispose()
    matrices.dispose()
  })
})
