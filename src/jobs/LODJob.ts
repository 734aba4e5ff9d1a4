import type { Camera, LOD, Object3D, Scene } from 'three'
import { BatchScheduler } from '../core/BatchScheduler.js'
import { BatchType } from '../core/BatchType.js'
import type { Deadline, SystemHandle } from '../core/types.js'
import { checkBoolean, checkInteger, checkName, checkWeight, describe } from '../core/validate.js'
import { checkCamera, checkLOD, checkObject } from './utils/checkThree.js'
import { LODJobStats } from './lod/LODJobStats.js'
import type { MatrixSyncJob } from './MatrixSyncJob.js'
import { checkChangesOption, liveChanges, type WorldMatrixChanges } from './matrices/WorldMatrixChanges.js'

/** Options of {@link LODJob}. */
export interface LODJobOptions {
  /** Name of the system in stats, errors and the devtools. @default 'lod' */
  name?: string
  /**
   * Expected cost as a fraction of the budget (0..1), shown and tuned in the
   * devtools. The system is sliced: it stops itself at the deadline.
   * @default 0.2
   */
  weight?: number
  /** LODs updated between two `deadline.shouldYield()` checks: the most the job overruns by. @default 16 */
  chunkSize?: number
  /**
   * Staleness bound: the job does not yield while the next LOD in line was
   * last updated `maxLagFrames` or more frames ago, so after any run at frame
   * G every managed LOD was updated at a frame > G − maxLagFrames. An integer
   * ≥ 1, or `Infinity` to stay within the budget whatever the LOD count.
   * @default 30
   */
  maxLagFrames?: number
  /** Manage every LOD found under this object at install (see {@link LODJob.addAll}). */
  root?: Object3D
  /**
   * The scene's {@link MatrixSyncJob}, if it has one: a LOD whose world
   * matrix the matrix job has not written since its last update is known not
   * to have moved, so the job checks whether its update would change
   * anything from numbers it stored, without reading the LOD (see
   * *Skipping* on {@link LODJob}). By default, when `root` is a Scene, the
   * Scene's live MatrixSyncJob (looked up at each run); `null`, or no
   * matrix job, reads each LOD's world position instead.
   * @default the root Scene's MatrixSyncJob, if any
   */
  matrices?: MatrixSyncJob | null
  /**
   * Skip an update that would change nothing (see *Skipping* on
   * {@link LODJob}). With false, every LOD's `update` runs on every turn.
   * @default true
   */
  skipUnchanged?: boolean
}

/**
 * Per LOD, what a skipped update is checked against: the LOD's world position
 * at its last update (x, y, z), the band of camera distances [lo, hi) in
 * which `lod.update` keeps its current level, and the matrix job's change
 * tick at that update.
 */
const BAND = 6
/** A LOD's band is not trusted (its update is run in full) once every this many laps, in turn (a power of two). */
const VERIFY_LAPS = 32

/** Removed LODs (holes) tolerated before the arrays are squeezed outside a lap's end. */
const SQUEEZE_MIN = 64

/** Which job manages a LOD: two jobs on one LOD would restore each other's flag wrongly. */
const _owners = new WeakMap<LOD, LODJob>()

