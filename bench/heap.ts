/**
 * `npm run bench -- heap`: heap stability with a real garbage collector (needs
 * `--expose-gc`, which `npm run bench` passes). Soaks a scheduler with job and
 * system churn for 100,000 frames and reads `process.memoryUsage().heapUsed`
 * after full collections at frames 10k, 50k and 100k; then checks that a
 * disposed scheduler lets go of its last job's closure (a regression: it kept
 * it as a name memo). It was a test that spawned a child Node (vitest's workers
 * have no `gc()`); `bench/check.ts` holds its thresholds.
 */
import { BATCH_TYPE_COUNT, BatchScheduler, type BatchType, ManualClock, type SystemHandle } from '../src/index.js'
import { hasGc, Random, table } from './lib.js'

export interface HeapResult {
  /** Frames soaked. */
  frames: number
  heapUsedAt10000: number
  heapUsedAt50000: number
  heapUsedAt100000: number
  /** heapUsed at 100k minus at 10k, bytes (target: flat, < 1 MB). */
  growthBytes: number
  /** Whether a disposed scheduler (still referenced) let its last job's 8 MB closure be collected. */
  disposedDropsLastJob: boolean
}

async function settle(): Promise<void> {
  // WeakRef targets stay alive until the current job ends: yield, then collect.
  const gc = (globalThis as unknown as { gc: () => void }).gc
  await new Promise((resolve) => setTimeout(resolve, 0))
  gc()
  await new Promise((resolve) => setTimeout(resolve, 0))
  gc()
}

async function soak(): Promise<Record<string, number>> {
  const random = new Random(42)
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock, onError: () => {} })
  const systems: SystemHandle[] = []
  const heap: Record<string, number> = {}
  const job = (): void => clock.advance(0.05)
  const pending: number[] = []
  for (let frame = 1; frame <= 100_000; frame++) {
    for (let i = 0; i < 3; i++) {
      const type = Math.floor(random.next() * BATCH_TYPE_COUNT) as BatchType
      // Fresh closures, like real producers, some with a name of their own.
      const cost = random.next() * 0.2
      const id = scheduler.enqueue(type, () => clock.advance(cost), random.next() < 0.05 ? { name: `req ${frame}.${i}` } : { name: 'kind' })
      if (random.next() < 0.3) pending.push(id)
    }
    scheduler.enqueue(4, job)
    while (pending.length > 0) scheduler.cancel(pending.pop() as number)
    if (frame % 200 === 0) {
      if (systems.length < 6) systems.push(scheduler.addSystem((frame % 5) as BatchType, () => clock.advance(0.1), { name: `s${frame}` }))
      else systems.splice(0, 1)[0]?.remove()
    }
    scheduler.runFrame()
    if (frame === 10_000 || frame === 50_000 || frame === 100_000) {
      await settle()
      heap[`heapUsedAt${frame}`] = process.memoryUsage().heapUsed
    }
  }
  return heap
}

/** Queues a job whose closure holds 8 MB; returns a weak reference to that memory. */
function enqueueBigJob(scheduler: BatchScheduler): WeakRef<Float64Array> {
  const big = new Float64Array(1 << 20)
  scheduler.enqueue(0, () => void (big[0] = 1))
  return new WeakRef(big)
}

/** Whether a disposed scheduler (still referenced by the app) lets its last job's closure go. */
async function retention(): Promise<boolean> {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock })
  const ref = enqueueBigJob(scheduler)
  scheduler.runFrame()
  scheduler.dispose()
  await settle()
  return ref.deref() === undefined && scheduler.isDisposed
}

/** Runs the soak and the retention check; throws without `--expose-gc`. */
export async function runHeap(): Promise<HeapResult> {
  if (!hasGc()) throw new Error('bench heap: run with node --expose-gc (npm run bench -- heap does)')
  const warn = console.warn
  console.warn = () => {}
  try {
    const heap = await soak()
    const at10k = heap['heapUsedAt10000'] ?? NaN
    const at50k = heap['heapUsedAt50000'] ?? NaN
    const at100k = heap['heapUsedAt100000'] ?? NaN
    return {
      frames: 100_000,
      heapUsedAt10000: at10k,
      heapUsedAt50000: at50k,
      heapUsedAt100000: at100k,
      growthBytes: Math.max(at50k, at100k) - at10k,
      disposedDropsLastJob: await retention(),
    }
  } finally {
    console.warn = warn
  }
}

/** The result as a markdown table. */
export function heapTable(r: HeapResult): string {
  const mb = (b: number): string => (b / (1 << 20)).toFixed(2)
  return table(
    ['heapUsed at 10k (MB)', 'at 50k (MB)', 'at 100k (MB)', 'growth after 10k (KB)', 'disposed scheduler drops its last job'],
    [[mb(r.heapUsedAt10000), mb(r.heapUsedAt50000), mb(r.heapUsedAt100000), (r.growthBytes / 1024).toFixed(0), r.disposedDropsLastJob ? 'yes' : '**no**']],
  )
}
