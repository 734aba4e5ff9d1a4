import type { Camera, LOD, Object3D, Scene } from 'three'
import { BatchScheduler } from '../core/BatchScheduler.js'
import { BatchType } from '../core/BatchType.js'
import type { Deadline, SystemHandle } from '../core/types.js'
import { checkBoolean, checkInteger, checkName, checkWeight, describe } from '../core/validate.js'
import { checkCamera, checkLOD, checkObject } from './utils/checkThree.js'
import { LODJobStats } from './lod/LODJobStats.js'
import { LODBands } from './lod/LODBands.js'
import { readPose } from './lod/cameraPose.js'
import type { LODJobOptions } from './lod/LODJobOptions.js'
import { checkChangesOption, liveChanges, type WorldMatrixChanges } from './matrices/WorldMatrixChanges.js'

export type { LODJobOptions } from './lod/LODJobOptions.js'

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
  /** Per LOD: what a skipped update is checked against (see *Skipping*). */
  private readonly bands = new LODBands()
  /** The linked matrix job; undefined: the root Scene's, looked up at each run. */
  private readonly matrices: WorldMatrixChanges | null | undefined
  private readonly rootScene: Scene | null
  private skippedLast = 0
  private readonly skip: boolean
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
    this.bands.invalidate()
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
    this.bands.reserve(i + 1)
    this.bands.forget(i)
    this.index.set(lod, i)
    _owners.set(lod, this)
    lod.autoUpdate = false
    this.updateLevel(lod, this.cam)
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
    const pose = this.pose
    const lapPose = this.lapPose
    readPose(camera, pose)
    // Compared here, not in a function of its own: that one ran unoptimized
    // and boxed the Float64Array elements it read (32 B/frame).
    const still = pose[0] === lapPose[0] && pose[1] === lapPose[1] && pose[2] === lapPose[2] && pose[3] === lapPose[3]
    this.listen()
    if (this.resting) {
      if (still && !this.lodWritten) {
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
    if (!still) this.lapClean = false
    const chunk = this.chunkSize
    // One lap at most: as many updates as live LODs, so none is updated twice in a frame.
    let remaining = this.index.size
    const quota = this.quota(frame, remaining)
    const stamps = this.stampsNow()
    const bands = this.bands
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
      if (this.skip && (i & (VERIFY_LAPS - 1)) !== verify && bands.unchanged(i, lod, stamps, pose)) {
        skipped++
      } else {
        // A LOD whose update throws costs its own update, not the rest of the
        // slice: the first error is rethrown at the end (counted and reported).
        try {
          this.updateLevel(lod, camera)
          bands.store(i, lod, stamps)
        } catch (error) {
          bands.forget(i)
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

  /** Picks `lod`'s level for `camera` (the one place the job calls `lod.update`), telling the level listeners when it changed. */
  private updateLevel(lod: LOD, camera: Camera): void {
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
    this.bands.tick = m.changeTick
    return m.changeStamps
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
        this.bands.move(k, i)
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
