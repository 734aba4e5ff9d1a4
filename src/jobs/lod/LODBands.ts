import type { LOD } from 'three'

/**
 * Per LOD, what a skipped update is checked against: the LOD's world position
 * at its last update (x, y, z), the band of camera distances [lo, hi) in
 * which `lod.update` keeps its current level, and the matrix job's change
 * tick at that update.
 */
const BAND = 6

/**
 * What `LODJob` stores per managed LOD (by its index in the round-robin) to
 * skip an update that would change nothing: see *Skipping* on `LODJob`.
 * Typed arrays only, so the checks in the job's loop box nothing.
 * @internal
 */
export class LODBands {
  /** The matrix job's change tick at the start of the current run (stored with each band). */
  tick = 0
  /** Per LOD (`BAND` a slot): see {@link BAND}. */
  private bands = new Float64Array(0)
  /** Per LOD: its `id` (for the matrix job's stamps), and whether its band is known (1) or not (0). */
  private ids = new Int32Array(0)
  private banded = new Uint8Array(0)

  /** Forgets every band: each LOD's next update runs in full. */
  invalidate(): void {
    this.banded.fill(0)
  }

  /** Forgets LOD `i`'s band (a new LOD, or one whose update threw). */
  forget(i: number): void {
    this.banded[i] = 0
  }

  /** Makes room for `size` LODs. */
  reserve(size: number): void {
    if (size <= this.banded.length) return
    const capacity = Math.max(64, size, this.banded.length * 2)
    const bands = new Float64Array(capacity * BAND)
    bands.set(this.bands)
    this.bands = bands
    const ids = new Int32Array(capacity)
    ids.set(this.ids)
    this.ids = ids
    const banded = new Uint8Array(capacity)
    banded.set(this.banded)
    this.banded = banded
  }

  /** Moves LOD `from`'s entry to `to` (squeezing removed LODs out). */
  move(to: number, from: number): void {
    this.bands.copyWithin(to * BAND, from * BAND, from * BAND + BAND)
    this.ids[to] = this.ids[from] as number
    this.banded[to] = this.banded[from] as number
  }

  /**
   * Whether `lod.update(camera)` would leave LOD `i` as it is: the camera
   * distance, computed as `update` computes it, is in the band where it
   * keeps its level. The LOD's position is the stored one when the matrix
   * job's stamps show it has not moved since, else read from its world matrix.
   * The camera's pose (x, y, z, zoom) comes in an array, not as numbers: a
   * double passed to a call V8 does not inline is boxed.
   */
  unchanged(i: number, lod: LOD, stamps: Float64Array | null, pose: Float64Array): boolean {
    if (this.banded[i] !== 1) return false
    const b = i * BAND
    const bands = this.bands
    let px: number, py: number, pz: number
    if (stamps !== null) {
      const id = this.ids[i] as number
      if (id < stamps.length && (stamps[id] as number) > (bands[b + 5] as number)) return false
      px = bands[b] as number
      py = bands[b + 1] as number
      pz = bands[b + 2] as number
    } else {
      // Where it is now: the band alone then decides, moved or not.
      const e = lod.matrixWorld.elements
      px = e[12] as number
      py = e[13] as number
      pz = e[14] as number
    }
    // As LOD.update: camera position minus LOD position, length, divided by zoom.
    const dx = (pose[0] as number) - px, dy = (pose[1] as number) - py, dz = (pose[2] as number) - pz
    const distance = Math.sqrt(dx * dx + dy * dy + dz * dz) / (pose[3] as number)
    return distance >= (bands[b + 3] as number) && distance < (bands[b + 4] as number)
  }

  /**
   * Stores what LOD `i`'s next turn is checked against, right after
   * `lod.update`: its world position, and the distances [lo, hi) in which
   * `update` picks the same level again. With level c current (and so the
   * only visible level), `update` keeps c iff the distance reaches every
   * threshold up to c (levels below c are hidden, so their threshold is
   * their distance; c is shown, so its distance less its hysteresis) and not
   * level c + 1's distance (hidden: no hysteresis).
   */
  store(i: number, lod: LOD, stamps: Float64Array | null): void {
    const levels = lod.levels
    const b = i * BAND
    const bands = this.bands
    const e = lod.matrixWorld.elements
    bands[b] = e[12] as number
    bands[b + 1] = e[13] as number
    bands[b + 2] = e[14] as number
    bands[b + 5] = stamps !== null ? this.tick : 0
    this.ids[i] = lod.id
    const n = levels.length
    if (n <= 1) {
      // update() does nothing with fewer than two levels.
      bands[b + 3] = -Infinity
      bands[b + 4] = Infinity
      this.banded[i] = 1
      return
    }
    const c = lod.getCurrentLevel()
    let lo = -Infinity
    for (let k = 1; k <= c; k++) {
      const level = levels[k] as LOD['levels'][number]
      let threshold = level.distance
      if (k === c) threshold -= threshold * level.hysteresis
      if (threshold > lo) lo = threshold
    }
    bands[b + 3] = lo
    bands[b + 4] = c + 1 < n ? (levels[c + 1] as LOD['levels'][number]).distance : Infinity
    this.banded[i] = 1
  }
}
