// Fixture for adoption.e2e.mjs: small pages written the way three.js apps are
// (an AnimationMixer driving a group, a rotated group of 1,000 children,
// lookAt cameras with CameraHelpers in two viewports through WebGPURenderer,
// an LOD fly-through), adopted exactly as README.md says: RenderLoop +
// installBatchJobs + SchedulerPanel, and no other call into the library (no
// markDirty). Before every render (after the jobs), each object's world
// matrix is compared with one computed independently from the local
// transforms; window.__adoption reports the longest run of wrong renders.
import GUI from 'lil-gui'
import * as THREE from 'three'
import { WebGPURenderer } from 'three/webgpu'
import { SchedulerPanel } from '../../../src/devtools/index.js'
import { BatchScheduler } from '../../../src/index.js'
import { installBatchJobs } from '../../../src/jobs/index.js'
import { RenderLoop } from '../../../src/three/index.js'
import { mulberry32 } from '../../utils/mulberry32.js'

const query = new URLSearchParams(location.search)
const example = query.get('example') ?? 'mixer'
/** `detect=manual` runs the same page with today's opt-in marking, to show that the check catches frozen objects. */
const detect = query.get('detect') === 'manual' ? 'manual' : 'auto'
const width = window.innerWidth
const height = window.innerHeight

// ---- the checker -----------------------------------------------------------

/** Per object: renders in a row in which its drawn world matrix was wrong. */
const streaks = new Map<THREE.Object3D, number>()
const report = { example, renders: 0, checked: 0, maxStreak: 0, worst: '', wrongNow: 0, frozen: [] as string[], ready: false, error: '' }
;(window as unknown as { __adoption: typeof report }).__adoption = report

const _local = new THREE.Matrix4()
const memo = new Map<THREE.Object3D, THREE.Matrix4>()
const owners = new Map<THREE.Matrix4, THREE.Object3D>()

/** The world matrix from local transforms alone (never from a stored matrixWorld), following borrowed matrices to their owner. */
function expected(object: THREE.Object3D): THREE.Matrix4 {
  const known = memo.get(object)
  if (known !== undefined) return known
  const out = new THREE.Matrix4()
  memo.set(object, out)
  const owner = owners.get(object.matrix)
  if (object.matrixAutoUpdate) _local.compose(object.position, object.quaternion, object.scale)
  else if (owner !== undefined && owner !== object) _local.copy(expected(owner))
  else _local.copy(object.matrix)
  if (object.parent === null) out.copy(_local)
  else {
    const local = _local.clone()
    out.multiplyMatrices(expected(object.parent), local)
  }
  return out
}

function close(a: THREE.Matrix4, b: THREE.Matrix4): boolean {
  for (let i = 0; i < 16; i++) {
    const x = a.elements[i] as number
    const y = b.elements[i] as number
    if (Math.abs(x - y) > 1e-5 * (1 + Math.abs(y))) return false
  }
  return true
}

/** Checks every drawable object of `scene` (and the cameras in `extra`) as it is about to be drawn. */
function check(scene: THREE.Scene, extra: THREE.Object3D[] = []): void {
  memo.clear()
  owners.clear()
  const all: THREE.Object3D[] = []
  scene.traverse((o) => all.push(o))
  for (const o of [...all, ...extra]) owners.set(o.matrixWorld, o)
  let wrong = 0
  for (const o of all) {
    if (!o.matrixWorldAutoUpdate) continue
    // What is drawn: visible all the way up (a hidden LOD level or culled object is not drawn).
    let drawn = true
    for (let p: THREE.Object3D | null = o; p !== null; p = p.parent) if (!p.visible) drawn = false
    const ok = !drawn || close(o.matrixWorld, expected(o))
    const streak = ok ? 0 : (streaks.get(o) ?? 0) + 1
    streaks.set(o, streak)
    if (!ok) wrong++
    if (streak > report.maxStreak) {
      report.maxStreak = streak
      report.worst = `${o.name || o.type}`
    }
  }
  report.checked = all.length
  report.wrongNow = wrong
  report.renders++
}

