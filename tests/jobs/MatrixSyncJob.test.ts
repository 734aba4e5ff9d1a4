import fc from 'fast-check'
import { Group, Mesh, Object3D, PerspectiveCamera, Scene } from 'three'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { BatchScheduler, BatchType, ManualClock } from '../../src/index.js'
import { MatrixSyncJob } from '../../src/jobs/MatrixSyncJob.js'

/** What updating one object "costs" on the ManualClock, and a log of who was updated. */
let charge: (() => void) | null = null
let log: Object3D[] | null = null

/** Objects whose local-matrix update costs clock time and is logged (a test subclass; three itself is untouched). */
class CostlyGroup extends Group {
  override updateMatrix(): void {
    if (charge !== null) charge()
    if (log !== null) log.push(this)
    super.updateMatrix()
  }
}

class CostlyMesh extends Mesh {
  override updateMatrix(): void {
    if (charge !== null) charge()
    if (log !== null) log.push(this)
    super.updateMatrix()
  }
}

afterEach(() => {
  charge = null
  log = null
  vi.restoreAllMocks()
})

function setup(budgetMs = 2.5, options?: ConstructorParameters<typeof MatrixSyncJob>[2]) {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock, budgetMs })
  const scene = new Scene()
  const sync = new MatrixSyncJob(scheduler, scene, options)
  return { clock, scheduler, scene, sync }
}

/** Every world matrix in `scene` equals what three computes from scratch on a clone. */
function mismatches(scene: Scene): string[] {
  const saved = charge
  const savedLog = log
  charge = null
  log = null
  const reference = scene.clone()
  reference.updateMatrixWorld(true)
  charge = saved
  log = savedLog
  const a: Object3D[] = []
  const b: Object3D[] = []
  scene.traverse((o) => a.push(o))
  reference.traverse((o) => b.push(o))
  const bad: string[] = []
  if (a.length !== b.length) return [`node count ${a.length} vs ${b.length}`]
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Object3D
    const y = b[i] as Object3D
    if (!x.matrixWorld.equals(y.matrixWorld)) bad.push(`${x.name || x.type}#${i}`)
  }
  return bad
}

function move(o: Object3D, k: number): void {
  o.position.set(k, -k / 2, k / 3)
  o.rotation.set(k / 7, k / 11, -k / 13)
  o.scale.setScalar(1 + (k % 5) / 10)
}

