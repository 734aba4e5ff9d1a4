/**
 * Batching: the renderer's CPU per frame before its draw calls, and the draw
 * calls it then makes, plain three.js vs the built-in jobs with
 * StaticBatchingJob, at N = 10k and 100k.
 *
 * The scene is the scaling section's (N objects in nested groups, a quarter of
 * them THREE.LOD with three levels, 1 % movers that move every frame, kept in
 * a 'traffic' group of their own as a city keeps its vehicles), with
 * six Lambert materials that differ only in colour. No WebGL: the renderer's
 * work before drawing is reproduced as in `WebGLRenderer.render` (three 0.187,
 * `projectObject`: matrix update when auto, `scene.onBeforeRender`, the walk
 * with LOD updates, layers and frustum tests; `scene.onAfterRender`), plus,
 * with batching, each batch's `onBeforeRender` (its per-instance culling,
 * `BatchedMesh._updateDrawParameters`). Draw calls are the walk's render-list
 * entries: on a real GPU each costs ~2.5–4 µs of CPU more (README), which
 * this section does not add.
 *
 * - plain: that work, every frame, for everything; draws = meshes in view.
 * - batching: `scheduler.runFrame()` (MatrixSyncJob, LODJob, StaticBatchingJob
 *   under a 2.5 ms budget), then the walk (batched meshes are skipped by their
 *   layers test while the scene renders) and the batches' own culling.
 *
 * Also reported: the frames the job takes to batch the scene from scratch
 * (camera moving), and the jobs' p99 / max ms per frame meanwhile (target:
 * p99 ≤ budget + 0.5 ms).
 */
import {
  BatchedMesh,
  Color,
  MeshLambertMaterial,
  type Object3D,
  PerspectiveCamera,
  Scene,
} from 'three'
import { BatchScheduler } from '../src/index.js'
import { FrustumCullingJob, LODJob, MatrixSyncJob, StaticBatchingJob } from '../src/jobs/index.js'
import { percentileOf, Random } from './lib.js'
import { buildWorld as buildCity, moveCamera, moveSome as moveWorld, projectVisible, renderWalk as walkScene, type World } from './scaling.js'

/**
 * How the batches are culled: by themselves (`perObjectFrustumCulled`, no
 * culling job), by a culling job driving the instances with the batches'
 * test off (`rendererTest: false`), or by both (installBatchJobs' default:
 * the culling job drives, the batches test exactly what it shows).
 */
export type CullVariant = 'batches alone' | 'culling job, no batch test' | 'culling job + batch test (default)'
export const CULL_VARIANTS: readonly CullVariant[] = ['batches alone', 'culling job, no batch test', 'culling job + batch test (default)']

export interface BatchingRow {
  n: number
  variant: CullVariant
  frames: number
  budgetMs: number
  plain: { meanMs: number; p99Ms: number; draws: number }
  batching: {
    /** Jobs ms (budgeted). */
    jobs: { mean: number; p99: number; max: number }
    /** The renderer's walk, then the batches' per-instance culling. */
    walkMs: number
    batchPrepMs: number
    /** Jobs + walk + batch culling, per frame. */
    total: { mean: number; p99: number }
    draws: number
    /** Instances the batches draw per frame (their multi-draw entries), against plain's meshes drawn. */
    instancesDrawn: number
    batches: number
    batched: number
    /** Subtrees kept out of the render walk (StaticBatchingJob's pruneRender). */
    prunedRoots: number
    /** Matrix-texture bytes the batches flag for upload per frame (whole textures: what WebGL then re-sends), KB. */
    matrixUploadKB: number
  }
  build: { frames: number; jobsP99: number; jobsMax: number }
}

const BUDGET_MS = 2.5
const _fakeRenderer = { isWebGPURenderer: false }

/** The scaling section's city, with six materials that differ only in colour (one batch each way). */
function buildWorld(n: number, random: Random): World {
  const materials = [0xd8c3a5, 0xb4a58c, 0x9fa8b3, 0xc9b79c, 0x8e9aa6, 0xe0d6c8].map((c) => new MeshLambertMaterial({ color: new Color(c) }))
  // The movers in a group of their own, as a city keeps its vehicles (and as the demo does).
  return buildCity(n, random, true, (i) => materials[i % materials.length] as MeshLambertMaterial)
}


