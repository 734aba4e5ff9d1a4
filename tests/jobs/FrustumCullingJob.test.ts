import {
  ArrayCamera,
  BoxGeometry,
  Group,
  InstancedMesh,
  LOD,
  Line,
  Matrix4,
  Mesh,
  MeshBasicMaterial,
  PerspectiveCamera,
  Points,
  Sprite,
  SpriteMaterial,
  type Object3D,
} from 'three'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { BatchType } from '../../src/index.js'
import { FrustumCullingJob } from '../../src/jobs/FrustumCullingJob.js'
import { makeMesh, makeWorld, render, runPath, snapshot, type World } from './cullingWorld.js'

afterEach(() => {
  vi.restoreAllMocks()
})

/** Hidden fraction per camera path, printed once at the end of the file's paths block. */
const fractions: Record<string, number> = {}

function lookAhead(world: World): void {
  world.camera.position.set(0, 0, 0)
  world.camera.rotation.set(0, 0, 0)
  world.camera.updateMatrixWorld()
}

describe('FrustumCullingJob: installation', () => {
  it('registers one sliced Visibility system and takes over frustumCulled only on visit', () => {
    const world = makeWorld({ count: 1000 })
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    expect(world.scheduler.systems).toHaveLength(1)
    expect(culling.system.name).toBe('frustum-culling')
    expect(culling.system.type).toBe(BatchType.Visibility)
    expect(culling.stats.tracked).toBe(1000)
    // Nothing changed before the first visit: three keeps culling.
    expect(world.meshes.every((m) => m.frustumCulled && m.visible)).toBe(true)
    world.scheduler.runFrame()
    const visited = culling.stats.visited
    expect(visited).toBeGreaterThan(0)
    expect(visited).toBeLessThan(1000)
    expect(world.meshes.filter((m) => !m.frustumCulled)).toHaveLength(visited)
  })

  it('spreads a sweep over several frames under a small budget, and hides most of what is out of view', () => {
    const world = makeWorld()
    lookAhead(world)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    const result = runPath(world, 40, () => {})
    expect(culling.stats.sweepFrames).toBeGreaterThanOrEqual(4)
    expect(culling.stats.sweeps).toBeGreaterThanOrEqual(3)
    expect(result.falseNegatives).toBe(0)
    // After two sweeps (the first one only measures), nearly everything out of view is
    // hidden: all but spheres within a fraction of their radius of a plane.
    const check = render(world.scene, world.camera, world.meshes)
    expect(check.falseNegatives).toBe(0)
    expect(check.hiddenOutside / check.outside).toBeGreaterThan(0.93)
    expect(culling.stats.hidden).toBe(check.hiddenOutside)
    // Every frame stayed within the 1 ms budget, give or take the last batch of visits.
    expect(Math.max(...world.scheduler.stats.history.usedMs)).toBeLessThanOrEqual(1 + 16 * 0.002 + 1e-9)
    expect(world.scheduler.stats.maxOverrunMs).toBeLessThanOrEqual(16 * 0.002 + 1e-9)
  })
})