describe('MatrixSyncJob: install and dispose', () => {
  it('runs as a sliced Transform system and turns off the scene traversal the renderer does', () => {
    const { scheduler, scene, sync } = setup()
    expect(scene.matrixWorldAutoUpdate).toBe(false)
    expect(scheduler.systems).toContain(sync.system)
    expect(sync.system.type).toBe(BatchType.Transform)
    expect(sync.system.name).toBe('matrixSync')
    expect(sync.system.active).toBe(true)
  })

  it('brings every world matrix up to date once at install', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const scene = new Scene()
    const g = new Group()
    move(g, 3)
    const m = new Mesh()
    move(m, 5)
    g.add(m)
    scene.add(g)
    expect(mismatches(scene)).not.toEqual([])
    new MatrixSyncJob(scheduler, scene)
    expect(mismatches(scene)).toEqual([])
  })

  it('dispose restores the flag (true or false), removes the system and listeners, and is safe twice', () => {
    const { scheduler, scene, sync } = setup()
    const g = new Group()
    scene.add(g)
    sync.dispose()
    expect(scene.matrixWorldAutoUpdate).toBe(true)
    expect(sync.system.active).toBe(false)
    expect(scheduler.systems).not.toContain(sync.system)
    expect(sync.isDisposed).toBe(true)
    sync.dispose()
    expect(scene.matrixWorldAutoUpdate).toBe(true)
    // No listener left: an object added now is not brought up to date by the job.
    const m = new Mesh()
    move(m, 4)
    g.add(m)
    expect(m.matrixWorld.elements[12]).toBe(0)

    const scene2 = new Scene()
    scene2.matrixWorldAutoUpdate = false
    const sync2 = new MatrixSyncJob(scheduler, scene2)
    sync2.dispose()
    expect(scene2.matrixWorldAutoUpdate).toBe(false)
  })

  it('restores the flag even after the scheduler was disposed first', () => {
    const { scheduler, scene, sync } = setup()
    scheduler.dispose()
    sync.dispose()
    expect(scene.matrixWorldAutoUpdate).toBe(true)
    expect(sync.system.active).toBe(false)
  })

  it('hands pending marks back to three on dispose through matrixWorldNeedsUpdate', () => {
    const { scene, sync } = setup()
    const m = new Mesh()
    m.matrixAutoUpdate = false
    scene.add(m)
    m.matrix.makeTranslation(7, 0, 0)
    sync.markDirty(m)
    sync.dispose()
    scene.updateMatrixWorld()
    expect(m.matrixWorld.elements[12]).toBe(7)
  })

  it('throws with the API name on bad arguments', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const scene = new Scene()
    const bad = <T>(v: unknown) => v as T
    expect(() => new MatrixSyncJob(bad({}), scene)).toThrow(/^MatrixSyncJob: scheduler must be a BatchScheduler/)
    expect(() => new MatrixSyncJob(scheduler, bad(new Group()))).toThrow(/^MatrixSyncJob: scene must be a THREE.Scene/)
    expect(() => new MatrixSyncJob(scheduler, bad(null))).toThrow(/^MatrixSyncJob: scene must be a THREE.Scene/)
    expect(() => new MatrixSyncJob(scheduler, scene, { chunkSize: 0 })).toThrow(/^MatrixSyncJob: chunkSize/)
    expect(() => new MatrixSyncJob(scheduler, scene, { maxLagFrames: 0 })).toThrow(/^MatrixSyncJob: maxLagFrames/)
    expect(() => new MatrixSyncJob(scheduler, scene, { maxLagFrames: 1.5 })).toThrow(/^MatrixSyncJob: maxLagFrames/)
    expect(() => new MatrixSyncJob(scheduler, scene, { weight: NaN })).toThrow(/^MatrixSyncJob: weight/)
    expect(() => new MatrixSyncJob(scheduler, scene, { watchHierarchy: bad('yes') })).toThrow(/^MatrixSyncJob: watchHierarchy/)
    // A failed install changed nothing.
    expect(scene.matrixWorldAutoUpdate).toBe(true)
    expect(scheduler.systems.length).toBe(0)

    const sync = new MatrixSyncJob(scheduler, scene)
    expect(() => new MatrixSyncJob(scheduler, scene)).toThrow(/^MatrixSyncJob: this scene already has a MatrixSyncJob/)
    expect(() => sync.markDirty(bad({}))).toThrow(/^MatrixSyncJob.markDirty: object must be a THREE.Object3D/)
    expect(() => sync.markDirty(bad(undefined))).toThrow(/^MatrixSyncJob.markDirty/)
    sync.dispose()
    // Once disposed, the scene may get a new job.
    new MatrixSyncJob(scheduler, scene).dispose()
  })

  it('warns once on markDirty after dispose and carries on', () => {
    const { scene, sync } = setup()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    sync.dispose()
    sync.markDirty(scene)
    sync.markDirty(scene)
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/^MatrixSyncJob.markDirty: called after dispose/)
    expect(sync.flush()).toBe(0)
  })
})

