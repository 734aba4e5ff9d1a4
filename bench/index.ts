/**
 * `npm run bench`: every benchmark, printed as markdown tables and written as
 * JSON to bench/results/latest.json. Never part of `npm test`.
 *
 *   npm run bench                          all sections
 *   npm run bench -- overhead budget       some sections (overhead, budget, allocation, scaling, detect, batching, heap)
 *   npm run bench -- --check               exit 1 when a threshold in bench/check.ts fails
 *   npm run bench -- --quick               fewer frames (a smoke run; figures are rougher)
 *
 * Each section runs in a child process of its own, so the JIT feedback and
 * heap of one section do not colour the next (the allocation section most of
 * all needs a heap that only its own work has touched).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { AllocationResult } from './allocation.js'
import type { BatchingRow } from './batching.js'
import type { BudgetResult } from './budget.js'
import { type BenchResults, checksTable, runChecks } from './check.js'
import type { OverheadResult } from './overhead.js'
import type { DetectRow } from './detect.js'
import type { HeapResult } from './heap.js'
import type { ScalingRow } from './scaling.js'

const SECTIONS = ['overhead', 'budget', 'allocation', 'scaling', 'detect', 'batching', 'heap'] as const
type Section = (typeof SECTIONS)[number]

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const childIndex = args.indexOf('--child')

/** Imported on demand, so a child process loads only its own section's code. */
async function runSection(section: Section): Promise<unknown> {
  switch (section) {
    case 'overhead':
      return (await import('./overhead.js')).runOverhead(quick ? { runs: 5, warmup: 1 } : { runs: 7, warmup: 2 })
    case 'budget':
      return (await import('./budget.js')).runBudget(quick ? 500 : undefined)
    case 'allocation':
      return (await import('./allocation.js')).runAllocation(quick ? 2_000 : undefined)
    case 'scaling':
      return (await import('./scaling.js')).runScaling(quick ? [1_000, 10_000] : undefined, quick ? 100 : 300)
    case 'detect':
      return (await import('./detect.js')).runDetect(quick ? [10_000] : undefined, quick ? 100 : 300)
    case 'batching':
      return (await import('./batching.js')).runBatching(quick ? [10_000] : undefined, quick ? 60 : 200, quick ? 20 : 50)
    case 'heap':
      return (await import('./heap.js')).runHeap()
  }
}

if (childIndex >= 0) {
  // Child: run one section, print its result as JSON on stdout (and nothing else there).
  const section = args[childIndex + 1] as Section
  const result = await runSection(section)
  process.stdout.write(JSON.stringify(result))
} else {
  await main()
}

async function main(): Promise<void> {
  const check = args.includes('--check')
  const chosen = SECTIONS.filter((s) => args.includes(s))
  const sections: readonly Section[] = chosen.length > 0 ? chosen : SECTIONS
  const started = performance.now()
  const meta = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: availableParallelism(),
    date: new Date().toISOString(),
    quick,
    loadAverageAtStart: loadavg()[0],
  }
  console.log(`# three-batch-scheduler benchmarks\n`)
  console.log(`Node ${meta.node}, ${meta.cpus} × ${meta.cpu}, load average ${meta.loadAverageAtStart?.toFixed(2)} at start${quick ? ', --quick' : ''}.`)
  if ((meta.loadAverageAtStart ?? 0) > meta.cpus * 0.5) {
    console.log(`**The machine is busy (load ${meta.loadAverageAtStart?.toFixed(2)} on ${meta.cpus} CPUs): timings are noisy.**`)
  }
  const results: BenchResults & Record<string, unknown> = { meta }
  const sectionSeconds: Record<string, number> = {}
  for (const section of sections) {
    const t0 = performance.now()
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', section, ...(quick ? ['--quick'] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    })
    sectionSeconds[section] = (performance.now() - t0) / 1000
    if (child.status !== 0) {
      console.error(`bench: section "${section}" failed (exit ${child.status ?? child.signal})`)
      process.exitCode = 1
      continue
    }
    const data = JSON.parse(child.stdout) as unknown
    if (section === 'overhead') {
      results.overhead = data as OverheadResult[]
      console.log('\n## 1. Overhead: trivial jobs, ns per job (enqueue to run)\n')
      console.log((await import('./overhead.js')).overheadTable(results.overhead))
    } else if (section === 'budget') {
      results.budget = data as BudgetResult[]
      console.log('\n## 2. Budget precision and utilization (real clock, 2.5 ms budget)\n')
      console.log((await import('./budget.js')).budgetTable(results.budget))
    } else if (section === 'allocation') {
      results.allocation = data as AllocationResult[]
      console.log('\n## 3. Allocation in steady state\n')
      console.log((await import('./allocation.js')).allocationTable(results.allocation))
    } else if (section === 'heap') {
      results.heap = data as HeapResult
      console.log('\n## 7. Heap: 100,000 frames of job and system churn, heapUsed after full GCs\n')
      console.log((await import('./heap.js')).heapTable(results.heap))
    } else if (section === 'detect') {
      results.detect = data as DetectRow[]
      console.log('\n## 5. Detect: unmarked moves found by the matrix job (detect: \'auto\') vs marked moves vs plain three.js\n')
      console.log((await import('./detect.js')).detectTable(results.detect))
    } else if (section === 'batching') {
      results['batching'] = data as BatchingRow[]
      console.log('\n## 6. Batching: renderer CPU before drawing and draw calls, plain three.js vs the jobs with StaticBatchingJob\n')
      console.log((await import('./batching.js')).batchingTable(data as BatchingRow[]))
    } else {
      const scaling = data as ScalingRow[]
      results.scaling = scaling
      console.log('\n## 4. Scaling: renderer CPU before drawing, plain three.js vs the built-in jobs\n')
      console.log((await import('./scaling.js')).scalingTable(scaling))
    }
  }
  const checks = runChecks(results)
  results.checks = checks
  results.sectionSeconds = sectionSeconds
  results.loadAverageAtEnd = loadavg()[0]
  console.log('\n## Checks (`npm run bench -- --check` fails on any FAIL)\n')
  console.log(checksTable(checks))

  mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
  writeFileSync(new URL('./results/latest.json', import.meta.url), JSON.stringify(results, null, 2))
  const seconds = (performance.now() - started) / 1000
  console.log(`\nJSON: bench/results/latest.json. Took ${seconds.toFixed(0)} s; load average ${loadavg()[0]?.toFixed(2)} at the end.`)
  const failed = checks.filter((c) => !c.pass)
  if (check && failed.length > 0) {
    console.error(`\nbench --check: ${failed.length} check(s) failed:`)
    for (const f of failed) console.error(`  - ${f.name}: ${f.value.toFixed(3)}, needs ${f.rule}`)
    process.exitCode = 1
  }
}
