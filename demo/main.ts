// Minimal page until the demo scene exists: runs the scheduler on a synthetic
// workload and prints its stats a few times a second.
import { BATCH_TYPE_NAMES, BatchScheduler, BatchType } from '../src/index.js'

const scheduler = new BatchScheduler({ budgetMs: 2.5 })
const out = document.getElementById('stats') as HTMLElement

function busy(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // burn CPU to stand for real work
  }
}

scheduler.addSystem(BatchType.Transform, () => busy(0.3), { name: 'matrices', weight: 0.15 })
scheduler.addSystem(BatchType.Physics, () => busy(0.6), { name: 'physics', weight: 0.25 })
let backlog = 0
scheduler.addSystem(
  BatchType.AI,
  (deadline) => {
    while (backlog > 0) {
      busy(0.05)
      backlog--
      if (deadline.shouldYield()) return true
    }
    return false
  },
  { name: 'agents', sliced: true },
)

let lastText = 0
function frame(now: number): void {
  if (Math.random() < 0.1) backlog += 40
  for (let i = 0; i < 20; i++) scheduler.enqueue(BatchType.LOD, () => busy(0.02), { name: 'lod-swap', weight: 0.01 })
  const f = scheduler.runFrame()
  if (now - lastText > 250) {
    lastText = now
    const s = scheduler.stats
    const depth = BATCH_TYPE_NAMES.map((n, t) => `${n}: ${f.queueDepth[t]}`).join('  ')
    out.textContent = [
      `frame ${f.frame}   crossOriginIsolated: ${String(globalThis.crossOriginIsolated)}`,
      `used ${f.usedMs.toFixed(2)} ms of ${f.budgetMs} ms  (${(f.utilization * 100).toFixed(0)} %)`,
      `processed ${f.processed}  deferred ${f.deferred}  forced ${f.forced}  errors ${f.errors}`,
      `queue depth  ${depth}`,
      `used ms p50 ${s.p50.toFixed(2)}  p95 ${s.p95.toFixed(2)}  p99 ${s.p99.toFixed(2)}`,
      `totals: processed ${s.processed}  deferred ${s.deferred}  forced ${s.forced}`,
    ].join('\n')
  }
  requestAnimationFrame(frame)
}
requestAnimationFrame(frame)
