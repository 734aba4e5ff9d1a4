// The GPU warm-up job in the built demo (headless Chromium, software WebGL),
// through the demo's warm-up bench (demo/warmupBench.ts, one round): a
// district (thousands of objects, new programs and textures) added between
// two frames with the job on is held invisible until its programs are
// compiled and its textures uploaded, then shown, and no render compiles a
// program (the batching job's new batches included: their programs are
// warmed before they open); with the job off the district is drawn at once
// and that first draw compiles its programs. Asserts behaviour; prints the
// bench's table (timings of both). Also prints whether loop.timings.gpuMs is
// measured here (EXT_disjoint_timer_query_webgl2).
import assert from 'node:assert/strict'
import { openPage } from './lib.mjs'

const PROGRAMS = 8

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
    assert.ok(await page.evaluate(() => window.demo.warmup !== null), 'the warm-up job is installed (gpuwarmup=1)')
    // The city batched and settled first: the district's batches are the only new ones.
    await page.waitForFunction(() => window.demo.mode.settled(), null, { timeout: 120_000, polling: 100 })

    const bench = await page.evaluate(async (programs) => {
      const r = await window.demo.runWarmupBench({ rounds: 1, programs, log: () => {} })
      return {
        table: r.table,
        rounds: r.rounds.map(({ frames, ...rest }) => ({ ...rest, frames: frames.map((f) => ({ frame: f.frame, visible: f.visible })) })),
      }
    }, PROGRAMS)
    for (const line of bench.table.split('\n')) console.log(`     ${line}`)
    const on = bench.rounds.find((r) => r.warmup)
    const off = bench.rounds.find((r) => !r.warmup)

    // With the job: held, then shown once ready; nothing compiled by a render.
    assert.ok(on.heldFrames >= 1, `held at least the frame after the add: ${on.heldFrames}`)
    assert.ok(on.frames.filter((f) => f.frame < on.firstDrawn).every((f) => !f.visible), 'hidden until ready')
    assert.ok(on.frames.filter((f) => f.frame >= on.firstDrawn).every((f) => f.visible), 'shown from then on')
    assert.ok(on.stats.programsCompiled + on.stats.compileErrors >= PROGRAMS, `every new program compiled: ${JSON.stringify(on.stats)}`)
    assert.equal(on.stats.compileErrors, 0, 'no compile failed')
    assert.ok(on.stats.texturesUploaded >= PROGRAMS, 'every new texture uploaded')
    assert.equal(on.programsInRender, 0, 'with the job no render compiles a program (the district\'s and its batches\')')
    assert.ok(on.batched > 0, `the district is batched within 60 frames of its first draw (${on.batched} meshes)`)
    console.log(
      `     job on: held ${on.heldFrames} frames, jobs max ${on.heldJobsMax.toFixed(1)} ms a frame while held (budget ${on.budgetMs}; ` +
        `the warm-up's own slices at most ${on.heldWarmupMax.toFixed(2)} ms a frame, its between-frames callbacks ${on.heldIdleMax.toFixed(1)} ms); ` +
        `first use ${on.stats.msPerFirstUse.toFixed(1)} ms (longest ${on.stats.maxFirstUseMs.toFixed(1)}); ` +
        `compileAsync sync part ${on.stats.msPerCompile.toFixed(2)} ms/call (longest ${on.stats.maxCompileMs.toFixed(1)}), ` +
        `${on.stats.programsCompiled} compiled (the district's and its batches'), ${on.stats.texturesUploaded} textures (${(on.stats.bytesUploaded / 2 ** 20).toFixed(1)} MiB)`,
    )

    // Without the job: drawn at once, and that first draw compiles its programs.
    assert.equal(off.heldFrames, 0, 'without the job the district is drawn in the frame after the add')
    assert.ok(off.programsInRender >= PROGRAMS, `the first draws compile the programs: ${off.programsInRender}`)
    assert.deepEqual(errors, [], 'no console errors')
  } finally {
    await page.close()
  }
}