describe('MatrixSyncJob: what gets updated', () => {
  it('updates a marked object and its subtree in the next frame, and nothing else', () => {
    const { scheduler, scene, sync } = setup()
    const a = new CostlyGroup()
    const b = new CostlyGroup()
    const a1 = new CostlyMesh()
    a.add(a1)
    scene.add(a, b)
    log = []
    move(a, 2)
    move(b, 3)
    sync.markDirty(a)
    expect(sync.pending).toBe(1)
    scheduler.runFrame()
    expect(log).toEqual([a, a1])
    expect(sync.isIdle).toBe(true)
    expect(sync.lastUpdated).toBe(2)
    // b moved but was not marked: it keeps its old world matrix (the job does no detection).
    expect(b.matrixWorld.elements[12]).toBe(0)
    expect(a1.matrixWorld.elements[12]).toBe(2)
  })

  it('updates each object once per sweep when an ancestor and descendants are both marked, in any order', () => {
    const { scheduler, scene, sync } = setup()
    const root = new CostlyGroup()
    const mid = new CostlyGroup()
    const leaf = new CostlyMesh()
    const other = new CostlyMesh()
    root.add(mid)
    mid.add(leaf)
    root.add(other)
    scene.add(root)
    log = []
    move(leaf, 1)
    sync.markDirty(leaf) // oldest
    move(root, 2)
    sync.markDirty(root)
    sync.markDirty(mid)
    sync.markDirty(other)
    sync.markDirty(leaf) // already queued: coalesced
    scheduler.runFrame()
    expect(log.length).toBe(4)
    expect(new Set(log).size).toBe(4)
    expect(log[0]).toBe(root) // the sweep started at the topmost marked ancestor
    expect(sync.isIdle).toBe(true)
    expect(mismatches(scene)).toEqual([])
  })

  it('regression: a marked object removed while its ancestor\'s sweep is half done leaves no mark behind', () => {
    // Found by the property test: the object's queue entry had started the
    // ancestor's sweep, so once removed nothing would ever clear its mark.
    const { clock, scheduler, scene, sync } = setup(0.05, { chunkSize: 1, maxLagFrames: Infinity })
    const parent = new CostlyGroup()
    const child = new CostlyGroup()
    parent.add(child)
    const others: Object3D[] = []
    for (let i = 0; i < 10; i++) others.push(new CostlyGroup())
    scene.add(...others, parent)
    charge = () => clock.advance(0.01)
    sync.markDirty(child)
    sync.markDirty(scene)
    scheduler.runFrame() // the sweep starts at the scene and stops part way
    expect(sync.isIdle).toBe(false)
    child.removeFromParent()
    for (let f = 0; f < 10; f++) scheduler.runFrame()
    expect(sync.pending).toBe(0)
    expect(sync.isIdle).toBe(true)
  })

  it('skips marked objects that left the scene', () => {
    const { scheduler, scene, sync } = setup()
    const detached = new CostlyMesh()
    const gone = new CostlyMesh()
    scene.add(gone)
    log = []
    sync.markDirty(detached)
    sync.markDirty(gone)
    scene.remove(gone)
    move(gone, 5)
    scheduler.runFrame()
    expect(log).toEqual([])
    expect(sync.pending).toBe(0)
    expect(sync.isIdle).toBe(true)
  })

  it('brings added objects up to date inside add() (default), on the next frame (updateOnAdd false), or on markDirty (watchHierarchy false)', () => {
    for (const mode of ['now', 'queue', 'manual'] as const) {
      const { scheduler, scene, sync } = setup(2.5, { updateOnAdd: mode === 'now', watchHierarchy: mode !== 'manual' })
      const outer = new Group()
      move(outer, 2)
      scene.add(outer)
      if (mode === 'manual') sync.markDirty(outer)
      scheduler.runFrame()
      const inner = new Group()
      const m = new Mesh()
      move(m, 3)
      inner.add(m) // built off-scene, then attached in one go
      outer.add(inner)
      if (mode === 'now') expect(mismatches(scene)).toEqual([])
      else expect(mismatches(scene)).not.toEqual([])
      scheduler.runFrame()
      if (mode === 'manual') {
        expect(mismatches(scene)).not.toEqual([])
        sync.markDirty(inner)
        scheduler.runFrame()
      }
      expect(mismatches(scene)).toEqual([])
      expect(sync.isIdle).toBe(true)
    }
  })

  it('stops listening to a removed subtree', () => {
    const { scene } = setup()
    const g = new Group()
    move(g, 2)
    scene.add(g)
    scene.remove(g)
    const m = new Mesh()
    move(m, 3)
    g.add(m)
    expect(m.matrixWorld.elements[12]).toBe(0)
  })

  it('honours matrixAutoUpdate and matrixWorldAutoUpdate flags like three', () => {
    const { scheduler, scene, sync } = setup()
    const manual = new Group()
    manual.matrixAutoUpdate = false
    const pinned = new Group()
    pinned.matrixWorldAutoUpdate = false
    const child = new Mesh()
    pinned.add(child)
    scene.add(manual, pinned)
    move(manual, 4) // ignored: matrixAutoUpdate is off and the matrix was not touched
    manual.matrix.makeTranslation(1, 2, 3)
    move(pinned, 5)
    move(child, 6)
    sync.markDirty(manual)
    sync.markDirty(pinned)
    scheduler.runFrame()
    expect(manual.matrixWorld.elements[12]).toBe(1)
    expect(pinned.matrixWorld.elements[12]).toBe(0) // user-managed world matrix, left alone
    expect(mismatches(scene)).toEqual([])
  })

  it('updates objects that override updateMatrixWorld (a camera) through their own method', () => {
    const { scheduler, scene, sync } = setup()
    const rig = new Group()
    const camera = new PerspectiveCamera()
    rig.add(camera)
    scene.add(rig)
    move(rig, 3)
    move(camera, 2)
    sync.markDirty(rig)
    scheduler.runFrame()
    expect(mismatches(scene)).toEqual([])
    // Camera.updateMatrixWorld also refreshes matrixWorldInverse: compare it with three's own result.
    const reference = scene.clone()
    reference.updateMatrixWorld(true)
    const refCamera = reference.getObjectByProperty('isCamera', true) as PerspectiveCamera
    expect(camera.matrixWorldInverse.equals(refCamera.matrixWorldInverse)).toBe(true)
    expect(camera.matrixWorldInverse.equals(new PerspectiveCamera().matrixWorldInverse)).toBe(false)
  })

  it('flush() applies every pending mark at once', () => {
    const { scene, sync } = setup(0.01, { maxLagFrames: Infinity })
    const g = new Group()
    for (let i = 0; i < 50; i++) g.add(new Mesh())
    scene.add(g)
    move(g, 3)
    sync.markDirty(g)
    expect(sync.flush()).toBe(51)
    expect(sync.isIdle).toBe(true)
    expect(mismatches(scene)).toEqual([])
  })
})