/**
 * Picks LOD levels as a sliced {@link BatchType.LOD} system instead of the
 * renderer calling `lod.update(camera)` on every visible LOD in every render.
 *
 * Each managed LOD gets `autoUpdate = false` (so the renderer skips it: the
 * work is never done twice) and is updated by the job with the same
 * `lod.update(camera)`, round-robin: the LOD updated least recently goes next.
 * Round-robin, rather than nearest first, gives a hard bound with no sorting
 * per frame: every LOD is updated once per lap, and a lap may not last longer
 * than `maxLagFrames` (see {@link LODJobOptions.maxLagFrames}); with a still
 * camera one lap brings every LOD to the level `lod.update(camera)` picks. A
 * LOD is also updated once when added, so it never shows all its levels at
 * once. The job checks the deadline every `chunkSize` LODs and resumes where
 * it stopped; it updates each LOD at most once per frame.
 *
 * **Staleness bound**: each run updates at least `chunkSize` LODs (or all of
 * them); after a run at frame G every LOD was updated after G − maxLagFrames;
 * the job runs at least every `maxDeferFrames(LOD) + 1` frames (forced when
 * starved), so a LOD's level is never older than
 * maxLagFrames + maxDeferFrames(LOD) frames.
 *
 * **Pacing**: the bound is kept by spreading each lap, not by rushing it.
 * A run owes at least the lap's share of the frames elapsed since the lap
 * began, for a lap of `maxLagFrames − 1 − maxDeferFrames(LOD)` frames, even
 * past the deadline; so a job starved by higher types does about
 * `LODs × (frames since its last run) / lap frames` updates when it is
 * forced, instead of waiting until the bound comes due and then updating
 * the rest of the lap in one frame (measured at 100k objects with 25k LODs:
 * forced runs of ~3.5 ms instead of 6–7 ms rushes).
 *
 * **Skipping**: an update is skipped when it would change nothing. At each
 * update the job stores the LOD's world position and the band of camera
 * distances in which `lod.update` keeps the level it just picked (from the
 * levels' distances and hysteresis, as `update` compares them); on the LOD's
 * next turn, if the camera's distance (computed exactly as `update` does) is
 * still in the band, the update is skipped and counts as done. The LOD's
 * position is the stored one when the scene's MatrixSyncJob has not written
 * its world matrix since (the LOD is not read at all), else read from its
 * world matrix. A LOD's
 * update runs in full at least once every 32 laps, so a change the job cannot
 * see (levels edited, a level's `visible` written by the app, a world matrix
 * written without the matrix job) is picked up; call
 * {@link LODJob.invalidate} to have it sooner. (Those full updates are most
 * of what a lap costs in a large scene: one lap in 8 made them 85 % of the
 * job's work at 100k LODs.)
 *
 * **Budget and rest**: while the camera moves there is always a next LOD
 * to check, so the job uses whatever budget the higher types leave (cap it
 * with `scheduler.setTypeShare(BatchType.LOD, 0.4)` to leave room for AI).
 * Once a whole lap ran with the camera's position and zoom unchanged, every
 * level is right and the job rests: its runs do nothing until the camera
 * moves, the camera is switched, or {@link LODJob.invalidate} is called
 * (after moving LODs themselves).
 *
 * Unlike the renderer, the job also updates LODs that are hidden or outside
 * the camera's layers (they are cheap, and then right as soon as they show).
 * Allocates nothing per frame.
 *
 * @example
 * ```ts
 * const lods = new LODJob(scheduler, camera, { root: scene })  // every LOD in the scene
 * lods.add(spawnedTree)     // LODs created later
 * lods.remove(felledTree)   // restores its autoUpdate
 * lods.dispose()            // restores every autoUpdate
 * ```
 */
export class LODJob {
  /** The scheduler system running the job (tune `weight`, toggle `enabled`; while disabled, levels freeze). */
  readonly system: SystemHandle

  private readonly scheduler: BatchScheduler
  private cam: Camera
  private readonly chunkSize: number
  private readonly maxLag: number
  /** Managed LODs in round-robin order; `null` marks a removed one until the lap ends. */
  private lods: (LOD | null)[] = []
  /** Each LOD's `autoUpdate` before the job took it, restored on remove. */
  private savedAuto: boolean[] = []
  /** Frame of each LOD's last update. */
  private lastFrame: number[] = []
  private readonly index = new Map<LOD, number>()
  /** Per LOD (`BAND` a slot): see {@link BAND}. */
  private bands = new Float64Array(0)
  /** Per LOD: its `id` (for the matrix job's stamps), and whether its band is known (1) or not (0). */
  private ids = new Int32Array(0)
  private banded = new Uint8Array(0)
  /** The linked matrix job; undefined: the root Scene's, looked up at each run. */
  private readonly matrices: WorldMatrixChanges | null | undefined
  private readonly rootScene: Scene | null
  private skippedLast = 0
  private readonly skip: boolean
  /** The matrix job's change tick at the start of the current run. */
  private tick = 0
  private cursor = 0
  private holes = 0
  private lapCount = 0
  /** Frame the current lap started at, and LODs updated in it (for pacing). */
  private lapStartFrame = 0
  private lapDone = 0
  private updatedLast = 0
  private updatedTotal = 0
  private disposed = false
  /** True while the system runs (the round-robin arrays are being walked). */
  private running = false
  /** Camera x, y, z and zoom at the start of the current lap. */
  private readonly lapPose = new Float64Array(4)
  /** Camera x, y, z and zoom of this run. */
  private readonly pose = new Float64Array(4)
  /** The camera has not moved since the current lap began. */
  private lapClean = false
  /** A clean lap finished and the camera has not moved since: runs do nothing. */
  private resting = false
  /** The matrix job whose writes wake a resting job (a managed LOD moved), or null. */
  private writeSource: WorldMatrixChanges | null = null
  /** A managed LOD's world matrix was written while the job rested. */
  private lodWritten = false
  private readonly statsObject = new LODJobStats()
  private readonly levelListeners: ((lod: LOD) => void)[] = []

