import type { Object3D } from 'three'
import { changedSince, type WorldMatrixChanges } from '../matrices/WorldMatrixChanges.js'

/** A subtree is quiet when nothing in it was stamped in this many frames: movers keep theirs walked. */
const QUIET_FRAMES = 60
/** Frames between two passes that find the roots. */
const PASS_EVERY = 120

/**
 * Keeps three's render walk out of subtrees the batches draw whole. A subtree
 * qualifies when every object in it is a mesh drawn by a batch, a plain
 * `Group` / `Object3D`, or a `LOD` whose levels a job picks (`autoUpdate`
 * false), and when nothing in it was written or added or removed for
 * {@link QUIET_FRAMES} frames. Its root is hidden (`visible = false`) for
 * the duration of each render of the scene, so `projectObject` and the
 * shadow pass skip it instead of visiting every handle only to find it
 * excluded; after the render `visible` is true again.
 *
 * Found by a sliced pass over the scene every {@link PASS_EVERY} frames, and
 * checked before every render against the matrix job's change stamps
 * (`MatrixSyncJob` with `watchHierarchy`): a root with an object written,
 * added or removed below it since the pass is not hidden (and is dropped);
 * a batched mesh leaving its batch drops the roots above it at once
 * ({@link RenderPrune.invalidate}). Without such a matrix job nothing is
 * pruned.
 * @internal
 */
export class RenderPrune {
  /** The roots hidden during renders. */
  readonly roots: Object3D[] = []
  /** Per root: 1 while it may be hidden. */
  private alive = new Uint8Array(0)
  private readonly index = new Map<Object3D, number>()
  /** The change tick the roots were found at. */
  private rootTick = 0
  private source: WorldMatrixChanges | null = null
  private readonly hidden: Object3D[] = []
  private depth = 0
  /** Raised by every invalidation: a pass that saw one drops its result. */
  private epoch = 0
  private passEpoch = 0
  private passing = false
  private passTick = 0
  private quietTick = 0
  private lastPass = -Infinity
  /** The pass: a depth-first stack with each node's next child, whether its children so far qualify, and `found`'s length when it was pushed. */
  private readonly stack: Object3D[] = []
  private readonly next: number[] = []
  private readonly ok: number[] = []
  private readonly mark: number[] = []
  private sp = 0
  private readonly found: Object3D[] = []
  /** The change tick seen in each of the last frames (a ring). */
  private readonly ticks = new Float64Array(QUIET_FRAMES)

  constructor(
    private readonly scene: Object3D,
    /** Whether `o` itself may be skipped (a batched mesh, a plain group, a LOD a job picks). */
    private readonly qualifies: (o: Object3D) => boolean,
  ) {}

  /** Roots hidden in the render now, or about to be. */
  get count(): number {
    return this.roots.length
  }

  /** Follows `source` (the scene's live matrix job, or null); a new one drops everything. */
  setSource(source: WorldMatrixChanges | null): void {
    const usable = source !== null && source.watchesHierarchy === true ? source : null
    if (usable === this.source) return
    this.clear()
    this.source = usable
    this.ticks.fill(0)
  }

  /** Once per run of the job: notes the change tick (for quietness). */
  frame(frame: number): void {
    if (this.depth !== 0) this.restore() // a render that threw never reached onAfterRender
    if (this.source !== null) this.ticks[frame % QUIET_FRAMES] = this.source.changeTick
  }

  /** Something below `o` (or `o`) can no longer be skipped: the roots above it are dropped at once, and a pass under way starts over. */
  invalidate(o: Object3D): void {
    this.epoch++
    if (this.roots.length === 0) return
    for (let p: Object3D | null = o; p !== null; p = p.parent) {
      const i = this.index.get(p)
      if (i !== undefined) this.alive[i] = 0
    }
  }

