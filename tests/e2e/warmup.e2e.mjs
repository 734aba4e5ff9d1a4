// The GPU warm-up job in the built demo (headless Chromium, software WebGL):
// "add a district" (thousands of objects, new programs and textures) with the
// job on holds the district invisible until its programs are compiled and its
// textures uploaded, then shows it, while each frame's jobs stay near the
// budget; with the job off the district is drawn at once and that first draw
// does the compiling and uploading. Asserts behaviour (held, then shown; not
// held without the job); prints the timings of both. Also prints whether
// loop.timings.gpuMs is measured here (EXT_disjoint_timer_query_webgl2).
import assert from 'node:assert/strict'
import { openPage, waitFrames } from './lib.mjs'

const PROGRAMS = 8

/** In the page: records, per scheduler frame, the previous frame's timings and whether the district is visible. */
const RECORD = `(() => {
  const demo = window.demo
  const log = []
  window.__warmupLog = log
  window.__district = null
  demo.scheduler.addFrameListener(() => {
    const t = demo.mode.timings
    const g = window.__district
    log.push({
      frame: demo.scheduler.frame,
      prev: { frameMs: t.frameMs, jobsMs: t.jobsMs, renderMs: t.renderMs, gpuMs: t.gpuMs },
      usedMs: demo.scheduler.stats.last.usedMs,
      budget: demo.scheduler.budgetMs,
      visible: g === null ? null : g.visible,
      held: demo.warmup?.stats.held ?? 0,
    })
  })
})()`

async function addAndWatch(page, frames) {
  await page.evaluate((programs) => {
    window.__warmupLog.length = 0
    window.__district = window.demo.addDistrict({ programs }).group
    window.__addedAtFrame = window.demo.scheduler.frame
  }, PROGRAMS)
  await waitFrames(page, frames)
  return page.evaluate(() => ({ log: window.__warmupLog.slice(), addedAt: window.__addedAtFrame }))
}

/** Timings of frame f are recorded at frame f + 1. */
function timingsOf(log, frame) {
  return log.find((e) => e.frame === frame + 1)?.prev
}

const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : String(x))

export default async function warmupTest({ browser, demoUrl }) {
  const errors = []
  const page = await openPage(browser, `${demoUrl}/?n=1000&seed=3&autoplay=0&gpuwarmup=1`, errors)
  try {
    await page.waitForFunction(() => window.demo?.scheduler.frame >= 30, null, { timeout: 90_000 })
    const gpu = await page.evaluate(() => {
      const gl = window.demo.renderer.getContext()
      return {
        mode: window.demo.loop.gpuTiming,
        gpuMs: window.demo.loop.timings.gpuMs,
        extension: gl.getExtension('EXT_disjoint_timer_query_webgl2') !== null,
        parallelCompile: gl.getExtension('KHR_parallel_shader_compile') !== null,
      }
    })
    console.log(`     GPU timing here: ${JSON.stringify(gpu)}`)
    assert.equal(gpu.mode, gpu.extension ? 'webgl2' : 'none', 'gpuTiming follows the extension')
    assert.equal(Number.isFinite(gpu.gpuMs), gpu.extension, 'gpuMs finite exactly when the extension is exposed')

    await page.evaluate(RECORD)
    assert.ok(await page.evaluate(() => window.demo.warmup !== null), 'the warm-up job is installed (gpuwarmup=1)')

    // With the job: held, then shown once ready.
    const on = await addAndWatch(page, 12)
    await page.waitForFunction(() => window.__district.visible === true && window.demo.warmup.isIdle, null, { timeout: 90_000, polling: 50 })
    await waitFrames(page, 3) // the frames drawing it are recorded one frame later
    const onDone = await page.evaluate(() => ({ log: window.__warmupLog.slice(), stats: { ...window.demo.warmup.stats } }))
    const onLog = onDone.log
    const firstShown = onLog.find((e) => e.visible === true)
    assert.equal(onLog[0]?.visible, false, 'the district is held invisible in the frame after it was added')
    assert.ok(firstShown !== undefined, 'and shown once ready')
    assert.ok(onLog.filter((e) => e.frame < firstShown.frame).every((e) => e.visible === false), 'hidden until then')
    assert.ok(onDone.stats.programsCompiled + onDone.stats.compileErrors >= PROGRAMS, `every new program compiled: ${JSON.stringify(onDone.stats)}`)
    assert.ok(onDone.stats.texturesUploaded >= PROGRAMS, 'every new texture uploaded')
    const heldFrames = onLog.filter((e) => e.frame < firstShown.frame).map((e) => timingsOf(onLog, e.frame)).filter(Boolean)
    const drawOn = timingsOf(onLog, firstShown.frame)
    const drawOnNext = timingsOf(onLog, firstShown.frame + 1)
    const maxJobs = Math.max(...heldFrames.map((t) => t.jobsMs))
    const maxFrame = Math.max(...heldFrames.map((t) => t.frameMs))
    const budget = onLog[0].budget
    console.log(
      `     warm-up on: held ${firstShown.frame - on.addedAt} frames; while held: jobs max ${f2(maxJobs)} ms (budget ${f2(budget)}), ` +
        `frame CPU max ${f2(maxFrame)} ms; first frame drawing the district: render ${f2(drawOn?.renderMs)} ms, frame CPU ${f2(drawOn?.frameMs)} ms ` +
        `(the next frame: render ${f2(drawOnNext?.renderMs)} ms)`,
    )

    const s = onDone.stats
    console.log(
      `     warm-up job learned: compileAsync sync part ${f2(s.msPerCompile)} ms/call (longest ${f2(s.maxCompileMs)}), ` +
        `upload ${f2(s.msPerByte * 2 ** 20)} ms/MiB (longest ${f2(s.maxUploadMs)} ms); jobs' own ms per held frame: ` +
        `${onLog.filter((e) => e.frame < firstShown.frame).map((e) => f2(e.usedMs)).join(' ')}; ` +
        `compiled ${s.programsCompiled}, errors ${s.compileErrors}, uploaded ${s.texturesUploaded} (${(s.bytesUploaded / 2 ** 20).toFixed(1)} MiB)`,
    )
    // Without the job: drawn at once, and that frame does the compiles and uploads.
    await page.evaluate(() => window.demo.mode.setWarmup(false))
    await waitFrames(page, 5)
    const off = await addAndWatch(page, 6)
    const offLog = off.log
    assert.equal(offLog[0]?.visible, true, 'without the job the district is drawn at once')
    const drawOff = timingsOf(offLog, offLog[0].frame)
    const drawOffNext = timingsOf(offLog, offLog[0].frame + 1)
    const before = timingsOf(offLog, offLog[0].frame - 1) ?? timingsOf(onLog, onLog.at(-1).frame - 1)
    console.log(
      `     warm-up off: first frame drawing the district: render ${f2(drawOff?.renderMs)} ms, frame CPU ${f2(drawOff?.frameMs)} ms ` +
        `(the next frame: render ${f2(drawOffNext?.renderMs)} ms; with the job the first draw was ${f2(drawOn?.frameMs)} ms)`,
    )
    void before
    assert.deepEqual(errors, [], 'no console errors')
  } finally {
    await page.close()
  }
}