  /**
   * Installs the job: registers a sliced {@link BatchType.LOD} system and,
   * with `root`, takes every LOD under it.
   *
   * @throws TypeError when `scheduler` is not a BatchScheduler, `camera` not a THREE.Camera, or on a bad option.
   */
  constructor(
    scheduler: BatchScheduler,
    camera: Camera,
    { name = 'lod', weight = 0.2, chunkSize = 16, maxLagFrames = 30, root, matrices, skipUnchanged = true }: LODJobOptions = {},
  ) {
    const api = 'LODJob'
    if (!(scheduler instanceof BatchScheduler)) {
      throw new TypeError(`${api}: scheduler must be a BatchScheduler, got ${describe(scheduler)}`)
    }
    checkCamera(api, camera)
    const label = checkName(api, name) ?? 'lod'
    const w = checkWeight(api, weight)
    this.chunkSize = checkInteger(api, 'chunkSize', chunkSize, 1)
    this.maxLag = maxLagFrames === Infinity ? Infinity : checkInteger(api, 'maxLagFrames', maxLagFrames, 1)
    if (root !== undefined) checkObject(api, 'root', root)
    checkChangesOption(api, matrices)
    this.matrices = matrices
    this.skip = checkBoolean(api, 'skipUnchanged', skipUnchanged, true)
    this.rootScene = root !== undefined && (root as Scene).isScene === true ? (root as Scene) : null
    this.scheduler = scheduler
    this.lapStartFrame = scheduler.frame
    this.cam = camera
    this.system = scheduler.addSystem(BatchType.LOD, this.run, { sliced: true, name: label, weight: w })
    if (root !== undefined) this.addAll(root)
  }

  /** The camera levels are chosen for; may be switched at any time. */
  get camera(): Camera {
    return this.cam
  }

  /** Switches the camera levels are chosen for; starts a new lap. */
  set camera(value: Camera) {
    checkCamera('LODJob.camera', value)
    this.cam = value
    this.invalidate()
  }

  /**
   * True while the job rests: it finished a lap during which the camera did
   * not move, so every LOD shows the level `lod.update(camera)` picks, and
   * the camera has not moved since. A resting run costs a few loads and
   * leaves the budget to other types.
   */
  get isResting(): boolean {
    return this.resting
  }

  /**
   * Starts a new lap even if the camera is still, in which every LOD's
   * update runs in full: call it after changing LODs' levels, or after
   * moving LODs when the scene has no MatrixSyncJob (with one, a LOD whose
   * world matrix it writes, marked or found moving, wakes the job by itself;
   * without, the job watches only the camera's position and zoom to rest).
   */
  invalidate(): void {
    this.resting = false
    this.lapClean = false
    this.banded.fill(0)
  }

  /** Number of managed LODs. */
  get size(): number {
    return this.index.size
  }

  /** LODs updated in the job's last run. */
  get lastUpdated(): number {
    return this.updatedLast
  }

  /**
   * Of {@link LODJob.lastUpdated}, the LODs whose `lod.update` was skipped
   * because it would have changed nothing: the camera distance was still in
   * the band where the LOD keeps its level, and the LOD had not moved.
   */
  get lastSkipped(): number {
    return this.skippedLast
  }

  /** LODs updated by the job's runs since it was installed (updates on `add` not counted). */
  get totalUpdated(): number {
    return this.updatedTotal
  }

