// Helpers shared by the demo's browser tests.

/** Opens a page that records console errors, page errors and failed requests into `errors`. */
export async function openPage(browser, url, errors, viewport = { width: 1280, height: 800 }) {
  const page = await browser.newPage({ viewport })
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text())
  })
  page.on('pageerror', (error) => errors.push(String(error)))
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`HTTP ${response.status()} ${response.url()}`)
  })
  await page.goto(url)
  return page
}

/** Waits until the demo has run `frames` more scheduler frames (the scheduler ticks in both modes). */
export async function waitFrames(page, frames, timeout = 90_000) {
  const start = await page.evaluate(() => window.demo.scheduler.frame)
  await page.waitForFunction((target) => window.demo.scheduler.frame >= target, start + frames, { timeout, polling: 100 })
}

/** A PNG of the 3D view alone: every overlay (panel, HUD, stats.js) hidden for the shot. */
export async function sceneShot(page, path) {
  await page.evaluate(() => {
    for (const el of document.body.children) if (el !== window.demo.renderer.domElement) el.style.visibility = 'hidden'
  })
  const png = await page.screenshot(path ? { path } : {})
  await page.evaluate(() => {
    for (const el of document.body.children) el.style.visibility = ''
  })
  return png
}

/** In the page: decodes a base64 PNG into RGBA pixels (a page function, serialised by playwright). */
const DECODE = `async (b64) => {
  const img = new Image()
  img.src = 'data:image/png;base64,' + b64
  await img.decode()
  const canvas = document.createElement('canvas')
  canvas.width = img.width
  canvas.height = img.height
  const ctx = canvas.getContext('2d')
  ctx.drawImage(img, 0, 0)
  return ctx.getImageData(0, 0, img.width, img.height).data
}`

/** Decodes PNGs in the page and compares them: fraction of pixels differing by more than `tolerance` on any channel. */
export async function comparePngs(page, a, b, tolerance = 24) {
  return page.evaluate(
    async ([decodeSource, a64, b64, tol]) => {
      const decode = (0, eval)(decodeSource)
      const [pa, pb] = await Promise.all([decode(a64), decode(b64)])
      let differing = 0
      const n = pa.length / 4
      for (let i = 0; i < pa.length; i += 4) {
        if (Math.abs(pa[i] - pb[i]) > tol || Math.abs(pa[i + 1] - pb[i + 1]) > tol || Math.abs(pa[i + 2] - pb[i + 2]) > tol) differing++
      }
      return { differing, total: n, fraction: differing / n }
    },
    [DECODE, a.toString('base64'), b.toString('base64'), tolerance],
  )
}

/** Distinct colours (quantized) in a PNG: a blank canvas has one or two. */
export async function colourCount(page, png) {
  return page.evaluate(
    async ([decodeSource, b64]) => {
      const data = await (0, eval)(decodeSource)(b64)
      const seen = new Set()
      for (let i = 0; i < data.length; i += 4 * 7) seen.add(((data[i] >> 4) << 8) | ((data[i + 1] >> 4) << 4) | (data[i + 2] >> 4))
      return seen.size
    },
    [DECODE, png.toString('base64')],
  )
}

/** Clicks the lil-gui checkbox labelled `name`, or picks `value` in the <select> labelled `name` (as a user would). */
export async function guiSet(page, name, value) {
  if (value === undefined) await page.getByRole('checkbox', { name, exact: true }).click()
  else await page.getByRole('combobox', { name, exact: true }).selectOption(String(value))
}
