// Adoption tests: pages written the way three.js apps are (tests/e2e/pages/adoption.ts),
// adopted with RenderLoop + installBatchJobs + SchedulerPanel and no markDirty. Before
// every render the page compares each drawn object's world matrix with one computed from
// the local transforms; an object wrong for more than 12 renders in a row fails the test.
// The same pages with detect=manual must freeze objects: proof that the check can fail.
import assert from 'node:assert/strict'
import path from 'node:path'
import { openPage } from './lib.mjs'

const EXAMPLES = ['mixer', 'group', 'cameras', 'lod']
const RENDERS = 120
const MAX_STREAK = 12

async function run(browser, baseUrl, example, detect, artifactsDir) {
  const errors = []
  const page = await openPage(browser, `${baseUrl}/tests/e2e/pages/adoption.html?example=${example}&detect=${detect}`, errors, { width: 960, height: 600 })
  try {
    try {
      await page.waitForFunction((n) => window.__adoption?.renders >= n, RENDERS, { timeout: 90_000, polling: 100 })
    } catch (error) {
      const state = await page.evaluate(() => window.__adoption).catch(() => null)
      throw new Error(`${example}: ${RENDERS} renders not reached (${JSON.stringify(state)}; errors ${JSON.stringify(errors)}): ${error}`)
    }
    const report = await page.evaluate(() => {
      const { jobs } = window.__jobs
      // window.__jobs = { jobs, scheduler, loop }: jobs is what installBatchJobs returned
      return { ...window.__adoption, detected: jobs.matrices.stats.detectedTotal, always: jobs.matrices.stats.always }
    })
    if (detect === 'auto') await page.screenshot({ path: path.join(artifactsDir, `adoption-${example}.png`) })
    return { report, errors }
  } finally {
    await page.close()
  }
}

/** @param {{ browser: import('playwright-core').Browser, baseUrl: string, artifactsDir: string }} ctx */
export default async function adoptionTest({ browser, baseUrl, artifactsDir }) {
  for (const example of EXAMPLES) {
    const { report, errors } = await run(browser, baseUrl, example, 'auto', artifactsDir)
    console.log(
      `     ${example}: ${report.renders} renders, ${report.checked} objects checked, longest wrong run ${report.maxStreak}` +
        `${report.worst ? ` (${report.worst})` : ''}, wrong at the end ${report.wrongNow}, moves detected ${report.detected}, recomputed every frame ${report.always}`,
    )
    assert.deepEqual(errors, [], `${example}: no console or page errors`)
    assert.equal(report.error, '', `${example}: the checker ran`)
    assert.ok(report.checked > 10, `${example}: objects were checked`)
    assert.ok(report.maxStreak <= MAX_STREAK, `${example}: no object drawn with a wrong world matrix for more than ${MAX_STREAK} renders (longest ${report.maxStreak}, ${report.worst})`)
    assert.equal(report.wrongNow, 0, `${example}: 0 frozen objects`)
  }
  // The check is not vacuous: with marking opt-in and no marks, the moving objects freeze.
  for (const example of ['mixer', 'group', 'cameras']) {
    const { report } = await run(browser, baseUrl, example, 'manual', artifactsDir)
    console.log(`     ${example} with detect: 'manual' and no marks: longest wrong run ${report.maxStreak} (${report.worst}), wrong at the end ${report.wrongNow}`)
    assert.ok(report.maxStreak > MAX_STREAK, `${example}: the check catches frozen objects`)
  }
}
