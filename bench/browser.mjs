// npm run bench:browser: the demo's ?bench=1 mode in headless Debian Chromium
// (software WebGL through SwiftShader), at N = 10k and 50k. Builds the demo,
// serves it with `vite preview` (COOP/COEP), runs both modes over the same
// fixed fly-through, and prints each table. Software WebGL is slow: the ratio
// of the two modes, measured in the same run, is what counts.
//
//   npm run bench:browser                 N = 10000 and 50000, 100 frames per mode
//   npm run bench:browser -- 10000        one size
//   FRAMES=200 npm run bench:browser      more frames
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, preview } from 'vite'
import { launchChromium } from '../tests/e2e/chromium.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0)
const frames = Number(process.env.FRAMES ?? 100)
const warmup = Number(process.env.WARMUP ?? 20)
const configFile = path.join(root, 'vite.config.ts')

await build({ root, configFile, logLevel: 'warn' })
const server = await preview({ root, configFile, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0 } })
const address = server.httpServer.address()
const url = `http://127.0.0.1:${address.port}`
const browser = await launchChromium()
const results = []
try {
  for (const n of sizes.length > 0 ? sizes : [10_000, 50_000]) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`))
    const started = performance.now()
    await page.goto(`${url}/?bench=1&n=${n}&frames=${frames}&warmup=${warmup}&seed=1`)
    await page.waitForFunction(() => window.demo?.benchResults, null, { timeout: 30 * 60_000, polling: 500 })
    const result = await page.evaluate(() => window.demo.benchResults)
    results.push(result)
    console.log(`\n${result.table}\n(${((performance.now() - started) / 1000).toFixed(0)} s)`)
    await page.close()
  }
} finally {
  await browser.close()
  await server.close()
}
