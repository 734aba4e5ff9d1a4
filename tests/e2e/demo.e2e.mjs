// The built demo as a newcomer sees it: the scene renders, the scheduler runs,
// switching the scheduler off and on through the panel works (and restores
// three's flags), changing N works, the page is cross-origin isolated, and
// nothing is logged as an error. Saves artifacts/demo-on.png and demo-off.png.
import assert from 'node:assert/strict'
import path from 'node:path'
import { colourCount, guiSet, openPage, sceneShot, waitFrames } from './lib.mjs'

export default async function demoTest({ browser, demoUrl, artifactsDir }) {
  const errors = []
  const page = await openPage(browser, `${demoUrl}/?n=10000&seed=3&shot=1`, errors)
  try {
    await page.waitForFunction(() => window.demo?.scheduler.frame >= 20, null, { timeout: 90_000 })
    assert.equal(await page.evaluate(() => window.crossOriginIsolated), true, 'cross-origin isolated')
    assert.equal(await page.locator('.demo-warning').isHidden(), true, 'no isolation warning shown')

    // The scheduler runs: frames advance and jobs are processed.
    const before = await page.evaluate(() => ({ frame: window.demo.scheduler.frame, processed: window.demo.scheduler.stats.processed }))
    await waitFrames(page, 10)
    const after = await page.evaluate(() => ({
      frame: window.demo.scheduler.frame,
      processed: window.demo.scheduler.stats.processed,
      scheduled: window.demo.mode.scheduled,
      systems: window.demo.scheduler.systems.map((s) => s.name),
      matrixAuto: window.demo.scene.matrixWorldAutoUpdate,
      objects: window.demo.city.objects,
    }))
    console.log(`     scheduler on: ${JSON.stringify(after)}`)
    assert.ok(after.scheduled, 'starts with the scheduler on')
    assert.ok(after.frame > before.frame, 'frames advance')
    assert.ok(after.processed > before.processed, 'jobs are processed')
    assert.equal(after.matrixAuto, false, 'matrix sync took over scene.matrixWorldAutoUpdate')
    assert.deepEqual(
      [...after.systems].sort(),
      ['car AI', 'car motion', 'car physics', 'frustumCulling', 'lod', 'matrixSync', 'staticBatching'].sort(),
      'the built-in jobs and the car systems are installed',
    )
    assert.equal(after.objects, 10000, 'N objects')

    await page.screenshot({ path: path.join(artifactsDir, 'demo-on.png') })
    const on = await sceneShot(page, path.join(artifactsDir, 'demo-scene.png'))
    const colours = await colourCount(page, on)
    console.log(`     3D view: ${colours} distinct colours`)
    assert.ok(colours > 20, 'the 3D view is not blank')

    // Scheduler off through the panel: the plain three.js way, flags restored.
    await guiSet(page, 'scheduler on')
    await waitFrames(page, 5)
    const off = await page.evaluate(() => {
      let hiddenMeshes = 0
      window.demo.scene.traverse((o) => {
        if (o.isMesh && !o.frustumCulled) hiddenMeshes++
      })
      return {
        scheduled: window.demo.mode.scheduled,
        systems: window.demo.scheduler.systems.length,
        matrixAuto: window.demo.scene.matrixWorldAutoUpdate,
        notFrustumCulled: hiddenMeshes,
        url: location.search,
      }
    })
    console.log(`     scheduler off: ${JSON.stringify(off)}`)
    assert.equal(off.scheduled, false, 'plain mode')
    assert.equal(off.systems, 0, 'no systems left installed')
    assert.equal(off.matrixAuto, true, 'scene.matrixWorldAutoUpdate restored')
    assert.equal(off.notFrustumCulled, 0, 'every mesh frustum-culled by three again')
    assert.match(off.url, /scheduler=off/, 'the URL follows')
    await page.screenshot({ path: path.join(artifactsDir, 'demo-off.png') })

    // And on again.
    await guiSet(page, 'scheduler on')
    const p0 = await page.evaluate(() => window.demo.scheduler.stats.processed)
    await waitFrames(page, 5)
    const again = await page.evaluate(() => ({ scheduled: window.demo.mode.scheduled, processed: window.demo.scheduler.stats.processed }))
    assert.ok(again.scheduled && again.processed > p0, 'scheduler back on and running')

    // Changing N reloads the demo at that size.
    await Promise.all([page.waitForURL(/n=1000(&|$)/, { timeout: 60_000 }), guiSet(page, 'objects (N)', 1000)])
    await page.waitForFunction(() => window.demo?.scheduler.frame >= 5, null, { timeout: 60_000 })
    const small = await page.evaluate(() => ({ objects: window.demo.city.objects, scheduled: window.demo.mode.scheduled }))
    assert.equal(small.objects, 1000, 'N changed to 1000')
    assert.equal(small.scheduled, true, 'kept the scheduler on')

    assert.deepEqual(errors, [], 'no console errors')
  } finally {
    await page.close()
  }
}
