/**
 * The three-batch-scheduler demo: a procedural city with N objects (LOD
 * buildings, trees, cars driven by AI and physics), run either through the
 * scheduler (RenderLoop + built-in jobs) or the plain three.js way, with the
 * devtools panel open. See README.md for the URL parameters.
 */
import GUI from 'lil-gui'
import { PerspectiveCamera, WebGLRenderer } from 'three'
import { OrbitControls } from 'three/addons/controls/OrbitControls.js'
import { BatchScheduler } from '../src/index.js'
import { BatchingReadout, SchedulerPanel } from '../src/devtools/index.js'
import { runBenchmark } from './bench.js'
import { runWarmupBench, type WarmupBenchOptions } from './warmupBench.js'
import { FlyThrough } from './FlyThrough.js'
import { Hud } from './Hud.js'
import { type Mode, type ModeContext, PlainMode, ScheduledMode, type Timings } from './modes.js'
import { buildDistrict, type District, type DistrictOptions } from './district.js'
import { type DemoParams, readParams, SIZES, writeParams } from './params.js'
import { Traffic } from './traffic.js'
import { buildCity, createRandom } from './world.js'

const params: DemoParams = readParams(location.search)

const renderer = new WebGLRenderer({
  antialias: true,
  powerPreference: 'high-performance',
  preserveDrawingBuffer: params.shot,
})
renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2))
renderer.setSize(window.innerWidth, window.innerHeight)
document.body.appendChild(renderer.domElement)

const city = buildCity({ n: params.n, seed: params.seed })
const camera = new PerspectiveCamera(60, window.innerWidth / window.innerHeight, 0.5, city.radius * 3 + 400)
const center = city.radius
const fly = new FlyThrough(center, city.radius)
const controls = new OrbitControls(camera, renderer.domElement)
controls.target.set(center, 0, center)
controls.enableDamping = true

const state = {
  /** Position along the fly-through loop, 0..1. */
  t: 0.08,
  flying: params.autoplay,
}
if (params.autoplay) fly.apply(camera, state.t)
else {
  // A fixed, known view for screenshots and comparisons.
  camera.position.set(center - city.radius * 0.55, Math.max(40, city.radius * 0.35), center - city.radius * 0.55)
  camera.lookAt(center, 0, center)
  controls.target.set(center, 0, center)
}
controls.enabled = !state.flying
controls.addEventListener('start', () => {
  state.flying = false
  demoControls.flying = false
  gui.controllersRecursive().forEach((c) => c.updateDisplay())
})

const scheduler = new BatchScheduler({ budgetMs: 2.5 })
const traffic = new Traffic(city.cars, city.streets, createRandom(params.seed + 1), () => performance.now())
traffic.moving = params.autoplay

function update(deltaMs: number): void {
  if (state.flying) {
    state.t = (state.t + deltaMs / 1000 / fly.period) % 1
    fly.apply(camera, state.t)
  } else {
    controls.update(deltaMs / 1000)
  }
}

const ctx: ModeContext = { renderer, camera, city, scheduler, traffic, update, warmup: params.warmup, batching: params.batching }
let mode: Mode = params.scheduler ? new ScheduledMode(ctx) : new PlainMode(ctx)

/** What the panel shows as frame / update / jobs / render ms: the current mode's timings. */
const timingsSource = {
  get timings(): Timings {
    return mode.timings
  },
}

const gui = new GUI({ title: 'three-batch-scheduler demo', width: 320 })
const demoControls = {
  scheduler: params.scheduler,
  batching: params.batching,
  objects: params.n,
  flying: state.flying,
  cars: params.autoplay,
  seed: params.seed,
  warmup: params.warmup,
  addDistrict: () => void addDistrict(),
  removeDistricts: () => removeDistricts(),
  benchmark: () => {
    location.search = writeParams({ ...params, bench: true })
  },
}
const demoFolder = gui.addFolder('Demo')
demoFolder
  .add(demoControls, 'scheduler')
  .name('scheduler on')
  .onChange((on: boolean) => setScheduler(on))
demoFolder
  .add(demoControls, 'batching')
  .name('batching (scheduler)')
  .onChange((on: boolean) => setBatching(on))
demoFolder
  .add(demoControls, 'objects', [...SIZES])
  .name('objects (N)')
  .onFinishChange((n: number) => {
    location.search = writeParams({ ...params, n: Number(n), scheduler: demoControls.scheduler, batching: demoControls.batching })
  })
demoFolder
  .add(demoControls, 'flying')
  .name('fly-through')
  .onChange((on: boolean) => {
    state.flying = on
    controls.enabled = !on
  })
demoFolder
  .add(demoControls, 'cars')
  .name('cars moving')
  .onChange((on: boolean) => {
    traffic.moving = on
  })
demoFolder
  .add(demoControls, 'seed', 0, 999, 1)
  .onFinishChange((seed: number) => {
    location.search = writeParams({ ...params, seed, scheduler: demoControls.scheduler, batching: demoControls.batching })
  })
