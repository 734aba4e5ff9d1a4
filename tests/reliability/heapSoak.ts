/**
 * Run by heap.test.ts in a child Node with `--expose-gc` (vitest's workers
 * have no `gc()`): soaks a scheduler with job and system churn for 100,000
 * frames and prints JSON with the heap used (after a full GC) at checkpoints,
 * and whether a disposed scheduler still holds its last job's closure.
 *
 * Usage: node --expose-gc --import tsx tests/reliability/heapSoak.ts
 */
import { BATCH_TYPE_COUNT, BatchScheduler, type BatchType, ManualClock, type SystemHandle } from '../../src/index.js'
import { mulberry32 } from '../utils/mulberry32.js'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('heapSoak: run with node --expose-gc')

async function settle(): Promise<void> {
  // WeakRef targets stay alive until the current job ends: yield, then collect.
  await new Promise((resolve) => setTimeout(resolve, 0))
  gc!()
  await new Promise((resolve) => setTimeout(resolve, 0))
  gc!()
}

const prng = mulberry32

async function soak(): Promise<Record<string, number>> {
  const random = prng(42)
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock, onError: () => {} })
  const systems: SystemHandle[] = []
  const heap: Record<string, number> = {}
  const job = (): void => clock.advance(0.05)
  const pending: number[] = []
  for (let frame = 1; frame <= 100_000; frame++) {
    for (let i = 0; i < 3; i++) {
      const type = Math.floor(random() * BATCH_TYPE_COUNT) as BatchType
      // Fresh closures, like real producers, some with a name of their own.
      const cost = random() * 0.2
      const id = scheduler.enqueue(type, () => clock.advance(cost), random() < 0.05 ? { name: `req ${frame}.${i}` } : { name: 'kind' })
      if (random() < 0.3) pending.push(id)
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

console.warn = () => {}
const result = { ...(await soak()), disposedDropsLastJob: await retention() }
process.stdout.write(`${JSON.stringify(result)}\n`)
