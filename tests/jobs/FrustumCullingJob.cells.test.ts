/**
 * FrustumCullingJob's coarse cells: a group whose children are all managed
 * objects is hidden itself while the job holds all of them hidden (the
 * renderer then skips its subtree), and the sweep may decide such a group's
 * members as one unit. The contract: what is drawn is exactly what is drawn
 * without cells.
 */
import fc from 'fast-check'
import { Vector3, Group, type LOD, Mesh, MeshBasicMaterial, BoxGeometry, PointLight, type Object3D } from 'three'
import { describe, expect, it } from 'vitest'
import { FrustumCullingJob } from '../../src/jobs/FrustumCullingJob.js'
import { MatrixSyncJob } from '../../src/jobs/MatrixSyncJob.js'
import { mulberry32 } from '../utils/mulberry32.js'
import { lookAhead, makeWorld, render, type World } from './cullingWorld.js'

/**
 * A world whose meshes and LODs sit in groups, one per 30 × 30 square of the
 * field; with `nested`, those groups sit in district groups of 3 × 3 squares.
 * `groups` lists every group, districts last.
 */
function groupedWorld(seed: number, count: number, lods: number, nested = false, cell = 30): World & { groups: Group[]; districts: Group[] } {
  const world = makeWorld({ count, lods, seed, visitCostMs: 0 })
  lookAhead(world)
  const byKey = new Map<string, Group>()
  const districts = new Map<string, Group>()
  for (const o of [...world.meshes, ...world.lods] as Object3D[]) {
    const x = Math.floor(o.position.x / cell)
    const z = Math.floor(o.position.z / cell)
    const key = `${x},${z}`
    let group = byKey.get(key)
    if (group === undefined) {
      group = new Group()
      byKey.set(key, group)
      if (nested) {
        const districtKey = `${Math.floor(x / 3)},${Math.floor(z / 3)}`
        let district = districts.get(districtKey)
        if (district === undefined) {
          district = new Group()
          districts.set(districtKey, district)
          world.scene.add(district)
        }
        district.add(group)
      } else {
        world.scene.add(group)
      }
    }
    group.add(o) // groups stay at the origin: world transforms unchanged
  }
  world.scene.updateMatrixWorld(true)
  return { ...world, groups: [...byKey.values(), ...districts.values()], districts: [...districts.values()] }
}

/** `visible` of every mesh three may draw (LOD levels included), in order: what both sides must agree on. */
const leafState = (world: World): string => world.leaves.map((m) => (m.visible ? '1' : '0')).join('')
/** Drawn or not, each leaf: visible all the way up. */
const drawnState = (world: World): string =>
  world.leaves
    .map((m) => {
      for (let o: Object3D | null = m; o !== null; o = o.parent) if (!o.visible) return '0'
      return '1'
    })
    .join('')

interface Side {
  world: World & { groups: Group[]; districts: Group[] }
  culling: FrustumCullingJob
  matrices: MatrixSyncJob | null
}

