// npm run bench:panel: where the devtools overlay's cost goes, in headless
// Debian Chromium with software WebGL (SwiftShader). Opens the built demo
// (N = 1000 by default, scheduler on, camera still: with the fly-through each
// state would see another part of the city, and SwiftShader's GPU time, which
// sets the interval, follows what is in view) and measures, in the same
// page, the frame interval (rAF timestamps) and the frame CPU
// (loop.timings.frameMs), the GPU ms (loop.timings.gpuMs) and the panel's
// own JS ms (panel.costMs) with the overlay in several states: closed (the
// panel's graphs not painted, stats.js strip hidden), the stats.js strip
// alone, the graphs alone, everything open. The states alternate over
// ROUNDS rounds and each row is the median of its rounds' medians, so load
// that drifts during the run (a shared machine) hits every state alike.
// Compare rows of one run, not runs.
//
//   node bench/panelCost.mjs [N] [frames per state per round]   (ROUNDS=3)
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, preview } from 'vite'
import { launchChromium } from '../tests/e2e/chromium.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const n = Number(process.argv[2] ?? 1000)
const frames = Number(process.argv[3] ?? 60)
const configFile = path.join(root, 'vite.config.ts')

if (process.env.NO_BUILD !== '1') await build({ root, configFile, logLevel: 'warn' })
const server = await preview({ root, configFile, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0 } })
const url = `http://127.0.0.1:${server.httpServer.address().port}`
const browser = await launchChromium()

/** In the page: sets the overlay state, waits a few frames, then records `frames` frames. */
async function measure(page, state) {
  return page.evaluate(
    async ([state, frames]) => {
      const demo = window.demo
      const panel = demo.panel
      const stats = document.querySelector('.tbs-stats')
      if (state.graphs) panel.gui.open()
      else panel.gui.close()
      if (stats) stats.style.display = state.stats ? 'flex' : 'none'
      const intervals = []
      const cpu = []
      const gpu = []
      const panelMs = []
      await new Promise((resolve) => {
        let last = -1
        let count = 0
        const tick = (t) => {
          if (last >= 0 && count > 5) {
            intervals.push(t - last)
            cpu.push(demo.mode.timings.frameMs)
            gpu.push(demo.mode.timings.gpuMs)
            if (panel.costMs !== undefined) panelMs.push(panel.costMs)
          }
          last = t
          if (++count < frames + 6) requestAnimationFrame(tick)
          else resolve()
        }
        requestAnimationFrame(tick)
      })
      const p50 = (a) => (a.length === 0 ? NaN : [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)])
      return { interval: p50(intervals), cpu: p50(cpu), gpu: p50(gpu.filter(Number.isFinite)), panelJs: p50(panelMs) }
    },
    [state, frames],
  )
}

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`))
  await page.goto(`${url}/?n=${n}&seed=1&autoplay=0${process.env.EXTRA ?? ''}`)
  await page.waitForFunction(() => window.demo?.scheduler.frame >= 30, null, { timeout: 120_000 })
  const states = [
    ['closed', { graphs: false, stats: false }],
    ['stats.js strip only', { graphs: false, stats: true }],
    ['graphs only', { graphs: true, stats: false }],
    ['all open', { graphs: true, stats: true }],
  ]
  const rounds = Number(process.env.ROUNDS ?? 3)
  const samples = states.map(() => [])
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < states.length; i++) samples[i].push(await measure(page, states[i][1]))
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]
  const f = (x) => (Number.isFinite(x) ? x.toFixed(2) : '—')
  const rows = states.map(([name], i) => {
    const s = samples[i]
    return { name, interval: median(s.map((x) => x.interval)), cpu: median(s.map((x) => x.cpu)), gpu: median(s.map((x) => x.gpu)), panelJs: median(s.map((x) => x.panelJs)) }
  })
  const closed = rows[0]
  console.log(`panel cost, N=${n}, ${rounds} rounds × ${frames} frames per state, headless Chromium + SwiftShader (shared machine)`)
  console.log('| overlay | frame interval p50 ms | vs closed | frame CPU p50 ms | GPU p50 ms | panel JS p50 ms |')
  console.log('| --- | --- | --- | --- | --- | --- |')
  for (const r of rows) {
    const ratio = `${((r.interval / closed.interval - 1) * 100).toFixed(0)} %`
    console.log(`| ${r.name} | ${f(r.interval)} | ${ratio} | ${f(r.cpu)} | ${f(r.gpu)} | ${f(r.panelJs)} |`)
  }
} finally {
  await browser.close()
  await server.close()
}