// ---- the examples ----------------------------------------------------------

interface Example {
  renderer: THREE.WebGLRenderer | WebGPURenderer
  scene: THREE.Scene
  camera: THREE.PerspectiveCamera
  update: (deltaMs: number) => void
  render?: () => void
  extra?: THREE.Object3D[]
}

function webgl(): THREE.WebGLRenderer {
  const renderer = new THREE.WebGLRenderer({ antialias: false })
  renderer.setPixelRatio(1)
  renderer.setSize(width, height)
  document.body.appendChild(renderer.domElement)
  return renderer
}

function lights(scene: THREE.Scene): void {
  scene.add(new THREE.HemisphereLight(0xffffff, 0x444466, 2))
  const sun = new THREE.DirectionalLight(0xffffff, 1.5)
  sun.position.set(5, 10, 7)
  scene.add(sun)
}

/** An AnimationMixer animating 25 meshes of a group (position and rotation tracks). */
function mixerExample(): Example {
  const renderer = webgl()
  const scene = new THREE.Scene()
  scene.background = new THREE.Color(0x202428)
  lights(scene)
  const camera = new THREE.PerspectiveCamera(50, width / height, 0.1, 100)
  camera.position.set(0, 8, 16)
  camera.lookAt(0, 0, 0)
  const group = new THREE.Group()
  group.name = 'animated-group'
  const geometry = new THREE.BoxGeometry(0.6, 0.6, 0.6)
  const tracks: THREE.KeyframeTrack[] = []
  for (let i = 0; i < 25; i++) {
    const mesh = new THREE.Mesh(geometry, new THREE.MeshStandardMaterial({ color: new THREE.Color().setHSL(i / 25, 0.6, 0.5) }))
    mesh.name = `box${i}`
    const x = (i % 5) * 1.5 - 3
    const z = Math.floor(i / 5) * 1.5 - 3
    mesh.position.set(x, 0, z)
    group.add(mesh)
    tracks.push(new THREE.VectorKeyframeTrack(`box${i}.position`, [0, 1, 2], [x, 0, z, x, 1 + (i % 3), z, x, 0, z]))
    const q0 = new THREE.Quaternion()
    const q1 = new THREE.Quaternion().setFromAxisAngle(new THREE.Vector3(0, 1, 0), Math.PI)
    tracks.push(new THREE.QuaternionKeyframeTrack(`box${i}.quaternion`, [0, 2], [...q0.toArray(), ...q1.toArray()]))
  }
  scene.add(group)
  const mixer = new THREE.AnimationMixer(group)
  mixer.clipAction(new THREE.AnimationClip('bounce', 2, tracks)).play()
  return { renderer, scene, camera, update: (deltaMs) => mixer.update(deltaMs / 1000) }
}

/** A group of 1,000 cubes rotated every frame (and a few children moved on their own). */
function groupExample(): Example {
  const renderer = webgl()
  const scene = new THREE.Scene()
  scene.background = new THREE.Color(0x101418)
  lights(scene)
  const camera = new THREE.PerspectiveCamera(60, width / height, 1, 400)
  camera.position.set(0, 0, 120)
  const group = new THREE.Group()
  group.name = 'rotated-group'
  const geometry = new THREE.BoxGeometry(2, 2, 2)
  const material = new THREE.MeshNormalMaterial()
  const random = mulberry32(5)
  const kids: THREE.Mesh[] = []
  for (let i = 0; i < 1000; i++) {
    const mesh = new THREE.Mesh(geometry, material)
    mesh.name = `cube${i}`
    mesh.position.set(random() * 160 - 80, random() * 160 - 80, random() * 160 - 80)
    mesh.rotation.set(random() * Math.PI, random() * Math.PI, 0)
    mesh.matrixAutoUpdate = i % 2 === 0 // half of them static-matrix, as three's performance example does
    mesh.updateMatrix()
    group.add(mesh)
    kids.push(mesh)
  }
  scene.add(group)
  let t = 0
  return {
    renderer,
    scene,
    camera,
    update: (deltaMs) => {
      t += deltaMs / 1000
      group.rotation.x = Math.sin(t * 0.7) * 0.5
      group.rotation.y = t * 0.4
      // A few cubes spin on their own (auto-updated ones).
      for (let i = 0; i < 40; i += 2) (kids[i] as THREE.Mesh).rotation.z = t * (1 + i / 40)
    },
  }
}