/** Runs frames until the job is idle (at most 100); returns the objects it updated in each. */
function runUntilIdle(scheduler: BatchScheduler, sync: MatrixSyncJob): number[] {
  const perRun: number[] = []
  while (!sync.isIdle && perRun.length < 100) {
    scheduler.runFrame()
    perRun.push(sync.lastUpdated)
  }
  return perRun
}

describe('MatrixSyncJob: budget and staleness', () => {
  it('yields at the deadline (within chunkSize objects) and resumes where it stopped', () => {
    const { clock, scheduler, scene, sync } = setup(0.1, { chunkSize: 4, maxLagFrames: Infinity })
    const g = new CostlyGroup()
    const kids: Object3D[] = []
    for (let i = 0; i < 40; i++) {
      const m = new CostlyMesh()
      kids.push(m)
      g.add(m)
    }
    scene.add(g)
    charge = () => clock.advance(0.01)
    log = []
    move(g, 1)
    sync.markDirty(g)
    const perFrame: number[] = []
    for (let f = 0; f < 10 && !sync.isIdle; f++) {
      const stats = scheduler.runFrame()
      perFrame.push(sync.lastUpdated)
      // Overrun bounded by one chunk of work.
      expect(stats.usedMs).toBeLessThanOrEqual(0.1 + 4 * 0.01 + 1e-9)
    }
    // 0.1 ms budget, 0.01 ms per object, checked every 4: the deadline is seen after 12.
    expect(perFrame).toEqual([12, 12, 12, 5])
    // Each object once, in order: the sweep resumed where it stopped.
    expect(log).toEqual([g, ...kids])
    expect(mismatches(scene)).toEqual([])
  })

  it('a mark is applied within maxLagFrames + maxDeferFrames(Transform), even when starved by forced work', () => {
    const run = (maxLagFrames: number) => {
      const clock = new ManualClock()
      // The AI type is forced every frame and eats the whole budget: Transform runs only when forced.
      // A forced Transform run still gets the frame's whole (tiny) budget: about one chunk.
      const scheduler = new BatchScheduler({ clock, budgetMs: 0.02, maxDeferFrames: { [BatchType.AI]: 0, [BatchType.Transform]: 2 } })
      scheduler.addSystem(BatchType.AI, () => clock.advance(1), { name: 'hog' })
      const scene = new Scene()
      const sync = new MatrixSyncJob(scheduler, scene, { chunkSize: 4, maxLagFrames })
      const g = new CostlyGroup()
      for (let i = 0; i < 200; i++) g.add(new CostlyMesh())
      scene.add(g)
      charge = () => clock.advance(0.01)
      scheduler.runFrame()
      move(g, 2)
      const markedAt = scheduler.frame
      sync.markDirty(g)
      let frames = 0
      while (!sync.isIdle && frames < 1000) {
        scheduler.runFrame()
        frames++
      }
      expect(mismatches(scene)).toEqual([])
      return { frames, forcedRuns: sync.system.runs, markedAt }
    }
    const bounded = run(4)
    expect(bounded.frames).toBeLessThanOrEqual(4 + 2)
    // Without the bound the same backlog takes far longer: the bound is what makes it short.
    const unbounded = run(Infinity)
    expect(unbounded.frames).toBeGreaterThan(20)
  })

  it('spreads a sweep too big for one frame over the frames before its bound, instead of doing the rest in the last one', () => {
    const { clock, scheduler, scene, sync } = setup(0.1, { chunkSize: 4, maxLagFrames: 8 })
    const g = new CostlyGroup()
    for (let i = 0; i < 799; i++) g.add(new CostlyMesh())
    scene.add(g)
    charge = () => clock.advance(0.01) // 10 objects fit in the budget: 80 frames of work
    move(g, 3)
    sync.markDirty(g)
    const markedAt = scheduler.frame
    const perRun = runUntilIdle(scheduler, sync)
    expect(mismatches(scene)).toEqual([])
    // Done within the bound, in about equal runs: the scene's objects over the frames left, never the rest at once.
    expect(scheduler.frame - markedAt).toBeLessThanOrEqual(8)
    const nodes = scene.children.length + 1 + 800 // the scene, the group and its 799 meshes: an upper bound
    expect(Math.max(...perRun)).toBeLessThanOrEqual(Math.ceil(nodes / 7) + 4)
    expect(perRun.reduce((a, b) => a + b, 0)).toBe(800)
  })

  it('spreads a backlog of marks over the second half of the oldest one\'s bound, instead of applying the rest in the last frame', () => {
    const { clock, scheduler, scene, sync } = setup(0.1, { chunkSize: 4, maxLagFrames: 8 })
    const groups: Object3D[] = []
    for (let k = 0; k < 100; k++) {
      const g = new CostlyGroup()
      for (let i = 0; i < 7; i++) g.add(new CostlyMesh())
      scene.add(g)
      groups.push(g)
    }
    charge = () => clock.advance(0.01) // 10 objects fit in the budget: 80 frames of work
    const markedAt = scheduler.frame
    for (const g of groups) {
      move(g, 4)
      sync.markDirty(g)
    }
    const perRun = runUntilIdle(scheduler, sync)
    expect(mismatches(scene)).toEqual([])
    expect(scheduler.frame - markedAt).toBeLessThanOrEqual(8)
    // Within the budget for the first half of the bound, then the marks left over the 4 frames left:
    // about 25 marks (200 objects) a frame, never the rest at once (716 before pacing).
    expect(Math.max(...perRun)).toBeLessThanOrEqual(Math.ceil(100 / 4) * 8 + 8)
  })

  it('serves marks oldest first across frames, however many are queued (the queue wraps and grows)', () => {
    const { clock, scheduler, scene, sync } = setup(0.1, { chunkSize: 2, maxLagFrames: Infinity })
    const meshes: Object3D[] = []
    for (let i = 0; i < 700; i++) {
      const m = new CostlyMesh()
      meshes.push(m)
      scene.add(m)
    }
    charge = () => clock.advance(0.01)
    log = []
    const expected: Object3D[] = []
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 700; i += 1 + round) {
        const m = meshes[(i * 7 + round) % 700] as Object3D
        move(m, i + round)
        // Model of a coalescing FIFO: a mark queues the object unless it is still waiting.
        const waiting = expected.lastIndexOf(m) >= (log as Object3D[]).length
        if (!waiting) expected.push(m)
        sync.markDirty(m)
      }
      for (let f = 0; f < 20; f++) scheduler.runFrame()
    }
    for (let f = 0; f < 400 && !sync.isIdle; f++) scheduler.runFrame()
    expect(sync.isIdle).toBe(true)
    expect(mismatches(scene)).toEqual([])
    expect(log).toEqual(expected)
  })

  it('with a free budget, a mark made between frames is applied by the next frame', () => {
    const { scheduler, scene, sync } = setup()
    const m = new Mesh()
    scene.add(m)
    move(m, 9)
    sync.markDirty(m)
    scheduler.runFrame()
    expect(mismatches(scene)).toEqual([])
  })
})