describe('FrustumCullingJob: coarse cells', () => {
  it('draws exactly what it draws without cells, frame by frame; hidden groups hold only hidden objects (property)', () => {
    let runs = 0
    let runsHidingGroups = 0
    let runsSkipping = 0
    let runsWithUnits = 0
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1e6 }),
          count: fc.integer({ min: 0, max: 250 }),
          lods: fc.integer({ min: 0, max: 40 }),
          withMatrices: fc.boolean(),
          nested: fc.boolean(),
          frames: fc.integer({ min: 10, max: 80 }),
          turn: fc.double({ min: 0, max: 0.08, noNaN: true }),
          walk: fc.double({ min: 0, max: 1.5, noNaN: true }),
          moving: fc.double({ min: 0, max: 0.1, noNaN: true }),
        }),
        (w) => {
          const make = (cells: boolean): Side => {
            const world = groupedWorld(w.seed, w.count, w.lods, w.nested)
            const matrices = w.withMatrices ? new MatrixSyncJob(world.scheduler, world.scene, { watchHierarchy: false }) : null
            const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { cells, stillSweepFrames: 2 })
            return { world, culling, matrices }
          }
          const withCells = make(true)
          const without = make(false)
          expect(without.culling.stats.cells).toBe(0)
          const moves = mulberry32(w.seed + 3)
          let hidGroups = false
          let skipped = false
          let units = false
          for (let f = 0; f < w.frames; f++) {
            const picks: [number, number][] = []
            for (let k = 0; k < withCells.world.meshes.length; k++) if (moves() < w.moving) picks.push([k, (moves() * 2 - 1) * 2])
            for (const side of [withCells, without]) {
              const { world, matrices } = side
              world.scheduler.runFrame()
              // Moved objects jump: reported as the job asks (matrix up to date, then markMoved).
              for (const [k, dx] of picks) {
                const mesh = world.meshes[k] as Mesh
                mesh.position.x += dx
                if (matrices !== null) {
                  matrices.markDirty(mesh)
                  matrices.flush()
                } else {
                  mesh.updateMatrixWorld()
                }
                side.culling.markMoved(mesh)
              }
              world.camera.rotation.y += w.turn
              world.camera.position.z -= w.walk
              world.camera.updateMatrixWorld()
              expect(render(world.scene, world.camera, world.leaves).falseNegatives).toBe(0)
            }
            expect(leafState(withCells.world)).toBe(leafState(without.world))
            expect(drawnState(withCells.world)).toBe(drawnState(without.world))
            for (const group of withCells.world.groups) {
              if (withCells.culling.isCulled(group)) {
                hidGroups = true
                for (const child of group.children) expect(withCells.culling.isCulled(child)).toBe(true)
              } else {
                expect(group.visible).toBe(true)
              }
            }
            if (withCells.culling.stats.trusted > withCells.culling.stats.visited / 2) skipped = true
            if (withCells.culling.stats.unitCells > 0) units = true
          }
          runs++
          if (units) runsWithUnits++
          if (hidGroups) runsHidingGroups++
          if (skipped) runsSkipping++
          for (const side of [withCells, without]) {
            side.culling.dispose()
            side.matrices?.dispose()
            expect(side.world.groups.every((g) => g.visible)).toBe(true)
          }
        },
      ),
      { numRuns: Number(process.env.CULLING_PROPERTY_RUNS ?? 25) },
    )
    // Not vacuous: most runs hid whole groups.
    expect(runsHidingGroups).toBeGreaterThan(runs / 2)
    expect(runsSkipping).toBeGreaterThan(0)
    // And some decided cells from stored units (no member read), against which the other side read members.
    expect(runsWithUnits).toBeGreaterThan(0)
  })

  it('decides cells from stored units without reading their members, and sees a LOD level moved into view through the subtree stamps', () => {
    const world = groupedWorld(31, 600, 80)
    const matrices = new MatrixSyncJob(world.scheduler, world.scene, { watchHierarchy: false })
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { stillSweepFrames: 1, verifyEvery: 1000 })
    for (let f = 0; f < 12; f++) {
      world.scheduler.runFrame()
      expect(render(world.scene, world.camera, world.leaves).falseNegatives).toBe(0)
    }
    // A still world: the sweep decides cells from what it stored (hidden cells wholly beyond one
    // plane, shown cells whose members' centers are inside every plane).
    world.scheduler.runFrame()
    expect(culling.stats.hiddenCells).toBeGreaterThan(world.groups.length / 4)
    expect(culling.stats.unitCells).toBeGreaterThan(world.groups.length / 4)
    expect(culling.stats.visited).toBe(culling.stats.tracked)
    const group = world.groups.find((g) => culling.isCulled(g) && g.children.some((c) => (c as LOD).isLOD === true))
    expect(group).toBeDefined()
    const lod = group!.children.find((c) => (c as LOD).isLOD === true) as LOD
    expect(culling.isCulled(lod)).toBe(true)
    // Its levels move in front of the camera. The culling job does not re-test a LOD when a level
    // is written: only the stamps of the LOD's group tell that its unit is stale.
    const inFront = lod.worldToLocal(new Vector3(0, 0, -10))
    for (const level of lod.children) {
      level.position.copy(inFront)
      matrices.markDirty(level)
    }
    for (let f = 0; f < 3; f++) {
      world.scheduler.runFrame()
      expect(render(world.scene, world.camera, world.leaves).falseNegatives).toBe(0)
    }
    expect(culling.isCulled(lod)).toBe(false)
    expect(group!.visible).toBe(true)
    culling.dispose()
    matrices.dispose()
    expect(world.groups.every((g) => g.visible)).toBe(true)
  })

  it('hides groups out of view as units and skips their members in the sweep (with a MatrixSyncJob)', () => {
    const world = groupedWorld(11, 600, 60)
    const matrices = new MatrixSyncJob(world.scheduler, world.scene, { watchHierarchy: false })
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { stillSweepFrames: 1, verifyEvery: 1000 })
    expect(culling.stats.cells).toBe(world.groups.length)
    for (let f = 0; f < 10; f++) {
      world.scheduler.runFrame()
      expect(render(world.scene, world.camera, world.leaves).falseNegatives).toBe(0)
    }
    expect(culling.stats.hiddenCells).toBeGreaterThan(world.groups.length / 3)
    const hiddenMembers = world.groups.filter((g) => culling.isCulled(g)).reduce((n, g) => n + g.children.length, 0)
    // A still world: every hidden group's members are decided as one unit (counted as trusted visits).
    world.scheduler.runFrame()
    expect(culling.stats.visited).toBe(culling.stats.tracked)
    expect(culling.stats.trusted).toBeGreaterThanOrEqual(hiddenMembers)
    culling.dispose()
    matrices.dispose()
    expect(world.groups.every((g) => g.visible)).toBe(true)
  })

  it('nested cells: a district is hidden whole while all its blocks are, and shown with the first of its objects', () => {
    const world = groupedWorld(21, 900, 60, true)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { stillSweepFrames: 1 })
    // Every group with two members or more (a one-member group, and the district holding it, are not cells).
    const blocksFit = (d: Group): boolean => d.children.length >= 2 && d.children.every((b) => b.children.length >= 2)
    const expected = world.groups.filter((g) => (world.districts.includes(g) ? blocksFit(g) : g.children.length >= 2)).length
    expect(culling.stats.cells).toBe(expected)
    for (let f = 0; f < 6; f++) world.scheduler.runFrame()
    const hiddenDistricts = world.districts.filter((d) => culling.isCulled(d))
    expect(hiddenDistricts.length).toBeGreaterThan(0)
    for (const district of hiddenDistricts) for (const block of district.children) expect(culling.isCulled(block)).toBe(true)
    // Turn around: every district comes into view at some point; none hides anything in view.
    let shownAgain = 0
    for (let f = 0; f < 60; f++) {
      world.camera.rotation.y += 0.1
      world.camera.updateMatrixWorld()
      world.scheduler.runFrame()
      expect(render(world.scene, world.camera, world.leaves).falseNegatives).toBe(0)
      shownAgain += hiddenDistricts.filter((d) => d.visible).length
      for (const district of world.districts) {
        if (!culling.isCulled(district)) continue
        for (const block of district.children) expect(culling.isCulled(block)).toBe(true)
      }
    }
    expect(shownAgain).toBeGreaterThan(0)
    // A block whose children change drops the district above it too.
    const district = world.districts.find((d) => culling.isCulled(d)) ?? (world.districts[0] as Group)
    ;(district.children[0] as Group).add(new PointLight())
    expect(district.visible).toBe(true)
    expect(district.children[0]?.visible).toBe(true)
    culling.dispose()
    expect(world.groups.every((g) => g.visible)).toBe(true)
  })

  it('a member moved through the matrix job is read again, not decided with its group (with and without cells alike)', () => {
    const sides = [true, false].map((cells) => {
      const world = groupedWorld(13, 300, 0)
      const matrices = new MatrixSyncJob(world.scheduler, world.scene, { watchHierarchy: false })
      const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { cells, stillSweepFrames: 1, verifyEvery: 1000 })
      return { world, matrices, culling }
    })
    const [withCells, without] = sides as [(typeof sides)[number], (typeof sides)[number]]
    for (let f = 0; f < 8; f++) for (const side of sides) side.world.scheduler.runFrame()
    const g = withCells.world.groups.findIndex((group) => withCells.culling.isCulled(group))
    expect(g).toBeGreaterThanOrEqual(0)
    for (let f = 0; f < 12; f++) {
      for (const side of sides) {
        // One member of that hidden group walks into view, marked for the matrix job only.
        const member = (side.world.groups[g] as Group).children[0] as Mesh
        if (f < 4) {
          member.position.set(0, 0, -10 - f)
          side.matrices.markDirty(member)
        }
        side.world.scheduler.runFrame()
        render(side.world.scene, side.world.camera, side.world.leaves)
      }
      expect(leafState(withCells.world)).toBe(leafState(without.world))
      expect(drawnState(withCells.world)).toBe(drawnState(without.world))
    }
    const member = (withCells.world.groups[g] as Group).children[0] as Mesh
    expect(render(withCells.world.scene, withCells.world.camera, [member]).falseNegatives).toBe(0)
    expect(withCells.world.groups[g]?.visible).toBe(true)
    for (const side of sides) {
      side.culling.dispose()
      side.matrices.dispose()
    }
  })

  it('members that paced fast out of view, then stood still while the view turned to them: the same as without cells', () => {
    const sides = [true, false].map((cells) => {
      const world = groupedWorld(17, 0, 0)
      const group = new Group()
      const members = [0, 1, 2].map((k) => {
        const mesh = new Mesh(new BoxGeometry(1, 1, 1), new MeshBasicMaterial())
        mesh.position.set(60 + k, 0, -40)
        group.add(mesh)
        return mesh
      })
      world.scene.add(group)
      world.scene.updateMatrixWorld(true)
      world.leaves.push(...members)
      const matrices = new MatrixSyncJob(world.scheduler, world.scene, { watchHierarchy: false })
      const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { cells, stillSweepFrames: 1, verifyEvery: 1000 })
      return { world, matrices, culling, group, members }
    })
    const [withCells, without] = sides as [(typeof sides)[number], (typeof sides)[number]]
    let groupHidden = 0
    for (let f = 0; f < 120; f++) {
      for (const side of sides) {
        // They pace up and down out of view for a while (seen moving fast), then stand still.
        if (f >= 10 && f < 20) {
          for (const m of side.members) {
            m.position.z = -40 + (f % 2 === 0 ? 6 : -6)
            side.matrices.markDirty(m)
          }
        }
        // Then the view turns slowly toward them.
        if (f >= 20) {
          side.world.camera.rotation.y -= 0.004
          side.world.camera.updateMatrixWorld()
        }
        side.world.scheduler.runFrame()
        render(side.world.scene, side.world.camera, side.world.leaves)
      }
      if (withCells.culling.isCulled(withCells.group)) groupHidden++
      expect(leafState(withCells.world)).toBe(leafState(without.world))
    }
    expect(groupHidden).toBeGreaterThan(5)
    for (const side of sides) {
      side.culling.dispose()
      side.matrices.dispose()
    }
  })

  it('a group whose children change is shown at once and is no longer a cell until refresh()', () => {
    const world = groupedWorld(5, 400, 0)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { stillSweepFrames: 1 })
    for (let f = 0; f < 6; f++) world.scheduler.runFrame()
    const hidden = world.groups.filter((g) => culling.isCulled(g))
    expect(hidden.length).toBeGreaterThan(2)
    const [a, b, c] = hidden as [Group, Group, Group]
    // add(): heard at once. A light would light the scene; a mesh would be drawn by three.
    a.add(new PointLight())
    expect(a.visible).toBe(true)
    // remove(): the rest stay hidden one by one; the group is shown.
    b.remove(b.children[0] as Object3D)
    expect(b.visible).toBe(true)
    // A children array edited by hand: caught before the next render.
    c.children.push(new Mesh(new BoxGeometry(), new MeshBasicMaterial()))
    render(world.scene, world.camera, world.leaves)
    expect(c.visible).toBe(true)
    for (let f = 0; f < 6; f++) world.scheduler.runFrame()
    expect([a, b, c].every((g) => g.visible)).toBe(true)
    c.children.pop()
    // refresh() rebuilds the cells from the scene graph as it is now.
    culling.refresh()
    for (let f = 0; f < 6; f++) world.scheduler.runFrame()
    expect(culling.isCulled(b) || culling.isCulled(c)).toBe(true)
    expect(culling.isCulled(a)).toBe(false) // it holds a light: never a cell
    culling.dispose()
  })

  it('a dropped cell stays shown while its other members come and go, until refresh()', () => {
    const world = groupedWorld(23, 800, 40, true)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { stillSweepFrames: 1 })
    for (let f = 0; f < 6; f++) world.scheduler.runFrame()
    const dropped = world.groups.filter((g) => !world.districts.includes(g) && culling.isCulled(g))
    expect(dropped.length).toBeGreaterThan(3)
    for (const group of dropped) culling.remove(group.children[0] as Object3D)
    for (let f = 0; f < 80; f++) {
      world.camera.rotation.y += 0.08
      world.camera.updateMatrixWorld()
      world.scheduler.runFrame()
      expect(render(world.scene, world.camera, world.leaves).falseNegatives).toBe(0)
      for (const group of dropped) {
        expect(group.visible).toBe(true)
        expect(group.parent?.visible).toBe(true)
      }
    }
    culling.refresh() // the removed objects are managed again; the cells come back
    for (let f = 0; f < 6; f++) world.scheduler.runFrame()
    expect(culling.stats.cells).toBeGreaterThan(0)
    culling.dispose()
    expect(world.groups.every((g) => g.visible)).toBe(true)
  })

  it('remove() of a member, setVisible on a group, and cells: false leave groups to the app', () => {
    const world = groupedWorld(9, 400, 0)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { stillSweepFrames: 1 })
    for (let f = 0; f < 6; f++) world.scheduler.runFrame()
    const [a, b] = world.groups.filter((g) => culling.isCulled(g)) as [Group, Group]
    culling.remove(a.children[0] as Object3D)
    expect(a.visible).toBe(true) // it now holds an object the job does not manage
    culling.setVisible(b, false)
    for (let f = 0; f < 20; f++) {
      world.camera.rotation.y += 0.3 // everything comes into view at some point
      world.camera.updateMatrixWorld()
      world.scheduler.runFrame()
      render(world.scene, world.camera, world.leaves)
    }
    expect(b.visible).toBe(false) // the app's
    expect(culling.isCulled(b)).toBe(false)
    culling.dispose()
    expect(b.visible).toBe(false)
    expect(a.visible).toBe(true)

    const off = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { cells: false, stillSweepFrames: 1 })
    for (let f = 0; f < 6; f++) world.scheduler.runFrame()
    expect(off.stats.cells).toBe(0)
    expect(world.groups.filter((g) => g !== b).every((g) => g.visible)).toBe(true)
    off.dispose()
    expect(() => new FrustumCullingJob(world.scheduler, world.camera, world.scene, { cells: 1 as unknown as boolean })).toThrow(/cells must be a boolean/)
  })
})