/** Two lookAt cameras on a rig with CameraHelpers, drawn in two viewports through WebGPURenderer. */
function camerasExample(): Example {
  const renderer = new WebGPURenderer({ antialias: false, forceWebGL: false })
  renderer.setPixelRatio(1)
  renderer.setSize(width, height)
  renderer.setScissorTest(true)
  document.body.appendChild(renderer.domElement)
  const aspect = width / 2 / height
  const scene = new THREE.Scene()
  scene.background = new THREE.Color(0x101010)
  lights(scene)
  const overview = new THREE.PerspectiveCamera(50, aspect, 1, 10000)
  overview.position.z = 2500
  const perspective = new THREE.PerspectiveCamera(50, aspect, 150, 1000)
  perspective.name = 'perspective'
  const helperP = new THREE.CameraHelper(perspective)
  helperP.name = 'helper-perspective'
  scene.add(helperP)
  const ortho = new THREE.OrthographicCamera(-300 * aspect, 300 * aspect, 300, -300, 150, 1000)
  ortho.name = 'ortho'
  const helperO = new THREE.CameraHelper(ortho)
  helperO.name = 'helper-ortho'
  scene.add(helperO)
  const rig = new THREE.Group()
  rig.name = 'rig'
  rig.add(perspective, ortho)
  scene.add(rig)
  const sphere = new THREE.Mesh(new THREE.SphereGeometry(100, 16, 8), new THREE.MeshBasicMaterial({ color: 0xffffff, wireframe: true }))
  sphere.name = 'sphere'
  scene.add(sphere)
  const moon = new THREE.Mesh(new THREE.SphereGeometry(50, 16, 8), new THREE.MeshBasicMaterial({ color: 0x00ff00, wireframe: true }))
  moon.name = 'moon'
  moon.position.y = 150
  sphere.add(moon)
  const random = mulberry32(9)
  const stars = new THREE.BufferGeometry()
  const points: number[] = []
  for (let i = 0; i < 2000; i++) points.push(random() * 4000 - 2000, random() * 4000 - 2000, random() * 4000 - 2000)
  stars.setAttribute('position', new THREE.Float32BufferAttribute(points, 3))
  scene.add(new THREE.Points(stars, new THREE.PointsMaterial({ color: 0x888888 })))
  let t = 0
  let active: THREE.Camera = perspective
  return {
    renderer,
    scene,
    camera: overview,
    extra: [overview],
    update: (deltaMs) => {
      t += deltaMs / 1000
      sphere.position.set(700 * Math.cos(t), 700 * Math.sin(t), 700 * Math.sin(t))
      moon.position.set(70 * Math.cos(2 * t), 150, 70 * Math.sin(t))
      perspective.fov = 35 + 30 * Math.sin(0.5 * t)
      perspective.far = sphere.position.length()
      perspective.updateProjectionMatrix()
      helperP.update()
      helperO.update()
      active = Math.floor(t / 3) % 2 === 0 ? perspective : ortho
      rig.lookAt(sphere.position)
    },
    render: () => {
      // As three's camera example: the active camera's helper is hidden in its own view.
      const r = renderer
      const activeHelper = active === perspective ? helperP : helperO
      helperP.visible = false
      helperO.visible = false
      r.setClearColor(0x000000)
      r.setScissor(0, 0, width / 2, height)
      r.setViewport(0, 0, width / 2, height)
      r.render(scene, active)
      activeHelper.visible = true
      r.setClearColor(0x111111)
      r.setScissor(width / 2, 0, width / 2, height)
      r.setViewport(width / 2, 0, width / 2, height)
      r.render(scene, overview)
    },
  }
}

