// Browser tests: serves the project with Vite (vite.config.ts: COOP/COEP headers),
// builds the demo (dist-demo/) and serves the build with `vite preview` (the
// same headers), drives Debian's /usr/bin/chromium through playwright-core, and
// runs every tests/e2e/*.e2e.mjs. Each file's default export is
// `async ({ browser, baseUrl, demoUrl, artifactsDir }) => void`; throwing fails it.
// baseUrl serves the source tree (fixture pages), demoUrl the built demo.
// Usage: node tests/e2e/run.mjs [name-filter ...]
import { existsSync } from 'node:fs'
import { mkdir, readdir } from 'node:fs/promises'
import path from 'node:path'
import { clearTimeout, setTimeout } from 'node:timers'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build, createServer, preview } from 'vite'
import { executablePath, launchChromium } from './chromium.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const artifactsDir = path.join(here, 'artifacts')
const TEST_TIMEOUT_MS = 240_000

function withTimeout(promise, ms, what) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

async function main() {
  const filters = process.argv.slice(2)
  const files = (await readdir(here))
    .filter((f) => f.endsWith('.e2e.mjs'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort()
  await mkdir(artifactsDir, { recursive: true })

  let passed = 0
  let failed = 0
  let server
  let demoServer
  let browser
  try {
    if (!existsSync(executablePath)) {
      throw new Error(`no browser at ${executablePath}: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH)`)
    }
    server = await createServer({
      root,
      configFile: path.join(root, 'vite.config.ts'),
      logLevel: 'warn',
      clearScreen: false,
      // Other work may edit files while tests run: no watcher, no reloads.
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
      // Pre-bundle up front so Vite does not reload a page to add a dependency mid-test.
      optimizeDeps: {
        entries: ['tests/e2e/pages/*.html'],
        include: ['three', 'lil-gui', 'three/addons/libs/stats.module.js'],
      },
    })
    await server.listen()
    const address = server.httpServer?.address()
    if (address === null || typeof address !== 'object') throw new Error('run.mjs: the Vite server has no address')
    const baseUrl = `http://127.0.0.1:${address.port}`
    // The demo as users deploy it: a static build, served with the isolation headers.
    const configFile = path.join(root, 'vite.config.ts')
    await build({ root, configFile, logLevel: 'warn' })
    demoServer = await preview({ root, configFile, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, strictPort: false } })
    const demoAddress = demoServer.httpServer?.address()
    if (demoAddress === null || typeof demoAddress !== 'object') throw new Error('run.mjs: the preview server has no address')
    const demoUrl = `http://127.0.0.1:${demoAddress.port}`

    browser = await launchChromium()
    console.log(`e2e: ${browser.version()}, source at ${baseUrl}, demo build at ${demoUrl}, ${files.length} file(s)`)

    for (const file of files) {
      const name = file.replace(/\.e2e\.mjs$/, '')
      const started = performance.now()
      try {
        const mod = await import(pathToFileURL(path.join(here, file)).href)
        const run = mod.default ?? mod.run
        if (typeof run !== 'function') throw new Error(`${file} exports no default async function`)
        await withTimeout(run({ browser, baseUrl, demoUrl, artifactsDir }), TEST_TIMEOUT_MS, name)
        passed++
        console.log(`ok   ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`)
      } catch (error) {
        failed++
        console.log(`FAIL ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`)
        console.log(String(error?.stack ?? error).replace(/^/gm, '     '))
      }
    }
    if (files.length === 0) {
      failed++
      console.log('FAIL no test files matched')
    }
  } catch (error) {
    failed++
    console.log('FAIL harness')
    console.log(String(error?.stack ?? error).replace(/^/gm, '     '))
  } finally {
    await browser?.close().catch(() => {})
    await server?.close().catch(() => {})
    await demoServer?.close().catch(() => {})
  }
  console.log(`${passed} passed, ${failed} failed`)
  process.exitCode = failed > 0 ? 1 : 0
}

await main()
