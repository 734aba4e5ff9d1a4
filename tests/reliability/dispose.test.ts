// @vitest-environment happy-dom
import { Group, LOD, Mesh, type Object3D, PerspectiveCamera, Scene } from 'three'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SchedulerPanel } from '../../src/devtools/index.js'
import { BatchScheduler, BatchType, ManualClock } from '../../src/index.js'
import { LODJob } from '../../src/jobs/LODJob.js'
import { MatrixSyncJob } from '../../src/jobs/MatrixSyncJob.js'
import { RenderLoop } from '../../src/three/index.js'
import { fakeCanvas2D } from '../devtools/helpers.js'
import { FakeRenderer } from '../three/FakeRenderer.js'
import { permutations } from '../utils/permutations.js'

/**
 * Cross-layer dispose: the scheduler, the RenderLoop, the matrix and LOD jobs
 * and the devtools panel disposed in every one of the 120 orders, with frames
 * in between. Afterwards three.js flags are as they were
 * (`scene.matrixWorldAutoUpdate`, `lod.autoUpdate`), no listener is left
 * (scheduler frame listeners, canvas listeners, `childadded` /
 * `childremoved`), the panel's DOM is gone, no timer or animation frame is
 * pending, and no frame after a partial disposal threw.
 */

const PARTS = ['scheduler', 'loop', 'matrix', 'lod', 'panel'] as const
type Part = (typeof PARTS)[number]

function hierarchyListeners(objects: readonly Object3D[]): number {
  let n = 0
  for (const object of objects) {
    const l = (object as unknown as { _listeners?: Record<string, unknown[]> })._listeners
    n += (l?.['childadded']?.length ?? 0) + (l?.['childremoved']?.length ?? 0)
  }
  return n
}

function build() {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock })
  const renderer = new FakeRenderer()
  renderer.onRender = () => clock.advance(3)
  const scene = new Scene()
  const camera = new PerspectiveCamera()
  scene.add(camera)
  const objects: Object3D[] = [scene, camera]
  const lods: LOD[] = []
  const movers: Group[] = []
  for (let i = 0; i < 6; i++) {
    const group = new Group()
    group.add(new Mesh())
    scene.add(group)
    movers.push(group)
    const lod = new LOD()
    for (const d of [0, 10]) lod.addLevel(new Mesh(), d)
    lod.position.x = i * 4
    scene.add(lod)
    lods.push(lod)
    objects.push(group, ...group.children, lod, ...lod.children)
  }
  ;(lods[1] as LOD).autoUpdate = false
  const savedAuto = lods.map((l) => l.autoUpdate)
  const sync = new MatrixSyncJob(scheduler, scene)
  const lodJob = new LODJob(scheduler, camera, { root: scene })
  let errors = 0
  const loop = new RenderLoop(renderer, scheduler, {
    scene,
    camera,
    budget: 'auto',
    onError: () => errors++,
    update: (deltaMs) => {
      for (const g of movers) {
        g.position.x += deltaMs * 0.001
        // After sync.dispose() this warns once and does nothing (documented).
        sync.markDirty(g)
      }
      camera.position.z += 0.01
      if (!scheduler.isDisposed) scheduler.enqueue(BatchType.AI, () => clock.advance(0.1), { name: 'chore' })
    },
  })
  const panel = new SchedulerPanel(scheduler, { loop, stats: true, refreshMs: 0 })
  loop.start()
  let time = 0
  const frame = (): void => {
    time += 1000 / 60
    if (loop.running) renderer.frame(time)
    else {
      // The loop is gone: drive what is left by hand, as an app would.
      scheduler.runFrame()
      renderer.render(scene, camera)
    }
  }
  const dispose: Record<Part, () => void> = {
    scheduler: () => scheduler.dispose(),
    loop: () => loop.dispose(),
    matrix: () => sync.dispose(),
    lod: () => lodJob.dispose(),
    panel: () => panel.dispose(),
  }
  return { scheduler, renderer, scene, objects, lods, savedAuto, loop, panel, frame, dispose, errors: () => errors }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'requestAnimationFrame', 'requestIdleCallback', 'queueMicrotask'] })
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  vi.spyOn(console, 'error').mockImplementation(() => {})
  fakeCanvas2D()
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
  document.body.innerHTML = ''
})

describe('dispose in every order: scheduler, RenderLoop, MatrixSyncJob, LODJob, SchedulerPanel', () => {
  const orders = permutations(PARTS)
  it('covers all 120 orders', () => {
    expect(orders).toHaveLength(120)
  })

  for (const order of orders) {
    it(order.join(' → '), () => {
      const w = build()
      expect(w.scene.matrixWorldAutoUpdate).toBe(false)
      expect(document.body.children.length).toBeGreaterThan(0)
      for (let i = 0; i < 20; i++) w.frame()
      // The panel's, and the matrix job's (detect: 'auto' keeps moving objects current in a frame its system misses).
      expect(w.scheduler.diagnostics.frameListeners).toBe(2)
      for (const part of order) {
        w.dispose[part]()
        w.dispose[part]() // a second dispose is a no-op
        for (let i = 0; i < 3; i++) expect(w.frame).not.toThrow()
        if (part === 'panel') w.panel.refresh() // a disposed panel ignores refreshes
      }
      // three.js flags restored exactly.
      expect(w.scene.matrixWorldAutoUpdate).toBe(true)
      expect(w.lods.map((l) => l.autoUpdate)).toEqual(w.savedAuto)
      // No listener anywhere.
      expect(w.scheduler.diagnostics.frameListeners).toBe(0)
      expect(w.renderer.domElement.listeners.get('webglcontextlost')).toBe(0)
      expect(w.renderer.domElement.listeners.get('webglcontextrestored')).toBe(0)
      expect(hierarchyListeners(w.objects)).toBe(0)
      // No DOM (the shared stylesheet in <head> stays, like lil-gui's), no timer, no loop.
      expect(document.body.innerHTML).toBe('')
      expect(vi.getTimerCount()).toBe(0)
      expect(w.renderer.callback).toBe(null)
      // Nothing failed on the way, and the scheduler holds no job.
      expect(w.errors()).toBe(0)
      expect(w.loop.errors).toBe(0)
      expect(w.scheduler.diagnostics.poolUsed).toBe(0)
    })
  }
})