// ---- property test --------------------------------------------------------

type Step =
  | { op: 'move'; node: number; k: number; markParent: boolean }
  | { op: 'reparent'; node: number; target: number; attach: boolean }
  | { op: 'remove'; node: number }
  | { op: 'frames'; count: number }

interface Program {
  parents: number[]
  manual: boolean[]
  pinned: boolean[]
  mesh: boolean[]
  chunkSize: number
  maxLag: number
  budget: number
  cost: number
  updateOnAdd: boolean
  watchHierarchy: boolean
  steps: Step[]
}

const programArb: fc.Arbitrary<Program> = fc
  .integer({ min: 1, max: 40 })
  .chain((n) =>
    fc.record({
      // Node i + 1's parent is a node before it (0 = the scene): random nested hierarchies.
      parents: fc.tuple(...Array.from({ length: n }, (_, i) => fc.integer({ min: 0, max: i }))),
      manual: fc.array(fc.integer({ min: 0, max: 9 }).map((v) => v === 0), { minLength: n, maxLength: n }),
      pinned: fc.array(fc.integer({ min: 0, max: 14 }).map((v) => v === 0), { minLength: n, maxLength: n }),
      mesh: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      chunkSize: fc.integer({ min: 1, max: 8 }),
      maxLag: fc.integer({ min: 1, max: 6 }),
      budget: fc.constantFrom(0.05, 0.2, 1),
      cost: fc.constantFrom(0, 0.01, 0.03),
      updateOnAdd: fc.boolean(),
      watchHierarchy: fc.boolean(),
      steps: fc.array(
        fc.oneof(
          { arbitrary: fc.record({ op: fc.constant('move' as const), node: fc.nat(n - 1), k: fc.integer({ min: 1, max: 50 }), markParent: fc.boolean() }), weight: 6 },
          { arbitrary: fc.record({ op: fc.constant('reparent' as const), node: fc.nat(n - 1), target: fc.nat(n), attach: fc.boolean() }), weight: 2 },
          { arbitrary: fc.record({ op: fc.constant('remove' as const), node: fc.nat(n - 1) }), weight: 1 },
          { arbitrary: fc.record({ op: fc.constant('frames' as const), count: fc.integer({ min: 1, max: 3 }) }), weight: 3 },
        ),
        { maxLength: 40 },
      ),
    }),
  )