  /** Round-robin laps completed: after a lap with a still camera, every LOD shows the level `update` picks. */
  get laps(): number {
    return this.lapCount
  }

  /** Live numbers of the job, updated in place (reading them allocates nothing). */
  get stats(): LODJobStats {
    const stats = this.statsObject
    stats.managed = this.index.size
    stats.updated = this.updatedLast
    stats.skipped = this.skippedLast
    stats.updatedTotal = this.updatedTotal
    stats.laps = this.lapCount
    stats.resting = this.resting ? 1 : 0
    return stats
  }

  /** True once {@link LODJob.dispose} was called. */
  get isDisposed(): boolean {
    return this.disposed
  }

  /** Whether the job manages `lod`. */
  has(lod: LOD): boolean {
    return this.index.has(lod)
  }

  /**
   * Manages `lod`: sets its `autoUpdate` to false (remembering the old value),
   * updates it once now, and then round-robin. The job keeps it (and updates
   * it, in the scene or not) until {@link LODJob.remove}: remove LODs you discard.
   *
   * @returns false if the job already managed it.
   * @throws TypeError when `lod` is not a THREE.LOD; Error when another LODJob manages it or this job was disposed.
   */
  add(lod: LOD): boolean {
    const api = 'LODJob.add'
    checkLOD(api, lod)
    if (this.disposed) throw new Error(`${api}: the job was disposed`)
    const owner = _owners.get(lod)
    if (owner === this) return false
    if (owner !== undefined) throw new Error(`${api}: this LOD is managed by another LODJob; remove it there first`)
    const i = this.lods.length
    this.lods.push(lod)
    this.savedAuto.push(lod.autoUpdate)
    this.lastFrame.push(this.scheduler.frame)
    this.reserve(i + 1)
    this.banded[i] = 0
    this.index.set(lod, i)
    _owners.set(lod, this)
    lod.autoUpdate = false
    this.update(lod, this.cam)
    // It joins the round-robin; a resting job stays at rest (the LOD was just updated).
    return true
  }

  /**
   * Stops managing `lod` and restores its `autoUpdate`.
   *
   * @returns false if the job did not manage it.
   */
  remove(lod: LOD): boolean {
    const i = this.index.get(lod)
    if (i === undefined) return false
    this.lods[i] = null
    this.holes++
    this.index.delete(lod)
    _owners.delete(lod)
    lod.autoUpdate = this.savedAuto[i] as boolean
    if (this.index.size === 0) {
      this.lods.length = 0
      this.savedAuto.length = 0
      this.lastFrame.length = 0
      this.cursor = 0
      this.holes = 0
    } else if (!this.running && this.holes > SQUEEZE_MIN && this.holes > this.index.size) {
      // Laps squeeze holes out, but a resting job runs no laps: without this,
      // add/remove churn under a still camera would grow the arrays for ever.
      this.squeeze()
    }
    return true
  }

  /**
   * Manages every LOD under `root` (itself included) that the job does not
   * manage yet.
   *
   * @returns the number of LODs added.
   */
  addAll(root: Object3D): number {
    checkObject('LODJob.addAll', 'root', root)
    const before = this.index.size
    root.traverse(this.addVisitor)
    return this.index.size - before
  }

  /**
   * Calls `listener(lod)` right after the job's `lod.update(camera)` changed
   * the LOD's current level (`lod.getCurrentLevel()`), inside the job's run:
   * the levels' `visible` are already the new ones. This is how
   * `StaticBatchingJob` switches batched levels in the same frame. Adding a
   * listener twice adds it once.
   */
  addLevelListener(listener: (lod: LOD) => void): void {
    if (typeof listener !== 'function') throw new TypeError(`LODJob.addLevelListener: listener must be a function, got ${describe(listener)}`)
    if (!this.levelListeners.includes(listener)) this.levelListeners.push(listener)
  }

  /** Removes a listener added with {@link LODJob.addLevelListener}; unknown ones are ignored. */
  removeLevelListener(listener: (lod: LOD) => void): void {
    const i = this.levelListeners.indexOf(listener)
    if (i >= 0) this.levelListeners.splice(i, 1)
  }