describe('FrustumCullingJob: camera paths (zero false negatives in every frame)', () => {
  afterEach(() => {
    if (Object.keys(fractions).length === 6) {
      console.log(`hidden fraction of out-of-view objects per path: ${JSON.stringify(fractions)}`)
    }
  })

  it('steady translation', () => {
    const world = makeWorld()
    lookAhead(world)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    const result = runPath(world, 300, () => {
      world.camera.position.x += 0.5
    })
    fractions['translation 0.5/frame'] = result.hiddenFraction
    expect(result.falseNegatives).toBe(0)
    expect(result.hiddenFraction).toBeGreaterThan(0.8)
    expect(culling.stats.guardTrips).toBeLessThanOrEqual(1) // the start from rest, at most
    expect(culling.stats.guardBand).toBeGreaterThan(0.5 * culling.stats.sweepFrames)
  })

  it('fast rotation (3.4° a frame)', () => {
    const world = makeWorld()
    lookAhead(world)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    const result = runPath(world, 300, () => {
      world.camera.rotation.y += 0.06
    })
    fractions['rotation 0.06 rad/frame'] = result.hiddenFraction
    expect(result.falseNegatives).toBe(0)
    expect(result.hiddenFraction).toBeGreaterThan(0.4)
    expect(culling.stats.guardAngle).toBeGreaterThan(0.06 * culling.stats.sweepFrames)
  })

  it('accelerating rotation, up to 17° a frame: the guard trips and shows everything', () => {
    const world = makeWorld()
    lookAhead(world)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    const result = runPath(world, 300, (f) => {
      world.camera.rotation.y += 0.001 * f
      world.camera.rotation.x = 0.3 * Math.sin(f * 0.05)
    })
    fractions['accelerating rotation'] = result.hiddenFraction
    expect(result.falseNegatives).toBe(0)
    expect(culling.stats.guardTrips).toBeGreaterThan(3)
    expect(result.hiddenFraction).toBeGreaterThan(0.15)
  })

  it('teleports: shows conservatively, then catches up', () => {
    const world = makeWorld()
    lookAhead(world)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    let teleports = 0
    let hiddenAfterTeleport = -1
    const result = runPath(world, 300, (f) => {
      if (f % 50 === 49) {
        world.camera.position.set((world.random() * 2 - 1) * 100, 0, (world.random() * 2 - 1) * 100)
        world.camera.rotation.y = world.random() * 6
        teleports++
      } else {
        world.camera.rotation.y += 0.01
      }
      if (f === 50) hiddenAfterTeleport = culling.stats.hidden
    })
    fractions['pan + teleport every 50 frames'] = result.hiddenFraction
    expect(result.falseNegatives).toBe(0)
    expect(teleports).toBe(6)
    expect(culling.stats.guardTrips).toBeGreaterThanOrEqual(5)
    expect(hiddenAfterTeleport).toBeLessThan(500) // shown, then re-hidden slice by slice
    expect(result.hiddenFraction).toBeGreaterThan(0.6)
  })

  it('zoom in and out (projection changes)', () => {
    const world = makeWorld()
    lookAhead(world)
    new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    const result = runPath(world, 300, (f) => {
      world.camera.fov = 60 + 40 * Math.sin(f * 0.05)
      world.camera.updateProjectionMatrix()
      world.camera.position.z -= 0.2
    })
    fractions['zoom'] = result.hiddenFraction
    expect(result.falseNegatives).toBe(0)
    expect(result.hiddenFraction).toBeGreaterThan(0.3)
  })

  it('moving and growing objects, still camera: each object is padded by its own speed', () => {
    const world = makeWorld()
    lookAhead(world)
    new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    const velocity = world.meshes.map((_, i) => (i % 3 === 0 ? [2 * world.random() - 1, 0, 2 * world.random() - 1] : null))
    const result = runPath(world, 300, () => {
      world.meshes.forEach((m, i) => {
        const v = velocity[i]
        if (v) m.position.set(m.position.x + (v[0] as number), m.position.y, m.position.z + (v[2] as number))
        else if (i % 3 === 1) m.scale.setScalar(m.scale.x < 20 ? m.scale.x * 1.03 : 0.5) // growing
      })
    })
    fractions['moving objects'] = result.hiddenFraction
    expect(result.falseNegatives).toBe(0)
    expect(result.hiddenFraction).toBeGreaterThan(0.6)
  })
})