function isInside(node: Object3D, root: Object3D): boolean {
  for (let p: Object3D | null = node; p !== null; p = p.parent) if (p === root) return true
  return false
}

describe('MatrixSyncJob: property', () => {
  it('after the queue drains (within maxLagFrames), every world matrix equals scene.updateMatrixWorld(true) on a clone', () => {
    fc.assert(
      fc.property(programArb, (p) => {
        const clock = new ManualClock()
        const scheduler = new BatchScheduler({ clock, budgetMs: p.budget })
        const scene = new Scene()
        const nodes: Object3D[] = [scene]
        p.parents.forEach((parent, i) => {
          const o = p.mesh[i] ? new CostlyMesh() : new CostlyGroup()
          o.name = `n${i + 1}`
          if (p.manual[i]) o.matrixAutoUpdate = false
          if (p.pinned[i]) o.matrixWorldAutoUpdate = false
          move(o, i + 1)
          if (p.manual[i]) o.matrix.compose(o.position, o.quaternion, o.scale)
          ;(nodes[parent] as Object3D).add(o)
          nodes.push(o)
        })
        const sync = new MatrixSyncJob(scheduler, scene, {
          chunkSize: p.chunkSize,
          maxLagFrames: p.maxLag,
          updateOnAdd: p.updateOnAdd,
          watchHierarchy: p.watchHierarchy,
        })
        charge = p.cost > 0 ? () => clock.advance(p.cost) : null
        for (const step of p.steps) {
          if (step.op === 'frames') {
            for (let f = 0; f < step.count; f++) scheduler.runFrame()
          } else if (step.op === 'move') {
            const o = nodes[step.node + 1] as Object3D
            move(o, step.k)
            if (!o.matrixAutoUpdate) o.matrix.compose(o.position, o.quaternion, o.scale)
            sync.markDirty(o)
            if (step.markParent && o.parent !== null) sync.markDirty(o.parent)
          } else if (step.op === 'reparent') {
            const o = nodes[step.node + 1] as Object3D
            const target = nodes[step.target] as Object3D
            if (isInside(target, o)) continue
            if (step.attach) target.attach(o)
            else target.add(o)
            if (!p.watchHierarchy) sync.markDirty(o)
          } else {
            ;(nodes[step.node + 1] as Object3D).removeFromParent()
          }
        }
        // Every mark is at most maxLag frames old after maxLag more frames: the queue is drained.
        for (let f = 0; f < p.maxLag; f++) scheduler.runFrame()
        expect(sync.isIdle).toBe(true)
        expect(mismatches(scene)).toEqual([])
        expect(scene.matrixWorldAutoUpdate).toBe(false)
        sync.dispose()
        charge = null
      }),
      { numRuns: 300 },
    )
  })
})

