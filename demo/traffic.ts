/**
 * The demo's agents: cars that pick a neighbouring intersection (AI) and
 * drive to it (physics). Plain three.js runs both whole every frame
 * (`think`, `step`). Under the scheduler the AI is sliced across frames (a
 * cursor over the cars, stopping when the deadline says so), and physics is
 * a fixed-timestep system (`fixedStep`: every car advances by exactly the
 * step, on plain arrays) whose result is drawn by a sliced system
 * (`interpolate`: each mesh between its last two steps, by the fixed
 * system's `alpha`), so motion stays smooth when frames and steps do not
 * line up. Nothing here allocates per frame.
 */
import type { Deadline } from '../src/index.js'
import { BLOCK, type Cars } from './world.js'

/** Cars handled between two deadline checks. */
const CHUNK = 64

/** How far right of the street's middle a car drives. */
const SIDE = 1.6

const NEVER_YIELD: Deadline = { timeRemaining: () => Infinity, shouldYield: () => false }

export class Traffic {
  /** Set false to hold every car still (autoplay=0). */
  moving = true
  /** Called for each car that moved (under the scheduler: mark its matrix dirty). */
  onMoved: (index: number) => void = () => {}
  /** Where `interpolate` reads the fraction of a step since the last one (the fixed system's handle). */
  stepAlpha: { readonly alpha: number } = { alpha: 1 }
  private aiCursor = 0
  private physicsCursor = 0
  private drawCursor = 0
  /** Per car: the clock time (ms) of its last physics step. */
  private readonly lastStep: Float64Array
  /** Per car: x, z where it is drawn at the previous fixed step, then at the current one. */
  private readonly drawn: Float32Array
  /** Per car: its heading at the current fixed step. */
  private readonly heading: Float32Array
  /** What {@link Traffic.advance} computed: drawn x, z and heading (a typed array: no boxed doubles per car). */
  private readonly out = new Float64Array(3)

  constructor(
    private readonly cars: Cars,
    private readonly streets: number,
    private readonly random: () => number,
    /** Clock for the physics step (ms); the benchmark drives it by frame. */
    public now: () => number,
  ) {
    const count = cars.meshes.length
    this.lastStep = new Float64Array(count)
    this.drawn = new Float32Array(count * 4)
    this.heading = new Float32Array(count)
    this.resync()
  }

  /**
   * Starts both ways of stepping afresh from where the cars are drawn now:
   * call it when switching between them, so neither sees the other's time
   * gap or draws from a stale position.
   */
  resync(): void {
    const meshes = this.cars.meshes
    this.lastStep.fill(this.now())
    for (let i = 0; i < meshes.length; i++) {
      const mesh = meshes[i]!
      this.drawn[i * 4] = this.drawn[i * 4 + 2] = mesh.position.x
      this.drawn[i * 4 + 1] = this.drawn[i * 4 + 3] = mesh.position.z
      this.heading[i] = mesh.rotation.y
    }
    this.physicsCursor = 0
    this.drawCursor = 0
  }

  /**
   * Fixed-step physics: every car moves toward its target by speed × `stepMs`.
   * Writes only arrays (the previous and current drawn positions); the meshes
   * are written by {@link Traffic.interpolate}.
   */
  fixedStep(stepMs: number): void {
    const drawn = this.drawn
    const count = this.cars.meshes.length
    const dt = stepMs / 1000
    const out = this.out
    for (let i = 0; i < count; i++) {
      const d = i * 4
      drawn[d] = drawn[d + 2]!
      drawn[d + 1] = drawn[d + 3]!
      if (!this.moving || !this.advance(i, dt)) continue
      drawn[d + 2] = out[0]!
      drawn[d + 3] = out[1]!
      this.heading[i] = out[2]!
    }
  }

  /**
   * Draws each car between its last two fixed steps, `stepAlpha.alpha` of the
   * way, and reports the ones that moved. Returns true while unfinished.
   */
  interpolate(deadline: Deadline = NEVER_YIELD): boolean {
    const meshes = this.cars.meshes
    const drawn = this.drawn
    const count = meshes.length
    const alpha = this.stepAlpha.alpha
    let handled = 0
    while (this.drawCursor < count) {
      const i = this.drawCursor++
      const d = i * 4
      const x = drawn[d]! + (drawn[d + 2]! - drawn[d]!) * alpha
      const z = drawn[d + 1]! + (drawn[d + 3]! - drawn[d + 1]!) * alpha
      const mesh = meshes[i]!
      if (mesh.position.x !== x || mesh.position.z !== z) {
        mesh.position.set(x, 0, z)
        mesh.rotation.y = this.heading[i]!
        this.onMoved(i)
      }
      if (++handled === CHUNK) {
        handled = 0
        if (deadline.shouldYield()) return true
      }
    }
    this.drawCursor = 0
    return false
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
    const meshes = this.cars.meshes
    const count = meshes.length
    const now = this.now()
    let handled = 0
    while (this.physicsCursor < count) {
      const i = this.physicsCursor++
      const dt = Math.min(0.25, (now - this.lastStep[i]!) / 1000)
      this.lastStep[i] = now
      if (this.moving && this.advance(i, dt)) {
        const mesh = meshes[i]!
        mesh.position.set(this.out[0]!, 0, this.out[1]!)
        mesh.rotation.y = this.out[2]!
        this.onMoved(i)
      }
      if (++handled === CHUNK) {
        handled = 0
        if (deadline.shouldYield()) return true
      }
    }
    this.physicsCursor = 0
    return false
  }

  /**
   * Moves car `i` toward its target by its speed × `dt` seconds. @returns
   * false when it is there; else true, with where it is drawn (on the
   * right-hand side of the street) and its heading in `out` (x, z, heading).
   */
  private advance(i: number, dt: number): boolean {
    const { position, target, speed } = this.cars
    const px = position[i * 2]!
    const pz = position[i * 2 + 1]!
    const dx = target[i * 2]! - px
    const dz = target[i * 2 + 1]! - pz
    const dist = Math.sqrt(dx * dx + dz * dz)
    if (dist < 1e-3) return false
    const travel = Math.min(dist, speed[i]! * dt)
    const nx = px + (dx / dist) * travel
    const nz = pz + (dz / dist) * travel
    position[i * 2] = nx
    position[i * 2 + 1] = nz
    const out = this.out
    out[0] = nx + (-dz / dist) * SIDE
    out[1] = nz + (dx / dist) * SIDE
    out[2] = Math.atan2(-dz, dx)
    return true
  }
}
