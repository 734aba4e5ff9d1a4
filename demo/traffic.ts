/**
 * The demo's agents: cars that pick a neighbouring intersection (AI) and
 * drive to it (physics). Both can run whole every frame (plain three.js) or
 * sliced across frames under the scheduler: each step works on a cursor over
 * the cars and stops when the deadline says so. Nothing here allocates per frame.
 */
import type { Deadline } from '../src/index.js'
import { BLOCK, type Cars } from './world.js'

/** Cars handled between two deadline checks. */
const CHUNK = 64

const NEVER_YIELD: Deadline = { timeRemaining: () => Infinity, shouldYield: () => false }

export class Traffic {
  /** Set false to hold every car still (autoplay=0). */
  moving = true
  /** Called for each car that moved (under the scheduler: mark its matrix dirty). */
  onMoved: (index: number) => void = () => {}
  private aiCursor = 0
  private physicsCursor = 0
  /** Per car: the clock time (ms) of its last physics step. */
  private readonly lastStep: Float64Array

  constructor(
    private readonly cars: Cars,
    private readonly streets: number,
    private readonly random: () => number,
    /** Clock for the physics step (ms); the benchmark drives it by frame. */
    public now: () => number,
  ) {
    this.lastStep = new Float64Array(cars.meshes.length).fill(now())
  }

  /** AI: cars that reached their target pick the next intersection. Returns true while a sweep is unfinished. */
  think(deadline: Deadline = NEVER_YIELD): boolean {
    const { position, target } = this.cars
    const count = this.cars.meshes.length
    const max = this.streets * BLOCK
    let handled = 0
    while (this.aiCursor < count) {
      const i = this.aiCursor++
      const dx = target[i * 2]! - position[i * 2]!
      const dz = target[i * 2 + 1]! - position[i * 2 + 1]!
      if (dx * dx + dz * dz < 0.25) {
        const axis = this.random() < 0.5 ? 0 : 1
        const step = this.random() < 0.5 ? -BLOCK : BLOCK
        let next = target[i * 2 + axis]! + step
        if (next < 0 || next > max) next -= 2 * step
        target[i * 2 + axis] = next
      }
      if (++handled === CHUNK) {
        handled = 0
        if (deadline.shouldYield()) return true
      }
    }
    this.aiCursor = 0
    return false
  }

  /** Physics: moves each car toward its target by speed × its own elapsed time. Returns true while unfinished. */
  step(deadline: Deadline = NEVER_YIELD): boolean {
    const { position, target, speed, meshes } = this.cars
    const count = meshes.length
    const now = this.now()
    let handled = 0
    while (this.physicsCursor < count) {
      const i = this.physicsCursor++
      const dt = Math.min(0.25, (now - this.lastStep[i]!) / 1000)
      this.lastStep[i] = now
      if (this.moving) this.move(i, dt, position, target, speed, meshes[i]!)
      if (++handled === CHUNK) {
        handled = 0
        if (deadline.shouldYield()) return true
      }
    }
    this.physicsCursor = 0
    return false
  }

  private move(
    i: number,
    dt: number,
    position: Float32Array,
    target: Float32Array,
    speed: Float32Array,
    mesh: { position: { set(x: number, y: number, z: number): unknown }; rotation: { y: number } },
  ): void {
    const px = position[i * 2]!
    const pz = position[i * 2 + 1]!
    const dx = target[i * 2]! - px
    const dz = target[i * 2 + 1]! - pz
    const dist = Math.sqrt(dx * dx + dz * dz)
    if (dist < 1e-3) return
    const travel = Math.min(dist, speed[i]! * dt)
    const nx = px + (dx / dist) * travel
    const nz = pz + (dz / dist) * travel
    position[i * 2] = nx
    position[i * 2 + 1] = nz
    // Drive on the right-hand side of the street.
    const side = 1.6
    mesh.position.set(nx + (-dz / dist) * side, 0, nz + (dx / dist) * side)
    mesh.rotation.y = Math.atan2(-dz, dx)
    this.onMoved(i)
  }
}