type Hook = (...args: unknown[]) => void

/** `WebGLRenderer.render` up to its draw calls (the scaling section's walk, then the batches' own culling): returns the render-list entries (draw calls). */
function renderWalk(scene: Scene, camera: PerspectiveCamera, batches: BatchedMesh[] | null): number {
  const drawn = walkScene(scene, camera)
  if (batches !== null) for (const batch of batches) batch.onBeforeRender(_fakeRenderer as never, scene, camera, batch.geometry, batch.material as never, null as never)
  ;(scene.onAfterRender as unknown as Hook).call(scene, _fakeRenderer, scene, camera, null)
  return drawn
}


const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length)
const p99 = (v: number[]): number => percentileOf([...v].sort((a, b) => a - b), 99)

function runPlain(n: number, frames: number, warmup: number): BatchingRow['plain'] {
  const random = new Random(n)
  const world = buildWorld(n, random)
  const ms: number[] = []
  const draws: number[] = []
  for (let f = 0; f < warmup + frames; f++) {
    moveWorld(world, random, 'movers', null)
    moveCamera(world, f)
    const t0 = performance.now()
    const d = renderWalk(world.scene, world.camera, null)
    const t = performance.now() - t0
    if (f >= warmup) {
      ms.push(t)
      draws.push(d)
    }
  }
  return { meanMs: mean(ms), p99Ms: p99(ms), draws: mean(draws) }
}

function runWithBatching(n: number, frames: number, warmup: number, variant: CullVariant): Omit<BatchingRow, 'n' | 'variant' | 'frames' | 'budgetMs' | 'plain'> {
  const random = new Random(n)
  const world = buildWorld(n, random)
  const scheduler = new BatchScheduler({ budgetMs: BUDGET_MS })
  const matrices = new MatrixSyncJob(scheduler, world.scene)
  const lods = new LODJob(scheduler, world.camera, { root: world.scene })
  const culling = variant === 'batches alone' ? null : new FrustumCullingJob(scheduler, world.camera, world.scene, { rendererTest: variant !== 'culling job, no batch test' })
  const batching = new StaticBatchingJob(scheduler, world.scene, { culling, lods })
  const batchesOf = (): BatchedMesh[] => world.scene.children.filter((c): c is BatchedMesh => (c as BatchedMesh).isBatchedMesh === true)
  const mark = (o: Object3D): void => matrices.markDirty(o)
  // The build: frames until nothing is pending, the camera moving.
  const buildJobs: number[] = []
  let f = 0
  for (; f < 100_000 && !(batching.isIdle && f > 0); f++) {
    moveWorld(world, random, 'movers', mark)
    moveCamera(world, f)
    const t0 = performance.now()
    scheduler.runFrame()
    buildJobs.push(performance.now() - t0)
    renderWalk(world.scene, world.camera, batchesOf())
  }
  const buildFrames = f
  // Then until the render-pruning pass found its roots (it starts once nothing is left to build).
  for (let settle = 0; settle < 1000 && batching.stats.prunedRoots === 0; settle++, f++) {
    moveWorld(world, random, 'movers', mark)
    moveCamera(world, f)
    scheduler.runFrame()
    renderWalk(world.scene, world.camera, batchesOf())
  }
  const jobs: number[] = []
  const walk: number[] = []
  const prep: number[] = []
  const total: number[] = []
  const draws: number[] = []
  const drawnInstances: number[] = []
  const uploadKB: number[] = []
  const versions = new Map<BatchedMesh, number>()
  let batches = batchesOf()
  for (let i = 0; i < warmup + frames; i++, f++) {
    moveWorld(world, random, 'movers', mark)
    moveCamera(world, f)
    const t0 = performance.now()
    scheduler.runFrame()
    const t1 = performance.now()
    if (batches.length !== batching.stats.batches) batches = batchesOf()
    if (world.scene.matrixWorldAutoUpdate) world.scene.updateMatrixWorld()
    ;(world.scene.onBeforeRender as unknown as Hook).call(world.scene, _fakeRenderer, world.scene, world.camera, null)
    const d = projectVisible(world.scene, world.camera)
    const t2 = performance.now()
    for (const batch of batches) batch.onBeforeRender(_fakeRenderer as never, world.scene, world.camera, batch.geometry, batch.material as never, null as never)
    ;(world.scene.onAfterRender as unknown as Hook).call(world.scene, _fakeRenderer, world.scene, world.camera, null)
    const t3 = performance.now()
    if (i >= warmup) {
      let drawn = 0
      for (const batch of batches) drawn += (batch as unknown as { _multiDrawCount: number })._multiDrawCount
      drawnInstances.push(drawn)
      let bytes = 0
      for (const batch of batches) {
        const texture = (batch as unknown as { _matricesTexture: { version: number; image: { data: Float32Array } } })._matricesTexture
        if (versions.get(batch) !== texture.version) bytes += texture.image.data.byteLength
        versions.set(batch, texture.version)
      }
      uploadKB.push(bytes / 1024)
      jobs.push(t1 - t0)
      walk.push(t2 - t1)
      prep.push(t3 - t2)
      total.push(t3 - t0)
      draws.push(d)
    }
  }
  const row = {
    batching: {
      jobs: { mean: mean(jobs), p99: p99(jobs), max: Math.max(...jobs) },
      walkMs: mean(walk),
      batchPrepMs: mean(prep),
      total: { mean: mean(total), p99: p99(total) },
      draws: mean(draws),
      instancesDrawn: mean(drawnInstances),
      batches: batching.stats.batches,
      batched: batching.stats.batchedObjects,
      prunedRoots: batching.stats.prunedRoots,
      matrixUploadKB: mean(uploadKB),
    },
    build: { frames: buildFrames, jobsP99: p99(buildJobs), jobsMax: Math.max(...buildJobs) },
  }
  batching.dispose()
  culling?.dispose()
  lods.dispose()
  matrices.dispose()
  scheduler.dispose()
  return row
}