describe('FrustumCullingJob: when the job does not run', () => {
  it('a paused scheduler: the render hook still shows what comes into view', () => {
    const world = makeWorld()
    lookAhead(world)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    runPath(world, 30, () => {})
    expect(culling.stats.hidden).toBeGreaterThan(1000)
    world.scheduler.paused = true
    const result = runPath(world, 60, () => {
      world.camera.rotation.y += 0.05
    })
    expect(result.falseNegatives).toBe(0)
    expect(culling.stats.guardTrips).toBe(1)
    expect(culling.stats.hidden).toBe(0)
  })

  it('the Visibility type switched off: shown again once the camera leaves the guard', () => {
    const world = makeWorld()
    lookAhead(world)
    new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    runPath(world, 30, () => {})
    world.scheduler.setTypeEnabled(BatchType.Visibility, false)
    const result = runPath(world, 60, () => {
      world.camera.position.x += 1
    })
    expect(result.falseNegatives).toBe(0)
  })

  it('a root that is not a Scene: checked after each scheduler frame instead', () => {
    const world = makeWorld()
    lookAhead(world)
    const group = new Group()
    for (const mesh of world.meshes) group.add(mesh)
    world.scene.add(group)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, group)
    expect(Object.prototype.hasOwnProperty.call(world.scene, 'onBeforeRender')).toBe(false)
    const result = runPath(world, 200, () => {
      world.camera.position.x += 0.5
      world.camera.rotation.y += 0.01
    })
    expect(result.falseNegatives).toBe(0)
    expect(result.hiddenFraction).toBeGreaterThan(0.5)
    culling.dispose()
    expect(group.children.every((m) => m.visible && m.frustumCulled)).toBe(true)
  })
})

describe('FrustumCullingJob: the app owns visible', () => {
  it('never shows what the app hid, before or during the run, nor after dispose', () => {
    const world = makeWorld()
    lookAhead(world)
    const appHidden = new Set<Object3D>(world.meshes.filter((_, i) => i % 10 === 0))
    for (const mesh of appHidden) mesh.visible = false
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    const result = runPath(
      world,
      200,
      (f) => {
        world.camera.rotation.y += 0.03
        if (f === 100) {
          // Mid-run: hide more, through the job (it may hold visible = false itself).
          for (let i = 5; i < world.meshes.length; i += 10) {
            const mesh = world.meshes[i] as Mesh
            culling.setVisible(mesh, false)
            appHidden.add(mesh)
          }
        }
      },
      { appHidden },
    )
    expect(result.falseNegatives).toBe(0)
    expect(result.appHiddenShown).toBe(0)
    culling.dispose()
    for (const mesh of world.meshes) expect(mesh.visible).toBe(!appHidden.has(mesh))
  })

  it('drops its claim when the app shows an object it hid', () => {
    const world = makeWorld({ count: 300 })
    lookAhead(world)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    runPath(world, 40, () => {})
    const culled = world.meshes.find((m) => culling.isCulled(m)) as Mesh
    expect(culled).toBeDefined()
    const hidden = culling.stats.hidden
    culled.visible = true // the app wants it shown (e.g. it toggled it)
    expect(culling.isCulled(culled)).toBe(false)
    culling.setVisible(culled, false) // and then hidden for good
    expect(culling.stats.hidden).toBe(hidden - 1)
    // Bring it into view: the job must not show it.
    culled.position.set(0, 0, -10)
    culling.markMoved(culled)
    runPath(world, 40, () => {})
    expect(culled.visible).toBe(false)
    culling.dispose()
    expect(culled.visible).toBe(false)
  })
})

describe('FrustumCullingJob: dispose', () => {
  it('restores visible and frustumCulled exactly, removes the system and the hook; twice is fine', () => {
    const world = makeWorld({ count: 1000 })
    const extra = new Mesh(new BoxGeometry(), new MeshBasicMaterial())
    extra.frustumCulled = false // the app disabled culling for it: never touched
    world.scene.add(extra)
    const before = snapshot(world.scene)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    expect(Object.prototype.hasOwnProperty.call(world.scene, 'onBeforeRender')).toBe(true)
    runPath(world, 60, () => {
      world.camera.rotation.y += 0.02
    })
    expect(culling.stats.hidden).toBeGreaterThan(0)
    expect(extra.frustumCulled).toBe(false)
    culling.dispose()
    culling.dispose()
    expect(culling.disposed).toBe(true)
    expect(snapshot(world.scene)).toEqual(before)
    expect(world.scheduler.systems).toHaveLength(0)
    expect(Object.prototype.hasOwnProperty.call(world.scene, 'onBeforeRender')).toBe(false)
    expect(culling.stats.tracked).toBe(0)
    // Later frames and renders touch nothing.
    runPath(world, 10, () => {
      world.camera.rotation.y += 0.5
    })
    expect(snapshot(world.scene)).toEqual(before)
    expect(() => culling.add(world.meshes[0] as Mesh)).toThrow(/FrustumCullingJob.add: the job was disposed/)
  })

  it('chains an onBeforeRender the app set, and leaves one the app set later', () => {
    const world = makeWorld({ count: 100 })
    const calls: string[] = []
    const appHook = (): void => {
      calls.push('app')
    }
    world.scene.onBeforeRender = appHook
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    render(world.scene, world.camera, world.meshes)
    expect(calls).toEqual(['app'])
    culling.dispose()
    expect(world.scene.onBeforeRender).toBe(appHook)

    const second = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    const later = (): void => {}
    world.scene.onBeforeRender = later
    second.dispose()
    expect(world.scene.onBeforeRender).toBe(later)
  })
})