  /** Removes the system, restores every managed LOD's `autoUpdate`, forgets them. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    this.system.remove()
    this.listen()
    const lods = this.lods
    for (let i = 0; i < lods.length; i++) {
      const lod = lods[i]
      if (lod === null || lod === undefined) continue
      lod.autoUpdate = this.savedAuto[i] as boolean
      _owners.delete(lod)
    }
    this.lods = []
    this.savedAuto = []
    this.lastFrame = []
    this.index.clear()
    this.levelListeners.length = 0
  }

  // ---- internals ---------------------------------------------------------

  /** `lod.update(camera)`, telling the level listeners when the current level changed. */
  private update(lod: LOD, camera: Camera): void {
    const listeners = this.levelListeners
    if (listeners.length === 0) {
      lod.update(camera)
      return
    }
    const before = lod.getCurrentLevel()
    lod.update(camera)
    if (lod.getCurrentLevel() === before) return
    for (let k = 0; k < listeners.length; k++) (listeners[k] as (lod: LOD) => void)(lod)
  }

  private readonly addVisitor = (object: Object3D): void => {
    if ((object as LOD).isLOD === true && !this.index.has(object as LOD)) this.add(object as LOD)
  }

  /** The system: one slice of the round-robin, at most one lap per run; nothing while resting. */
  private readonly run = (deadline: Deadline): boolean => {
    this.running = true
    try {
      return this.step(deadline)
    } finally {
      this.running = false
    }
  }

  private step(deadline: Deadline): boolean {
    const frame = this.scheduler.frame
    const camera = this.cam
    readPose(camera, this.pose)
    this.listen()
    if (this.resting) {
      if (samePose(this.pose, this.lapPose) && !this.lodWritten) {
        this.updatedLast = 0
        return false
      }
      this.resting = false
      this.lapClean = false
      this.lodWritten = false
      // Every level was right for the camera of the previous frame: the staleness
      // clock restarts there (not here: that would let the lap end one frame late).
      this.lastFrame.fill(frame - 1)
      this.lapStartFrame = frame - 1
      this.lapDone = 0
    }
    if (!samePose(this.pose, this.lapPose)) this.lapClean = false
    const chunk = this.chunkSize
    // One lap at most: as many updates as live LODs, so none is updated twice in a frame.
    let remaining = this.index.size
    const quota = this.quota(frame, remaining)
    const stamps = this.stampsNow()
    const pose = this.pose
    const cx = pose[0] as number, cy = pose[1] as number, cz = pose[2] as number, zoom = pose[3] as number
    const verify = this.lapCount % VERIFY_LAPS
    let skipped = 0
    let updated = 0
    let sinceCheck = 0
    let more = false
    let failed = false
    let failure: unknown
    while (remaining > 0) {
      if (this.cursor >= this.lods.length) {
        this.endLap()
        if (this.resting) break
      }
      const i = this.cursor++
      const lod = this.lods[i]
      if (lod === null || lod === undefined) continue
      if (this.skip && (i & (VERIFY_LAPS - 1)) !== verify && this.unchanged(i, lod, stamps, cx, cy, cz, zoom)) {
        skipped++
      } else {
        // A LOD whose update throws costs its own update, not the rest of the
        // slice: the first error is rethrown at the end (counted and reported).
        try {
          this.update(lod, camera)
          this.storeBand(i, lod, stamps)
        } catch (error) {
          this.banded[i] = 0
          if (!failed) {
            failed = true
            failure = error
          }
        }
      }
      this.lastFrame[i] = frame
      this.lapDone++
      updated++
      remaining--
      if (++sinceCheck >= chunk) {
        sinceCheck = 0
        if (updated >= quota && deadline.shouldYield() && !this.overdue(frame)) {
          more = remaining > 0
          break
        }
      }
    }
    if (this.cursor >= this.lods.length && this.lods.length > 0) this.endLap()
    this.updatedLast = updated
    this.skippedLast = skipped
    this.updatedTotal += updated
    if (failed) throw failure
    return more
  }

  /** Follows the live matrix job's writes: a managed LOD moved (marked or found) wakes a resting job. */
  private listen(): void {
    const source = this.disposed ? null : liveChanges(this.matrices, this.rootScene)
    if (source === this.writeSource) return
    this.writeSource?.removeWriteListener(this.onWrite)
    source?.addWriteListener(this.onWrite)
    this.writeSource = source
  }

