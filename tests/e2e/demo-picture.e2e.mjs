// Same picture either way: with the camera and cars held still (autoplay=0),
// once the sweeps have caught up, a frame with the scheduler on must look the
// same as the plain three.js frame (same objects drawn, same LOD levels, same
// transforms), also after a quarter of the buildings were moved without a mark.
// Compares the two screenshots' pixels; saves both.
import assert from 'node:assert/strict'
import path from 'node:path'
import { colourCount, comparePngs, guiSet, openPage, sceneShot, waitFrames } from './lib.mjs'

export default async function samePictureTest({ browser, demoUrl, artifactsDir }) {
  const errors = []
  const page = await openPage(browser, `${demoUrl}/?n=10000&autoplay=0&seed=5&shot=1`, errors)
  try {
    await page.waitForFunction(() => window.demo?.mode.scheduled && window.demo.mode.settled(), null, { timeout: 180_000, polling: 200 })
    const state = await page.evaluate(() => ({
      hidden: window.demo.mode.hidden,
      frame: window.demo.scheduler.frame,
      laps: window.demo.mode.lods.laps,
      sweeps: window.demo.mode.culling.stats.sweeps,
    }))
    console.log(`     scheduler on, settled: ${JSON.stringify(state)}`)
    assert.ok(state.hidden > 0, 'the culling job hides what is out of view')
    // Unmarked movers: the page moves every fourth building the way apps do (position and
    // rotation written, no markDirty; nothing else in the demo moves buildings); the matrix
    // job must find them (detect: 'auto'), and the culling, LOD and batching jobs follow.
    const moved = await page.evaluate(() => {
      const lods = window.demo.city.lods
      let n = 0
      for (let i = 0; i < lods.length; i += 4) {
        lods[i].position.x += 2
        lods[i].position.z -= 1.5
        lods[i].rotation.y += 0.3
        n++
      }
      return n
    })
    // detectFrames (4) to find them, then a full culling sweep and LOD lap with them in place.
    await waitFrames(page, 40)
    await page.waitForFunction(() => window.demo.mode.settled(), null, { timeout: 60_000, polling: 200 })
    const detected = await page.evaluate(() => window.demo.mode.matrices.stats.detectedTotal)
    console.log(`     moved ${moved} buildings without marks; the matrix job found ${detected} moves`)
    assert.ok(detected >= moved, 'every unmarked move was found')
    const on = await sceneShot(page, path.join(artifactsDir, 'picture-on.png'))

    await guiSet(page, 'scheduler on')
    await waitFrames(page, 4)
    assert.equal(await page.evaluate(() => window.demo.mode.scheduled), false, 'plain mode')
    const off = await sceneShot(page, path.join(artifactsDir, 'picture-off.png'))

    assert.ok((await colourCount(page, on)) > 20, 'the picture is not blank')
    const diff = await comparePngs(page, on, off)
    console.log(`     pixels differing: ${diff.differing} of ${diff.total} (${(diff.fraction * 100).toFixed(3)} %)`)
    assert.ok(diff.fraction < 0.001, `scheduler on and off draw the same picture (${(diff.fraction * 100).toFixed(3)} % differ)`)
    assert.deepEqual(errors, [], 'no console errors')
  } finally {
    await page.close()
  }
}
