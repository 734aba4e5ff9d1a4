// Batching draws the same picture: with the camera and cars held still
// (autoplay=0), once the batches are built and the sweeps have caught up, the
// scheduler with batching on (the demo's default) must look the same as plain
// three.js (≤ 0.1 % of pixels differ) and as the scheduler with batching off,
// with a few draw calls instead of thousands. Saves the screenshots.
import assert from 'node:assert/strict'
import path from 'node:path'
import { colourCount, comparePngs, guiSet, openPage, sceneShot, waitFrames } from './lib.mjs'

export default async function batchingPictureTest({ browser, demoUrl, artifactsDir }) {
  const errors = []
  const page = await openPage(browser, `${demoUrl}/?n=10000&autoplay=0&seed=5&shot=1&batching=1`, errors)
  try {
    await page.waitForFunction(() => window.demo?.mode.scheduled && window.demo.batching !== null && window.demo.mode.settled(), null, {
      timeout: 180_000,
      polling: 200,
    })
    await waitFrames(page, 2)
    const on = await page.evaluate(() => ({
      stats: { ...window.demo.batching.stats },
      calls: window.demo.renderer.info.render.calls,
      frame: window.demo.scheduler.frame,
    }))
    console.log(`     batching on, settled: ${JSON.stringify(on)}`)
    assert.ok(on.stats.batchedObjects > 10_000, 'the city is batched')
    assert.equal(on.stats.pendingObjects, 0, 'nothing left to batch')
    const batched = await sceneShot(page, path.join(artifactsDir, 'batching-on.png'))

    // The same scheduler without batching.
    await guiSet(page, 'batching (scheduler)')
    await waitFrames(page, 4)
    assert.equal(await page.evaluate(() => window.demo.batching), null, 'batching off')
    const unbatchedCalls = await page.evaluate(() => window.demo.renderer.info.render.calls)
    const unbatched = await sceneShot(page, path.join(artifactsDir, 'batching-off.png'))

    // Plain three.js.
    await guiSet(page, 'scheduler on')
    await waitFrames(page, 4)
    assert.equal(await page.evaluate(() => window.demo.mode.scheduled), false, 'plain mode')
    const plainCalls = await page.evaluate(() => window.demo.renderer.info.render.calls)
    const plain = await sceneShot(page, path.join(artifactsDir, 'batching-plain.png'))
    console.log(`     draw calls: batching ${on.calls}, scheduler without batching ${unbatchedCalls}, plain ${plainCalls}`)
    assert.ok(on.calls <= plainCalls * 0.02, `batching draws ≤ 2 % of plain three.js's calls (${on.calls} vs ${plainCalls})`)

    assert.ok((await colourCount(page, batched)) > 20, 'the picture is not blank')
    for (const [name, other] of [
      ['plain three.js', plain],
      ['the scheduler without batching', unbatched],
    ]) {
      const diff = await comparePngs(page, batched, other)
      console.log(`     vs ${name}: ${diff.differing} of ${diff.total} pixels differ (${(diff.fraction * 100).toFixed(3)} %)`)
      assert.ok(diff.fraction <= 0.001, `batching on draws the same picture as ${name} (${(diff.fraction * 100).toFixed(3)} % differ)`)
    }
    assert.deepEqual(errors, [], 'no console errors')
  } finally {
    await page.close()
  }
}
