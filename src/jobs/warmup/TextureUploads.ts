import type { Texture } from 'three'
import type { Clock } from '../../core/Clock.js'
import type { Deadline } from '../../core/types.js'
import type { GpuWarmupRenderer } from './GpuWarmupJobOptions.js'
import type { GpuWarmupStats } from './GpuWarmupStats.js'
import type { IdleDeadlineLike } from './idle.js'
import { type Hold, hasData, type PendingTexture } from './pending.js'
import { textureBytes } from './textures.js'

/** Initial guess before an upload was measured: 0.25 ms per MiB. */
const INITIAL_MS_PER_BYTE = 0.25 / (1 << 20)
const SMOOTHING = 0.25

/** What the uploads need from the warm-up job. @internal */
export interface UploadHost {
  readonly renderer: GpuWarmupRenderer
  readonly clock: Clock
  readonly stats: GpuWarmupStats
  /** True while uploads must wait (a compile in flight in a GPU process that links in order). */
  uploadsBlocked(): boolean
  /** One resource of each waiter is ready. */
  resolve(waiters: readonly Hold[]): void
  warnOnce(message: string, error: unknown): void
}

/**
 * The warm-up job's texture uploads: which textures are ready, which wait
 * (FIFO; one without its data yet goes to the back), and the learned cost
 * per byte that decides how many fit a slice or an idle period. @internal
 */
export class TextureUploads {
  private ready = new WeakSet<Texture>()
  private pending = new Map<Texture, PendingTexture>()
  private queue: PendingTexture[] = []
  private head = 0
  private measuredCost = false
  /** The highest ms per byte measured: what a frame's slice is judged by. */
  private maxMsPerByte = 0
  /** Textures queued without their data yet (skipped by the last pass). */
  private waitingForData = 0
  /** Bytes uploaded since the last {@link TextureUploads.takeBytes}. */
  private bytes = 0

  constructor(private readonly host: UploadHost) {
    host.stats.msPerByte = INITIAL_MS_PER_BYTE
  }

  /** Whether an upload's cost was measured (the guess is not trusted in a frame). */
  get measured(): boolean {
    return this.measuredCost
  }

  /** Textures queued, with their data or not. */
  get queued(): number {
    return this.queue.length - this.head
  }

  /** Counts `texture` as uploaded (in the scene at install). */
  markReady(texture: Texture): void {
    this.ready.add(texture)
  }

  /** Queues `texture` for `hold` unless ready; @returns whether the hold now waits for it. */
  need(hold: Hold, texture: Texture): boolean {
    if (this.ready.has(texture)) return false
    let entry = this.pending.get(texture)
    if (entry === undefined) {
      entry = { texture, waiters: [] }
      this.pending.set(texture, entry)
      this.queue.push(entry)
    }
    entry.waiters.push(hold)
    return true
  }

  /** True while a queued texture has its data and the renderer can upload it (compiles wait for those uploads to go first). */
  hasDataQueued(): boolean {
    if (!this.initialized()) return false
    const queue = this.queue
    for (let i = this.head; i < queue.length; i++) if (hasData((queue[i] as PendingTexture).texture)) return true
    return false
  }

  /** True while a texture whose data is there waits for its upload (and the renderer can upload). */
  waiting(): boolean {
    return this.initialized() && this.queue.length - this.head > this.waitingForData
  }

  /** Bytes uploaded since the last call (estimated). */
  takeBytes(): number {
    const bytes = this.bytes
    this.bytes = 0
    return bytes
  }

  /**
   * Uploads queued textures (`initTexture`) while the predicted cost of the
   * next fits `deadline` (the first always, when `first`; predicted from
   * the highest cost per byte measured when `byLongest`, as in a frame's
   * slice); none while {@link UploadHost.uploadsBlocked}.
   * @returns whether any was uploaded.
   */
  uploadWhileFits(deadline: Deadline | IdleDeadlineLike, first: boolean, byLongest = false): boolean {
    const host = this.host
    const s = host.stats
    const clock = host.clock
    const uploading = this.initialized() && !host.uploadsBlocked()
    const queue = this.queue
    let waitingForData = 0
    let uploaded = false
    while (uploading && queue.length - this.head > waitingForData) {
      const entry = queue[this.head] as PendingTexture
      const texture = entry.texture
      if (!hasData(texture)) {
        // No image yet (still loading): to the back; its hold waits (up to maxHoldFrames).
        this.head++
        queue.push(entry)
        waitingForData++
        continue
      }
      const bytes = textureBytes(texture)
      if (!first && bytes * (byLongest ? this.maxMsPerByte : s.msPerByte) > deadline.timeRemaining()) break
      first = false
      uploaded = true
      this.head++
      const t0 = clock.now()
      try {
        host.renderer.initTexture(texture)
      } catch (error) {
        host.warnOnce('initTexture threw; the texture uploads on its first draw', error)
      }
      const ms = clock.now() - t0
      if (ms > s.maxUploadMs) s.maxUploadMs = ms
      if (bytes > 0) {
        s.msPerByte = this.measuredCost ? s.msPerByte + SMOOTHING * (ms / bytes - s.msPerByte) : ms / bytes
        this.measuredCost = true
        if (ms / bytes > this.maxMsPerByte) this.maxMsPerByte = ms / bytes
      }
      this.bytes += bytes
      s.bytesUploaded += bytes
      s.texturesUploaded++
      this.pending.delete(texture)
      this.ready.add(texture)
      host.resolve(entry.waiters)
    }
    if (uploading) this.waitingForData = waitingForData
    if (this.head > 64 && this.head * 2 > queue.length) {
      queue.splice(0, this.head)
      this.head = 0
    }
    s.pendingUploads = queue.length - this.head
    return uploaded
  }

  /** Forgets what waits (dispose). */
  clear(): void {
    this.pending.clear()
    this.queue = []
    this.head = 0
    this.waitingForData = 0
  }

  private initialized(): boolean {
    const renderer = this.host.renderer
    return renderer.hasInitialized === undefined || renderer.hasInitialized()
  }
}