describe('FrustumCullingJob: tracked objects', () => {
  it('add, remove and refresh while sweeps are under way, with zero false negatives', () => {
    const world = makeWorld({ count: 2000 })
    lookAhead(world)
    // No margin: decisions live on the edge, so one that escaped its revisit would show.
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { guardMargin: 0 })
    const live = new Set<Mesh>(world.meshes)
    const released: Mesh[] = []
    const result = runPath(
      world,
      200,
      (f) => {
        world.camera.position.x += 0.7
        world.camera.rotation.y -= 0.004
        for (let k = 0; k < 10; k++) {
          const list = [...live]
          const victim = list[Math.floor(world.random() * list.length)] as Mesh
          live.delete(victim)
          world.scene.remove(victim)
          if (f % 2 === 0) culling.remove(victim)
          released.push(victim)
          const mesh = world.costly(makeMesh(world.random, 120, 20))
          world.scene.add(mesh)
          live.add(mesh)
          if (f % 2 === 0) culling.add(mesh)
        }
        if (f % 2 === 1) culling.refresh()
      },
      { objects: () => [...live] },
    )
    expect(result.falseNegatives).toBe(0)
    expect(result.hiddenFraction).toBeGreaterThan(0.6)
    expect(culling.stats.tracked).toBe(live.size)
    for (const mesh of released) {
      expect(mesh.visible).toBe(true)
      expect(mesh.frustumCulled).toBe(true)
    }
  })

  it('add and remove return counts, take subtrees, and skip what three must keep culling', () => {
    const world = makeWorld({ count: 0 })
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    const group = new Group()
    const plain = new Mesh(new BoxGeometry(), new MeshBasicMaterial())
    const unculled = new Mesh(new BoxGeometry(), new MeshBasicMaterial())
    unculled.frustumCulled = false
    const custom = new Mesh(new BoxGeometry(), new MeshBasicMaterial())
    custom.intersectsFrustum = () => true // custom bounds: left to three
    group.add(plain, unculled, custom, new Group())
    expect(culling.add(group)).toBe(1)
    expect(culling.add(group)).toBe(0)
    expect(culling.remove(group)).toBe(1)
    expect(culling.stats.tracked).toBe(0)
    expect(() => culling.add({} as Object3D)).toThrow(/^FrustumCullingJob.add: object must be a THREE.Object3D/)
  })

  it('never hides an object with children, nor a shadow caster unless asked', () => {
    const world = makeWorld({ count: 0 })
    lookAhead(world)
    const behind = (): Mesh => {
      const mesh = world.costly(new Mesh(new BoxGeometry(), new MeshBasicMaterial()))
      mesh.position.set(0, 0, 50) // behind the camera
      world.scene.add(mesh)
      return mesh
    }
    const parent = behind()
    const child = new Mesh(new BoxGeometry(), new MeshBasicMaterial())
    child.position.set(0, 0, -100) // in view, under a parent out of view
    parent.add(child)
    const caster = behind()
    caster.castShadow = true
    const plain = behind()
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    runPath(world, 5, () => {})
    expect(plain.visible).toBe(false)
    expect(parent.visible).toBe(true)
    expect(parent.frustumCulled).toBe(true) // three culls it itself
    expect(caster.visible).toBe(true)
    expect(caster.frustumCulled).toBe(true)
    // A child added later to a hidden object: shown and given back at its next visit.
    plain.add(new Mesh(new BoxGeometry(), new MeshBasicMaterial()))
    runPath(world, 2, () => {})
    expect(plain.visible).toBe(true)
    expect(plain.frustumCulled).toBe(true)
    culling.dispose()

    const withCasters = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { cullShadowCasters: true })
    runPath(world, 5, () => {})
    expect(caster.visible).toBe(false)
    withCasters.dispose()
    expect(caster.visible).toBe(true)
  })

  it('leaves the levels of a LOD to the LOD (it writes their visible on every update)', () => {
    const world = makeWorld({ count: 1000 })
    lookAhead(world)
    const lods: LOD[] = []
    for (let n = 0; n < 30; n++) {
      const lod = new LOD()
      for (const distance of [0, 15, 40]) lod.addLevel(world.costly(new Mesh(new BoxGeometry(2, 2, 2), new MeshBasicMaterial())), distance)
      lod.position.set((world.random() * 2 - 1) * 60, 0, (world.random() * 2 - 1) * 60)
      world.scene.add(lod)
      lods.push(lod)
    }
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    expect(culling.stats.tracked).toBe(1000 + 90) // tracked, but never hidden
    for (const lod of lods) {
      lod.autoUpdate = false // updated round-robin, as LODJob does
      lod.update(world.camera)
    }
    let wrong = 0
    runPath(world, 200, (f) => {
      world.camera.rotation.y += 0.02
      world.camera.position.z -= 0.3
      world.camera.updateMatrixWorld()
      lods.forEach((lod, n) => {
        if (n % 10 === f % 10) lod.update(world.camera)
        const shown = lod.levels.filter((level) => level.object.visible).length
        if (shown !== 1 || !lod.levels[lod.getCurrentLevel()]?.object.visible) wrong++
      })
    })
    expect(wrong).toBe(0)
    for (const lod of lods) for (const level of lod.levels) expect(level.object.frustumCulled).toBe(true)
    expect(culling.stats.hidden).toBeGreaterThan(500)
  })

  it('culls instanced meshes, sprites, lines and points with the bounds three uses', () => {
    const world = makeWorld({ count: 0 })
    lookAhead(world)
    const objects: Object3D[] = []
    const m = new Matrix4()
    for (let i = 0; i < 60; i++) {
      const x = (world.random() * 2 - 1) * 100
      const z = (world.random() * 2 - 1) * 100
      let o: Object3D
      switch (i % 4) {
        case 0: {
          const inst = new InstancedMesh(new BoxGeometry(), new MeshBasicMaterial(), 3)
          for (let k = 0; k < 3; k++) inst.setMatrixAt(k, m.makeTranslation(k * 8, 0, 0))
          o = inst
          break
        }
        case 1: {
          const sprite = new Sprite(new SpriteMaterial())
          sprite.center.set(0, 1) // offset: three grows the sphere by the offset
          sprite.scale.set(6, 6, 1)
          o = sprite
          break
        }
        case 2:
          o = new Line(new BoxGeometry(2, 2, 2))
          break
        default:
          o = new Points(new BoxGeometry(2, 2, 2))
      }
      o.position.set(x, 0, z)
      world.scene.add(o)
      objects.push(o)
    }
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    expect(culling.stats.tracked).toBe(60)
    const result = runPath(world, 200, () => {
      world.camera.rotation.y += 0.02
    }, { objects: () => objects })
    expect(result.falseNegatives).toBe(0)
    expect(result.hiddenFraction).toBeGreaterThan(0.5)
  })

  it('markMoved re-tests an object that jumped into view', () => {
    const world = makeWorld()
    lookAhead(world)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    runPath(world, 40, () => {})
    const jumper = world.meshes.find((mesh) => culling.isCulled(mesh)) as Mesh
    world.scheduler.runFrame()
    jumper.position.set(0, 0, -20) // right in front of the camera
    jumper.updateMatrixWorld()
    culling.markMoved(jumper)
    expect(jumper.visible).toBe(true)
    expect(render(world.scene, world.camera, world.meshes).falseNegatives).toBe(0)
    culling.markMoved(new Mesh()) // not tracked: ignored
  })
})