describe('MatrixSyncJob: change stamps (what FrustumCullingJob trusts)', () => {
  it('stamps every object whose world matrix it writes, and the parent of every child added or removed', () => {
    const scheduler = new BatchScheduler({ clock: new ManualClock(), budgetMs: 10 })
    const scene = new Scene()
    const group = new Group()
    const inner = new Mesh()
    const still = new Mesh()
    group.add(inner)
    scene.add(group, still)
    const job = new MatrixSyncJob(scheduler, scene)
    const stamp = (o: Object3D): number => job.changeStamps[o.id] ?? 0
    scheduler.runFrame()
    const before = stamp(still)
    const tick = job.changeTick

    group.position.x = 1
    job.markDirty(group)
    scheduler.runFrame()
    expect(job.changeTick).toBeGreaterThan(tick)
    expect(stamp(group)).toBe(job.changeTick)
    expect(stamp(inner)).toBe(job.changeTick) // the subtree follows its root
    expect(stamp(still)).toBe(before) // nothing else

    const added = new Mesh()
    inner.add(added)
    expect(stamp(inner)).toBeGreaterThan(tick) // its children changed
    expect(stamp(added)).toBe(job.changeTick) // brought up to date inside add()
    const t = job.changeTick
    inner.remove(added)
    expect(stamp(inner)).toBeGreaterThan(t)

    // flush() writes matrices too: stamped with a newer tick.
    still.position.y = 2
    job.markDirty(still)
    job.flush()
    expect(stamp(still)).toBe(job.changeTick)
    expect(still.matrixWorld.elements[13]).toBe(2)
    job.dispose()
  })

  it('raises the subtree stamp of every ancestor of what it stamps, and of nothing else', () => {
    const scheduler = new BatchScheduler({ clock: new ManualClock(), budgetMs: 10 })
    const scene = new Scene()
    const district = new Group()
    const block = new Group()
    const leaf = new Mesh()
    const other = new Group()
    const otherLeaf = new Mesh()
    block.add(leaf)
    district.add(block)
    other.add(otherLeaf)
    scene.add(district, other)
    const job = new MatrixSyncJob(scheduler, scene)
    const stamp = (o: Object3D): number => job.changeStamps[o.id] ?? 0
    const below = (o: Object3D): number => job.subtreeStamps[o.id] ?? 0
    scheduler.runFrame()
    const otherBefore = below(other)

    leaf.position.x = 1
    job.markDirty(leaf)
    scheduler.runFrame()
    for (const ancestor of [block, district, scene]) expect(below(ancestor)).toBe(stamp(leaf))
    expect(below(leaf)).toBe(0) // nothing below it
    expect(below(other)).toBe(otherBefore)
    expect(stamp(block)).toBeLessThan(stamp(leaf)) // the block itself was not written

    // A hierarchy change deep down reaches the top too (a removal: no matrix is written).
    const extra = new Mesh()
    otherLeaf.add(extra)
    const t = job.changeTick
    otherLeaf.remove(extra)
    expect(below(other)).toBeGreaterThan(t)
    expect(below(scene)).toBeGreaterThan(t)
    expect(below(district)).toBe(stamp(leaf))
    job.dispose()
  })
})
