import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * Heap stability with a real garbage collector. Vitest's workers do not expose
 * `gc()`, so the soak runs in a child Node started with `--expose-gc`
 * (heapSoak.ts, through tsx) and reports `process.memoryUsage().heapUsed`
 * after full collections at frames 10k, 50k and 100k.
 */

const script = fileURLToPath(new URL('./heapSoak.ts', import.meta.url))

interface HeapReport {
  heapUsedAt10000: number
  heapUsedAt50000: number
  heapUsedAt100000: number
  disposedDropsLastJob: boolean
}

function runSoak(): HeapReport {
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script], {
    encoding: 'utf8',
    timeout: 120_000,
  })
  if (child.status !== 0) throw new Error(`heapSoak exited with ${String(child.status)}:\n${child.stderr}`)
  const line = child.stdout.trim().split('\n').at(-1) ?? ''
  return JSON.parse(line) as HeapReport
}

describe('heap (child Node with --expose-gc)', () => {
  const report = runSoak()

  it('heap used is flat from frame 10k to 100k under job and system churn (< 1 MB growth)', () => {
    expect(report.heapUsedAt10000).toBeGreaterThan(0)
    expect(report.heapUsedAt50000 - report.heapUsedAt10000).toBeLessThan(1 << 20)
    expect(report.heapUsedAt100000 - report.heapUsedAt10000).toBeLessThan(1 << 20)
  })

  it('regression: a disposed scheduler lets go of its last job\'s closure (it kept it as a name memo)', () => {
    expect(report.disposedDropsLastJob).toBe(true)
  })
})
