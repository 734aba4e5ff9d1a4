// The SchedulerPanel in a real browser: graphs paint, the budget follows what a
// user types, the page is cross-origin isolated, no console errors, and the
// overlay's own cost per frame is measured. Saves artifacts/panel.png.
import assert from 'node:assert/strict'
import path from 'node:path'

/** @param {{ browser: import('playwright-core').Browser, baseUrl: string, artifactsDir: string }} ctx */
export default async function panelTest({ browser, baseUrl, artifactsDir }) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  const errors = []
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text())
  })
  page.on('pageerror', (error) => errors.push(String(error)))
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`HTTP ${response.status()} ${response.url()}`)
  })
  try {
    await page.goto(`${baseUrl}/tests/e2e/pages/panel.html`)
    await page.waitForFunction(() => window.__e2e?.scheduler.frame >= 240, null, { timeout: 60_000 })

    assert.equal(await page.evaluate(() => window.crossOriginIsolated), true, 'page is cross-origin isolated')

    // Graphs are painted: count plot pixels that are neither background nor grid.
    const painted = await page.evaluate(() => {
      const result = {}
      for (const [key, graph] of Object.entries(window.__e2e.panel.graphs)) {
        const canvas = graph.canvas
        const ctx = canvas.getContext('2d')
        const gutter = graph.plotX
        const data = ctx.getImageData(gutter, 0, canvas.width - gutter, canvas.height).data
        let ink = 0
        for (let i = 0; i < data.length; i += 4) {
          const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]]
          const background = a > 0 && ((r === 20 && g === 20 && b === 20) || (r === 46 && g === 46 && b === 46))
          if (a > 0 && !background) ink++
        }
        const labels = ctx.getImageData(0, 0, gutter, canvas.height).data
        let labelInk = 0
        for (let i = 3; i < labels.length; i += 4) if (labels[i] > 0) labelInk++
        result[key] = { ink, labelInk, scaleMax: graph.scaleMax, redraws: graph.redraws, samples: graph.samples }
      }
      return result
    })
    console.log(`     graphs: ${JSON.stringify(painted)}`)
    for (const [key, info] of Object.entries(painted)) {
      assert.ok(info.ink > 50, `${key} graph has data pixels (${info.ink})`)
      assert.ok(info.labelInk > 20, `${key} graph has axis labels (${info.labelInk})`)
      assert.ok(info.redraws < info.samples / 4, `${key} graph scrolls rather than redraws (${info.redraws} redraws)`)
    }

    // The queue graph's legend is shown and names every type.
    const legend = await page.evaluate(() => {
      const el = window.__e2e.panel.graphs.queueDepth.domElement.querySelector('.tbs-legend')
      return { text: el.textContent, height: el.getBoundingClientRect().height }
    })
    assert.equal(legend.text, 'TransformVisibilityPhysicsLODAI')
    assert.ok(legend.height > 8, 'legend is laid out')

    // One requestAnimationFrame loop: the renderer's. The panel adds none.
    const raf = await page.evaluate(async () => {
      const r0 = window.__raf
      const f0 = window.__e2e.scheduler.frame
      await new Promise((resolve) => window.setTimeout(resolve, 1500))
      return { calls: window.__raf - r0, frames: window.__e2e.scheduler.frame - f0 }
    })
    console.log(`     requestAnimationFrame calls ${raf.calls} over ${raf.frames} frames`)
    assert.ok(raf.frames > 10, 'frames ran')
    assert.ok(raf.calls <= raf.frames + 2, `one rAF per frame (${raf.calls} calls, ${raf.frames} frames)`)

    // Type a budget into the lil-gui number field like a user.
    const input = await page.evaluateHandle(() => window.__e2e.panel.controllers.budget.$input)
    await input.click({ clickCount: 3 })
    await page.keyboard.type('4.25')
    await page.keyboard.press('Enter')
    assert.equal(await page.evaluate(() => window.__e2e.scheduler.budgetMs), 4.25, 'budget follows the typed value')
    const f0 = await page.evaluate(() => window.__e2e.scheduler.frame)
    await page.waitForFunction((f) => window.__e2e.scheduler.frame > f + 30, f0)
    assert.equal(
      await page.evaluate(() => window.__e2e.scheduler.stats.last.budgetMs),
      4.25,
      'frames run with the new budget',
    )

    // The text readouts are live.
    const text = await page.evaluate(() => ({
      processed: window.__e2e.panel.readouts.text('processed.total'),
      p95: window.__e2e.panel.readouts.text('p95'),
      render: window.__e2e.panel.readouts.text('loop.renderMs'),
    }))
    assert.match(text.processed, /^\d+(\.\d+)?[kM]?$/)
    assert.ok(Number(text.processed.replace(/[kM]$/, '')) > 0, 'processed total counts up')
    assert.match(text.p95, /^\d+\.\d\d$/, 'p95 with hundredths')
    assert.match(text.render, /^\d+\.\d\d$/, 'render ms with hundredths')

    // Overlay cost: time the panel's frame listener over a few hundred frames.
    await page.evaluate(() => window.__e2e.overlay.reset())
    await page.waitForFunction(() => window.__e2e.overlay.frames >= 300, null, { timeout: 60_000 })
    const cost = await page.evaluate(() => {
      const o = window.__e2e.overlay
      const n = Math.min(o.frames, o.samples.length)
      const sorted = Array.from(o.samples.subarray(0, n)).sort((a, b) => a - b)
      return {
        frames: o.frames,
        meanMs: o.totalMs / o.frames,
        medianMs: sorted[Math.floor(n / 2)],
        p95Ms: sorted[Math.floor(n * 0.95)],
        maxMs: o.maxMs,
      }
    })
    console.log(
      `     overlay cost per frame over ${cost.frames} frames: mean ${cost.meanMs.toFixed(3)} ms, median ${cost.medianMs.toFixed(3)} ms, p95 ${cost.p95Ms.toFixed(3)} ms, max ${cost.maxMs.toFixed(3)} ms`,
    )

    await page.screenshot({ path: path.join(artifactsDir, 'panel.png') })
    const gui = await page.evaluateHandle(() => window.__e2e.panel.gui.domElement)
    await gui.asElement().screenshot({ path: path.join(artifactsDir, 'panel-gui.png') })
    assert.deepEqual(errors, [], 'no console errors')
  } finally {
    await page.close()
  }
}