describe('FrustumCullingJob: cameras', () => {
  it('an ArrayCamera (XR): hides only what no sub-camera sees', () => {
    const world = makeWorld()
    const left = new PerspectiveCamera(50, 1, 0.1, 150)
    const right = new PerspectiveCamera(50, 1, 0.1, 150)
    const rig = new ArrayCamera([left, right])
    rig.add(left, right)
    left.rotation.y = 0.6
    right.rotation.y = -0.6 // far apart: what only one eye sees must stay
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    const result = runPath(world, 200, () => {
      rig.rotation.y += 0.01
      rig.updateMatrixWorld(true)
      world.camera.matrixWorld.copy(rig.matrixWorld) // as WebXRManager.updateUserCamera does
    }, { camera: () => rig })
    expect(result.falseNegatives).toBe(0)
    expect(result.hiddenFraction).toBeGreaterThan(0.3)
    expect(culling.stats.hidden).toBeGreaterThan(0)
  })

  it('switching camera shows everything; rendering another camera warns once', () => {
    const world = makeWorld()
    lookAhead(world)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    runPath(world, 30, () => {})
    expect(culling.stats.hidden).toBeGreaterThan(0)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const minimap = new PerspectiveCamera(90, 1, 0.1, 500)
    render(world.scene, minimap, [])
    render(world.scene, minimap, [])
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/^FrustumCullingJob: the scene is also rendered with another camera/)
    const other = new PerspectiveCamera(60, 16 / 9, 0.1, 150)
    other.position.set(50, 0, 50)
    other.updateMatrixWorld()
    culling.camera = other
    expect(culling.camera).toBe(other)
    expect(culling.stats.hidden).toBe(0)
    const result = runPath(world, 60, () => {}, { camera: () => other })
    expect(result.falseNegatives).toBe(0)
    expect(culling.stats.hidden).toBeGreaterThan(0)
  })

  it('a degenerate projection hides nothing and warns once', () => {
    const world = makeWorld({ count: 300 })
    lookAhead(world)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene)
    runPath(world, 30, () => {})
    expect(culling.stats.hidden).toBeGreaterThan(0)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    world.camera.projectionMatrix.elements.fill(NaN)
    runPath(world, 10, () => {})
    expect(culling.stats.hidden).toBe(0)
    expect(world.meshes.every((m) => m.visible)).toBe(true)
    expect(warn).toHaveBeenCalledTimes(1)
  })
})