export function runBatching(sizes: readonly number[] = [10_000, 100_000], frames = 200, warmup = 50): BatchingRow[] {
  return sizes.flatMap((n) => {
    const plain = runPlain(n, frames, warmup)
    return CULL_VARIANTS.map((variant) => ({ n, variant, frames, budgetMs: BUDGET_MS, plain, ...runWithBatching(n, frames, warmup, variant) }))
  })
}

const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '—')

export function batchingTable(rows: BatchingRow[]): string {
  return [
    '| N | plain: renderer CPU mean / p99 (ms) | plain draw calls | batches culled by | batching: jobs mean / p99 / max | walk | batch culling | total mean / p99 | draw calls | instances drawn | batches | pruned roots | matrix upload KB/frame | build frames | build jobs p99 / max |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => {
      const b = r.batching
      return (
        `| ${r.n} | ${f2(r.plain.meanMs)} / ${f2(r.plain.p99Ms)} | ${Math.round(r.plain.draws)} | ${r.variant} | ${f2(b.jobs.mean)} / ${f2(b.jobs.p99)} / ${f2(b.jobs.max)} | ` +
        `${f2(b.walkMs)} | ${f2(b.batchPrepMs)} | ${f2(b.total.mean)} / ${f2(b.total.p99)} | ${Math.round(b.draws)} | ${Math.round(b.instancesDrawn)} | ${b.batches} | ${b.prunedRoots} | ${Math.round(b.matrixUploadKB)} | ${r.build.frames} | ${f2(r.build.jobsP99)} / ${f2(r.build.jobsMax)} |`
      )
    }),
    '',
    `Budget ${f2(rows[0]?.budgetMs ?? BUDGET_MS)} ms. Draw calls: render-list entries (batches count one each); a real GPU adds ~2.5–4 µs of CPU per draw call on top.`,
  ].join('\n')
}
