// Fixture for panel.e2e.mjs: a small three.js scene whose animation loop runs
// scheduler.runFrame() then renderer.render(), systems doing synthetic
// busy-wait work, bursts of one-shot jobs, and the SchedulerPanel.
import * as THREE from 'three'
import { SchedulerPanel } from '../../../src/devtools/index.js'
import { BatchScheduler, BatchType, type Deadline } from '../../../src/index.js'

/** Spins for `ms` of wall time: stands in for real CPU work. */
function busy(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // spin
  }
}

const renderer = new THREE.WebGLRenderer({ antialias: false })
renderer.setPixelRatio(1)
renderer.setSize(window.innerWidth, window.innerHeight)
renderer.domElement.className = 'scene'
document.body.appendChild(renderer.domElement)

const scene = new THREE.Scene()
scene.background = new THREE.Color(0x202428)
const camera = new THREE.PerspectiveCamera(50, window.innerWidth / window.innerHeight, 0.1, 200)
camera.position.set(0, 14, 34)
camera.lookAt(0, 0, 0)
scene.add(new THREE.HemisphereLight(0xffffff, 0x404050, 2.5))
const geometry = new THREE.BoxGeometry(0.8, 0.8, 0.8)
const meshes: THREE.Mesh[] = []
const COUNT = 400
for (let i = 0; i < COUNT; i++) {
  const material = new THREE.MeshLambertMaterial({ color: new THREE.Color().setHSL(i / COUNT, 0.6, 0.55) })
  const mesh = new THREE.Mesh(geometry, material)
  mesh.position.set((i % 20) * 1.5 - 14.25, 0, Math.floor(i / 20) * 1.5 - 14.25)
  scene.add(mesh)
  meshes.push(mesh)
}

const scheduler = new BatchScheduler({ budgetMs: 2.5 })

// Transform: real work on the meshes, cheap.
let spin = 0
scheduler.addSystem(
  BatchType.Transform,
  () => {
    spin += 0.02
    for (let i = 0; i < meshes.length; i++) {
      const mesh = meshes[i] as THREE.Mesh
      mesh.rotation.y = spin + i * 0.05
      mesh.position.y = Math.sin(spin + i * 0.3) * 0.4
    }
  },
  { name: 'spin', weight: 0.05 },
)
scheduler.addSystem(BatchType.Physics, () => busy(0.6), { name: 'physics', weight: 0.25 })
scheduler.addSystem(BatchType.LOD, () => busy(0.4), { name: 'lod', weight: 0.15, interval: 2 })
// AI: a sliced sweep over agents that yields when the budget is spent.
let agentCursor = 0
scheduler.addSystem(
  BatchType.AI,
  (deadline: Deadline) => {
    for (let n = 0; n < 40; n++) {
      if (deadline.shouldYield()) return true
      busy(0.03)
      agentCursor = (agentCursor + 1) % 5000
    }
    return false
  },
  { name: 'agents', weight: 0.4, sliced: true },
)

// Bursts of one-shot work so queues fill and drain: visibility and AI jobs.
let frameCount = 0
function enqueueBursts(): void {
  frameCount++
  if (frameCount % 45 === 0) {
    for (let i = 0; i < 30; i++) scheduler.enqueue(BatchType.Visibility, () => busy(0.05), { name: 'cull', weight: 0.02 })
  }
  if (frameCount % 90 === 10) {
    for (let i = 0; i < 60; i++) scheduler.enqueue(BatchType.AI, () => busy(0.08), { name: 'plan', weight: 0.04 })
  }
  if (frameCount % 120 === 60) scheduler.enqueue(BatchType.Physics, () => busy(4), { name: 'rebuild', weight: 1 })
}

// The loop's timings, shaped like RenderLoop.timings.
const loop = { timings: { deltaMs: 0, updateMs: 0, jobsMs: 0, renderMs: 0, frameMs: 0 } }

// Overlay cost: a listener before and one after the panel's time it.
const overlay = { totalMs: 0, frames: 0, maxMs: 0, samples: new Float64Array(4096), reset() {
  this.totalMs = 0
  this.frames = 0
  this.maxMs = 0
} }
let overlayStart = 0
scheduler.addFrameListener(() => {
  overlayStart = performance.now()
})
const params = new URLSearchParams(location.search)
const panel = new SchedulerPanel(scheduler, { loop, title: 'Batch scheduler', stats: params.get('stats') !== '0' })
scheduler.addFrameListener(() => {
  const ms = performance.now() - overlayStart
  overlay.samples[overlay.frames % overlay.samples.length] = ms
  overlay.totalMs += ms
  overlay.frames++
  if (ms > overlay.maxMs) overlay.maxMs = ms
})

let last = performance.now()
renderer.setAnimationLoop(() => {
  const t0 = performance.now()
  enqueueBursts()
  scheduler.runFrame()
  const t1 = performance.now()
  camera.position.x = Math.sin(t0 / 4000) * 6
  camera.lookAt(0, 0, 0)
  const t2 = performance.now()
  renderer.render(scene, camera)
  const t3 = performance.now()
  const timings = loop.timings
  timings.deltaMs = t0 - last
  timings.jobsMs = t1 - t0
  timings.updateMs = t2 - t1
  timings.renderMs = t3 - t2
  timings.frameMs = t3 - t0
  last = t0
})

declare global {
  interface Window {
    __e2e: { scheduler: BatchScheduler; panel: SchedulerPanel; overlay: typeof overlay; agentCursor: () => number }
  }
}
window.__e2e = { scheduler, panel, overlay, agentCursor: () => agentCursor }