describe('FrustumCullingJob: errors', () => {
  it('throws on wrong arguments, naming the API and the argument', () => {
    const world = makeWorld({ count: 0 })
    const { scheduler, camera, scene } = world
    expect(() => new FrustumCullingJob({} as never, camera, scene)).toThrow(/^FrustumCullingJob: scheduler must be a BatchScheduler/)
    expect(() => new FrustumCullingJob(scheduler, scene as never, scene)).toThrow(/^FrustumCullingJob: camera must be a THREE.Camera/)
    expect(() => new FrustumCullingJob(scheduler, camera, null as never)).toThrow(/^FrustumCullingJob: root must be a THREE.Object3D/)
    expect(() => new FrustumCullingJob(scheduler, camera, scene, { guardMargin: -1 })).toThrow(/^FrustumCullingJob: guardMargin must be/)
    expect(() => new FrustumCullingJob(scheduler, camera, scene, { cullShadowCasters: 1 as never })).toThrow(/^FrustumCullingJob: cullShadowCasters must be a boolean/)
    expect(scheduler.systems).toHaveLength(0)
    const culling = new FrustumCullingJob(scheduler, camera, scene)
    expect(() => {
      culling.camera = {} as never
    }).toThrow(/^FrustumCullingJob.camera: camera must be a THREE.Camera/)
    expect(() => culling.setVisible(scene, 'no' as never)).toThrow(/^FrustumCullingJob.setVisible: visible must be a boolean/)
  })
})
