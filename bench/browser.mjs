// npm run bench:browser: the demo's ?bench=1 mode in headless Debian Chromium
// (software WebGL through SwiftShader), at N = 10k and 50k. Builds the demo,
// serves it with `vite preview` (COOP/COEP), and runs plain three.js, the
// scheduler, and the scheduler with batching in alternating windows over the
// same stretch of the fixed fly-through (see demo/bench.ts). The page's
// main-thread CPU per frame is read here from /proc (the renderer process's
// main thread: its task whose id is the process id) at the start and end of
// each measured window. Prints each table and writes bench/results/browser.json.
//
//   npm run bench:browser                       N = 10000 and 50000, 3 rounds × 100 frames per mode
//   npm run bench:browser -- 10000              one size
//   FRAMES=200 ROUNDS=5 npm run bench:browser   more frames / rounds
//   npm run bench:browser -- --warmup 1000      the GPU warm-up bench instead (?warmupbench=1: a district
//                                               added with GpuWarmupJob on and off, ROUNDS rounds each;
//                                               N = 1000 by default); writes bench/results/warmup.json
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { build, preview } from 'vite'
import { CHROMIUM_FLAGS, executablePath } from '../tests/e2e/chromium.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const warmupBench = process.argv.includes('--warmup')
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0)
const frames = Number(process.env.FRAMES ?? 100)
const rounds = Number(process.env.ROUNDS ?? 3)
const warmup = Number(process.env.WARMUP ?? 20)
const configFile = path.join(root, 'vite.config.ts')
/** A flag Chromium ignores, so this run's browser process can be told from others on the machine. */
const marker = `--tbs-bench-${process.pid}`
/** Linux clock ticks per second (USER_HZ): /proc's CPU times are in these. */
const TICKS = 100

function readStat(file) {
  const text = readFileSync(file, 'utf8')
  // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15; ppid is field 4.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return { ppid: Number(rest[1]), utime: Number(rest[11]), stime: Number(rest[12]) }
}

function processes() {
  const list = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8')
      list.push({ pid: Number(name), cmdline, ppid: readStat(`/proc/${name}/stat`).ppid })
    } catch {
      // gone
    }
  }
  return list
}

/** The renderer processes of this run's browser (descendants of the process whose command line has the marker). */
function rendererPids() {
  const all = processes()
  const byPid = new Map(all.map((p) => [p.pid, p]))
  const browserPids = new Set(all.filter((p) => p.cmdline.includes(marker) && !p.cmdline.includes('--type=')).map((p) => p.pid))
  return all
    .filter((p) => p.cmdline.includes('--type=renderer'))
    .filter((p) => {
      for (let q = byPid.get(p.ppid), depth = 0; q !== undefined && depth < 6; q = byPid.get(q.ppid), depth++) if (browserPids.has(q.pid)) return true
      return false
    })
    .map((p) => p.pid)
}

/** CPU ms used so far by the main threads of this browser's renderers (idle spare renderers add nothing). */
function mainThreadCpuMs() {
  let ticks = 0
  for (const pid of rendererPids()) {
    try {
      const s = readStat(`/proc/${pid}/task/${pid}/stat`)
      ticks += s.utime + s.stime
    } catch {
      // gone
    }
  }
  return (ticks * 1000) / TICKS
}

await build({ root, configFile, logLevel: 'warn' })
const server = await preview({ root, configFile, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0 } })
const address = server.httpServer.address()
const url = `http://127.0.0.1:${address.port}`
const browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_FLAGS, marker] })
const results = []
try {
  for (const n of sizes.length > 0 ? sizes : warmupBench ? [1_000] : [10_000, 50_000]) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`))
    if (warmupBench) {
      page.on('console', (m) => {
        if (m.text().startsWith('warm-up bench: round')) console.log(m.text())
      })
      const started = performance.now()
      await page.goto(`${url}/?warmupbench=1&autoplay=0&n=${n}&rounds=${rounds}&seed=3`)
      await page.waitForFunction(() => window.demo?.warmupBenchResults, null, { timeout: 60 * 60_000, polling: 500 })
      const result = await page.evaluate(() => {
        const r = window.demo.warmupBenchResults
        return { ...r, rounds: r.rounds.map((round) => ({ ...round, frames: round.frames.length })) }
      })
      results.push(result)
      console.log(`\n${result.table}\n(${((performance.now() - started) / 1000).toFixed(0)} s)`)
      await page.close()
      continue
    }
    await page.exposeFunction('__tbsProbe', () => mainThreadCpuMs())
    const started = performance.now()
    await page.goto(`${url}/?bench=1&n=${n}&frames=${frames}&rounds=${rounds}&warmup=${warmup}&seed=1`)
    await page.waitForFunction(() => window.demo?.benchResults, null, { timeout: 60 * 60_000, polling: 500 })
    const result = await page.evaluate(() => window.demo.benchResults)
    results.push(result)
    console.log(`\n${result.table}\n(${((performance.now() - started) / 1000).toFixed(0)} s)`)
    await page.close()
  }
} finally {
  await browser.close()
  await server.close()
}
mkdirSync(path.join(root, 'bench', 'results'), { recursive: true })
writeFileSync(path.join(root, 'bench', 'results', warmupBench ? 'warmup.json' : 'browser.json'), JSON.stringify(results, null, 2))