  /**
   * Runs the pass that finds the roots, starting one when due (or `now`), for
   * at most `quota` objects. @returns true when it stopped unfinished.
   */
  step(frame: number, quota: number, now = false): boolean {
    const source = this.source
    if (source === null) return false
    if (!this.passing) {
      if (!now && frame - this.lastPass < PASS_EVERY) return false
      this.passing = true
      this.passEpoch = this.epoch
      this.passTick = source.changeTick
      // The tick of QUIET_FRAMES - 1 frames ago (0 until the ring filled: only never-stamped subtrees are quiet).
      this.quietTick = this.ticks[(frame + 1) % QUIET_FRAMES] as number
      this.found.length = 0
      this.sp = 0
      this.push(this.scene)
    }
    let n = 0
    while (this.sp > 0) {
      if (++n > quota) return true
      const top = this.sp - 1
      const o = this.stack[top] as Object3D
      const i = this.next[top] as number
      const children = o.children
      if (i < children.length) {
        this.next[top] = i + 1
        this.push(children[i] as Object3D)
        continue
      }
      this.sp = top
      const skippable = top > 0 && this.ok[top] === 1 && this.qualifies(o)
      // Not a LOD's level: a LOD the renderer updates writes its levels' `visible` inside the render.
      // A leaf is not worth a root: hiding it costs what walking it does.
      if (skippable && children.length > 0 && (this.stack[top - 1] as Object3D & { isLOD?: boolean }).isLOD !== true && this.quiet(o, source)) {
        // Covers what was found below it.
        this.found.length = this.mark[top] as number
        this.found.push(o)
      }
      if (!skippable && top > 0) this.ok[top - 1] = 0
    }
    this.passing = false
    this.lastPass = frame
    this.stack.fill(this.scene) // (no references kept to what the app may drop)
    if (this.epoch === this.passEpoch && this.source === source) this.install()
    else this.lastPass = frame - PASS_EVERY + 1 // seen a change: again soon
    return false
  }

  /** Before a render of the scene: hides every root still valid. */
  hide(): void {
    if (++this.depth !== 1) return // a render inside a render: the outer one holds them
    const source = this.source
    const roots = this.roots
    if (source === null || roots.length === 0 || source.isDisposed) return
    const stamps = source.changeStamps
    const below = source.subtreeStamps
    const t = this.rootTick
    const alive = this.alive
    for (let i = 0; i < roots.length; i++) {
      if (alive[i] === 0) continue
      const o = roots[i] as Object3D
      if (changedSince(o.id, stamps, below, t)) {
        alive[i] = 0 // written, added to or removed from since the pass
        continue
      }
      if (o.visible !== true) continue
      o.visible = false
      this.hidden.push(o)
    }
  }

  /** After a render of the scene: shows what {@link RenderPrune.hide} hid. */
  show(): void {
    if (this.depth === 0 || --this.depth !== 0) return
    this.restore()
  }

  /** Shows every root hidden now (the render ended, or threw). */
  restore(): void {
    this.depth = 0
    const hidden = this.hidden
    for (let i = 0; i < hidden.length; i++) {
      const o = hidden[i] as Object3D
      if (o.visible === false) o.visible = true
    }
    hidden.length = 0
  }

  /** Shows what is hidden and forgets every root and the pass under way. */
  clear(): void {
    this.restore()
    this.roots.length = 0
    this.index.clear()
    this.passing = false
    this.sp = 0
    this.stack.length = 0
    this.found.length = 0
    this.lastPass = -Infinity
  }

  private quiet(o: Object3D, source: WorldMatrixChanges): boolean {
    return !changedSince(o.id, source.changeStamps, source.subtreeStamps, this.quietTick)
  }

  private push(o: Object3D): void {
    const sp = this.sp++
    this.stack[sp] = o
    this.next[sp] = 0
    this.ok[sp] = 1
    this.mark[sp] = this.found.length
  }

  /** The pass's roots become the ones hidden. */
  private install(): void {
    const found = this.found
    this.roots.length = 0
    this.index.clear()
    for (let i = 0; i < found.length; i++) {
      this.roots.push(found[i] as Object3D)
      this.index.set(found[i] as Object3D, i)
    }
    if (this.alive.length < found.length) this.alive = new Uint8Array(Math.max(found.length, this.alive.length * 2))
    this.alive.fill(1, 0, found.length)
    this.rootTick = this.passTick
    found.length = 0
  }
}