/** An LOD fly-through: 400 three-level LODs, a camera flying a loop, some LODs bobbing (unmarked). */
function lodExample(): Example {
  const renderer = webgl()
  const scene = new THREE.Scene()
  scene.background = new THREE.Color(0x87a8c8)
  scene.fog = new THREE.Fog(0x87a8c8, 100, 700)
  lights(scene)
  const camera = new THREE.PerspectiveCamera(60, width / height, 1, 800)
  const levels = [
    new THREE.IcosahedronGeometry(5, 4),
    new THREE.IcosahedronGeometry(5, 2),
    new THREE.IcosahedronGeometry(5, 0),
  ]
  const random = mulberry32(3)
  const bobbing: THREE.LOD[] = []
  const blocks: THREE.Group[] = []
  for (let b = 0; b < 16; b++) {
    const block = new THREE.Group()
    block.name = `block${b}`
    block.position.set((b % 4) * 200 - 300, 0, Math.floor(b / 4) * 200 - 300)
    scene.add(block)
    blocks.push(block)
  }
  for (let i = 0; i < 400; i++) {
    const lod = new THREE.LOD()
    lod.name = `lod${i}`
    const material = new THREE.MeshLambertMaterial({ color: new THREE.Color().setHSL(random(), 0.5, 0.5) })
    levels.forEach((geometry, level) => {
      const mesh = new THREE.Mesh(geometry, material)
      mesh.name = `lod${i}-level${level}`
      lod.addLevel(mesh, level * 120)
    })
    lod.position.set(random() * 180 - 90, random() * 20, random() * 180 - 90)
    ;(blocks[i % 16] as THREE.Group).add(lod)
    if (i % 10 === 0) bobbing.push(lod)
  }
  let t = 0
  return {
    renderer,
    scene,
    camera,
    update: (deltaMs) => {
      t += deltaMs / 1000
      const a = t * 0.15
      camera.position.set(Math.cos(a) * 350, 60 + Math.sin(a * 2) * 30, Math.sin(a) * 350)
      camera.lookAt(Math.cos(a + 0.6) * 200, 0, Math.sin(a + 0.6) * 200)
      bobbing.forEach((lod, k) => (lod.position.y = 10 + Math.sin(t * 2 + k) * 8))
    },
  }
}

// ---- adoption, as README.md says --------------------------------------------

const make = { mixer: mixerExample, group: groupExample, cameras: camerasExample, lod: lodExample }[example]
if (make === undefined) throw new Error(`adoption: unknown example ${example}`)
const app = make()
const { renderer, scene, camera } = app
const draw = app.render ?? (() => renderer.render(scene, camera))

const scheduler = new BatchScheduler()
const loop = new RenderLoop(renderer, scheduler, {
  scene,
  camera,
  update: app.update,
  render: () => {
    // After the jobs, before the draw: what is about to be drawn must be right.
    try {
      check(scene, app.extra)
    } catch (error) {
      report.error = String(error)
    }
    draw()
  },
})
// `jobs=0`: RenderLoop alone (plain three.js underneath), to compare pictures by eye.
const jobs = query.get('jobs') === '0' ? null : installBatchJobs(scheduler, detect === 'auto' ? { scene, camera } : { scene, camera, matrices: { detect } })
new SchedulerPanel(scheduler, { loop, gui: new GUI({ title: `adoption: ${example}` }), ...(jobs !== null ? { jobs } : {}) })
loop.start()
report.ready = true
;(window as unknown as { __jobs: unknown }).__jobs = { jobs, scheduler, loop }