demoFolder.add(demoControls, 'benchmark').name('run benchmark (both modes)')
const gpuFolder = gui.addFolder('New content (GPU)')
gpuFolder
  .add(demoControls, 'warmup')
  .name('warm-up job')
  .onChange((on: boolean) => {
    ctx.warmup = on
    mode.setWarmup(on)
  })
gpuFolder.add(demoControls, 'addDistrict').name('add a district')
gpuFolder.add(demoControls, 'removeDistricts').name('remove districts')

/** The panel's view of the current mode's warm-up job (empty numbers without one). */
const NO_WARMUP = { pendingPrograms: 0, compiling: 0, pendingUploads: 0, bytesLastFrame: 0, held: 0, frameMs: 0, idleMs: 0 }
const warmupSource = {
  get stats() {
    return mode.warmup?.stats ?? NO_WARMUP
  },
}

/** The panel's view of the current mode's built-in jobs (rows show '—' in plain mode). */
const jobsSource = {
  get matrices() {
    return mode instanceof ScheduledMode ? mode.matrices : null
  },
  get culling() {
    return mode instanceof ScheduledMode ? mode.culling : null
  },
  get lods() {
    return mode instanceof ScheduledMode ? mode.lods : null
  },
}
const panel = params.panel
  ? new SchedulerPanel(scheduler, { gui, loop: timingsSource, warmup: warmupSource, jobs: jobsSource })
  : null
if (params.panel) new BatchingReadout(gui, scheduler, () => (mode instanceof ScheduledMode ? (mode.batching?.stats ?? null) : null))

const districts: District[] = []
/**
 * Adds a few thousand objects with new materials (each its own program) and
 * new textures, in view of the fixed camera: with the warm-up job they appear
 * once compiled and uploaded, without it the next frame does all that work.
 */
function addDistrict(options: Partial<DistrictOptions> = {}): District {
  const k = districts.length
  const district = buildDistrict({ x: center + (k % 2 === 0 ? 1 : -1) * 20 * k, z: center, ...options })
  districts.push(district)
  city.scene.add(district.group)
  return district
}

function removeDistricts(): void {
  for (const d of districts.splice(0)) d.dispose()
}
const hud = new Hud(document.body, params)

function setScheduler(on: boolean): void {
  if (on === mode.scheduled) return
  mode.dispose()
  mode = on ? new ScheduledMode(ctx) : new PlainMode(ctx)
  mode.start()
  history.replaceState(null, '', writeParams({ ...params, scheduler: on, batching: ctx.batching }))
  hud.setMode(on)
}

function setBatching(on: boolean): void {
  ctx.batching = on
  if (mode instanceof ScheduledMode) mode.setBatching(on)
  history.replaceState(null, '', writeParams({ ...params, scheduler: mode.scheduled, batching: on }))
}

window.addEventListener('resize', () => {
  camera.aspect = window.innerWidth / window.innerHeight
  camera.updateProjectionMatrix()
  renderer.setSize(window.innerWidth, window.innerHeight)
})

// The HUD reads the current mode's timings a few times a second (no loop of its own).
scheduler.addFrameListener(() => hud.sample(mode, city.objects))
hud.setMode(mode.scheduled)

/** For the console and the browser tests. */
const demo = {
  scene: city.scene,
  camera,
  renderer,
  scheduler,
  get loop() {
    return mode instanceof ScheduledMode ? mode.loop : null
  },
  get mode() {
    return mode
  },
  panel,
  gui,
  city,
  traffic,
  params,
  setScheduler,
  addDistrict,
  removeDistricts,
  get warmup() {
    return mode.warmup
  },
  setBatching,
  get batching() {
    return mode instanceof ScheduledMode ? mode.batching : null
  },
  benchResults: null as unknown,
  warmupBenchResults: null as unknown,
  /** The warm-up benchmark (`?warmupbench=1` runs it with `rounds`); the browser test runs one round. */
  runWarmupBench: (options: Partial<WarmupBenchOptions> = {}) =>
    runWarmupBench({
      scheduler,
      renderer,
      getMode: () => mode,
      addDistrict,
      removeDistricts,
      gl: renderer.getContext() as WebGL2RenderingContext,
      gpuTiming: () => (mode instanceof ScheduledMode ? mode.loop.gpuTiming : 'none'),
      n: params.n,
      rounds: params.benchRounds,
      ...options,
    }),
}
;(window as unknown as { demo: typeof demo }).demo = demo

if (params.bench) {
  void runBenchmark({
    ctx,
    params,
    fly,
    state,
    hud,
    getMode: () => mode,
    setMode: (next) => {
      mode = next
      hud.setMode(next.scheduled)
    },
  }).then((results) => {
    demo.benchResults = results
  })
} else {
  if (params.warmupBench && !mode.scheduled) setScheduler(true) // starts the new mode
  else mode.start()
  if (params.warmupBench) {
    // Once the city is batched and settled (or after 300 frames).
    let waited = 0
    const ready = (): void => {
      if (!mode.settled() && ++waited < 300) return
      scheduler.removeFrameListener(ready)
      setTimeout(() => void demo.runWarmupBench().then((results) => (demo.warmupBenchResults = results)), 0)
    }
    scheduler.addFrameListener(ready)
  }
}