  private readonly onWrite = (object: Object3D): void => {
    if (this.resting && (object as LOD).isLOD === true && this.index.has(object as LOD)) this.lodWritten = true
  }

  /** The linked matrix job's change stamps, or null (no live matrix job: read LOD positions). */
  private stampsNow(): Float64Array | null {
    const m = liveChanges(this.matrices, this.rootScene)
    if (m === null) return null
    this.tick = m.changeTick
    return m.changeStamps
  }

  /**
   * Whether `lod.update(camera)` would leave LOD `i` as it is: the camera
   * distance, computed as `update` computes it, is in the band where it
   * keeps its level. The LOD's position is the stored one when the matrix
   * job's stamps show it has not moved since, else read from its world matrix.
   */
  private unchanged(i: number, lod: LOD, stamps: Float64Array | null, cx: number, cy: number, cz: number, zoom: number): boolean {
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
    const dx = cx - px, dy = cy - py, dz = cz - pz
    const distance = Math.sqrt(dx * dx + dy * dy + dz * dz) / zoom
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
  private storeBand(i: number, lod: LOD, stamps: Float64Array | null): void {
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

  private reserve(size: number): void {
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

  /**
   * Pacing: the updates this run owes so that the lap keeps up with a lap of
   * `maxLagFrames − 1 − maxDeferFrames(LOD)` frames (at least 1), however
   * often the job gets to run. The work a lap needs is spread over its
   * frames, and the staleness bound ({@link LODJob.overdue}) stays a
   * backstop rather than a rush through the whole lap at once.
   */
  private quota(frame: number, size: number): number {
    if (this.maxLag === Infinity || size === 0) return 0
    const lapFrames = Math.max(this.maxLag - 1 - this.scheduler.getMaxDeferFrames(BatchType.LOD), 1)
    const due = Math.ceil((size * Math.min(frame - this.lapStartFrame + 1, lapFrames)) / lapFrames) - this.lapDone
    return due > 0 ? due : 0
  }

  /** Whether the next LOD in line was updated too long ago for the job to yield. */
  private overdue(frame: number): boolean {
    const n = this.lastFrame.length
    if (n === 0) return false
    const next = this.cursor < n ? this.cursor : 0
    return frame - (this.lastFrame[next] as number) >= this.maxLag
  }

  /**
   * Wraps the cursor; squeezes out removed LODs, keeping the order. A lap
   * during which the camera stayed put leaves every level right: rest.
   */
  private endLap(): void {
    this.cursor = 0
    this.lapCount++
    this.lapStartFrame = this.scheduler.frame
    this.lapDone = 0
    if (this.lapClean) this.resting = true
    this.lapClean = true
    this.lapPose.set(this.pose)
    if (this.holes > 0) this.squeeze()
  }

  /** Squeezes out removed LODs, keeping the order; the cursor keeps its place in the lap. */
  private squeeze(): void {
    const lods = this.lods
    const saved = this.savedAuto
    const last = this.lastFrame
    const cursor = this.cursor
    let next = -1
    let k = 0
    for (let i = 0; i < lods.length; i++) {
      if (i === cursor) next = k
      const lod = lods[i]
      if (lod === null || lod === undefined) continue
      if (k !== i) {
        lods[k] = lod
        saved[k] = saved[i] as boolean
        last[k] = last[i] as number
        this.bands.copyWithin(k * BAND, i * BAND, i * BAND + BAND)
        this.ids[k] = this.ids[i] as number
        this.banded[k] = this.banded[i] as number
        this.index.set(lod, k)
      }
      k++
    }
    lods.length = k
    saved.length = k
    last.length = k
    this.cursor = next < 0 ? k : next
    this.holes = 0
  }
}

/** What `LOD.update` reads of the camera: its world position and zoom. */
function readPose(camera: Camera, out: Float64Array): void {
  const e = camera.matrixWorld.elements
  out[0] = e[12] as number
  out[1] = e[13] as number
  out[2] = e[14] as number
  out[3] = (camera as { zoom?: number }).zoom ?? 1
}

function samePose(a: Float64Array, b: Float64Array): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3]
}
