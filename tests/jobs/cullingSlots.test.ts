/**
 * The culling job's slot store: a cell's stored unit owes its members speed
 * decays and a visit frame, and `SlotStore.open` / `settleAll` pay that debt
 * before a member is touched; removing a slot keeps the visited slots before
 * the cursor. (The job's behaviour over these is pinned by the lockstep tests
 * in FrustumCullingJob.cells.test.ts and FrustumCullingJob.matrices.test.ts.)
 *
 * Mutations caught when written: `open` not settling (first two tests),
 * `remove` not settling before it moves slots (third).
 */
import { BoxGeometry, Group, Mesh, MeshBasicMaterial, type Object3D } from 'three'
import { describe, expect, it } from 'vitest'
import { CellUnits, UNIT_HIDDEN } from '../../src/jobs/culling/CellUnits.js'
import { CullingCells } from '../../src/jobs/culling/CullingCells.js'
import { cullKind, type Cullable } from '../../src/jobs/culling/CullKind.js'
import { SlotStore, SPEED_DECAY } from '../../src/jobs/culling/SlotStore.js'

const geometry = new BoxGeometry()
const material = new MeshBasicMaterial()

function store(count: number): { slots: SlotStore; cells: CullingCells; units: CellUnits; objects: Object3D[]; root: Group } {
  const root = new Group()
  const group = new Group()
  root.add(group)
  const objects: Object3D[] = []
  const cells = new CullingCells()
  const units = new CellUnits()
  const slots = new SlotStore(cells, units)
  for (let k = 0; k < count; k++) {
    const mesh = new Mesh(geometry, material)
    group.add(mesh)
    objects.push(mesh)
    slots.add(mesh as Cullable, cullKind(mesh as Cullable))
  }
  cells.build(root, slots.index, slots.kinds, () => false)
  units.reserve(cells.count)
  return { slots, cells, units, objects, root }
}

/** Gives cell 0 (all `count` slots from 0) a unit that made `skips` decisions, the last at `frame`. */
function owe(units: CellUnits, count: number, skips: number, frame: number): void {
  units.add(0, UNIT_HIDDEN)
  units.first[0] = 0
  units.count[0] = count
  units.skips[0] = skips
  units.frame[0] = frame
}

describe('SlotStore', () => {
  it('open settles the unit of the slot\'s cell first: each member\'s speed decayed once per decision, visit frame the last', () => {
    const { slots, cells, units } = store(3)
    expect(cells.count).toBe(1)
    for (let j = 0; j < 3; j++) {
      const w = slots.open(j)
      w.speeds[j] = 8 + j
      w.visits[j] = 1
    }
    owe(units, 3, 2, 7)
    expect(slots.speeds[0]).toBe(8) // owed, not written yet
    const w = slots.open(1)
    for (let j = 0; j < 3; j++) {
      expect(w.speeds[j]).toBe((8 + j) * SPEED_DECAY * SPEED_DECAY)
      expect(w.visits[j]).toBe(7)
    }
    expect(units.kind[0]).toBe(0)
    expect(units.pending).toBe(0)
    // Paid once: opening again changes nothing.
    slots.open(0)
    expect(slots.speeds[0]).toBe(8 * SPEED_DECAY * SPEED_DECAY)
  })

  it('a unit that made no decision since it was stored owes nothing', () => {
    const { slots, units } = store(2)
    slots.open(0).speeds[0] = 4
    slots.open(0).visits[0] = 3
    owe(units, 2, 0, 9)
    slots.open(0)
    expect(slots.speeds[0]).toBe(4)
    expect(slots.visits[0]).toBe(3)
    expect(units.pending).toBe(0)
  })

  it('remove settles every unit before slots move, and keeps [0, cursor) the visited slots', () => {
    const { slots, units, objects } = store(5)
    for (let j = 0; j < 5; j++) slots.open(j).speeds[j] = 2
    owe(units, 5, 1, 4)
    // Slots 0..2 visited (cursor 3); remove slot 1.
    const cursor = slots.remove(1, 3)
    expect(units.pending).toBe(0)
    expect(cursor).toBe(2)
    expect(slots.count).toBe(4)
    const order = slots.objects.slice(0, slots.count)
    expect(new Set(order.slice(0, cursor))).toEqual(new Set([objects[0], objects[2]]))
    expect(new Set(order.slice(cursor))).toEqual(new Set([objects[3], objects[4]]))
    for (let j = 0; j < 4; j++) {
      expect(slots.index.get(order[j] as Object3D)).toBe(j)
      expect(slots.speeds[j]).toBe(2 * SPEED_DECAY)
      expect(slots.visits[j]).toBe(4)
    }
    expect(slots.index.has(objects[1] as Object3D)).toBe(false)
    expect(slots.slotOf((objects[1] as Object3D).id)).toBe(-1)
    expect(slots.slotOf((objects[4] as Object3D).id)).toBe(2)
  })
})
