import { BoxGeometry, Frustum, Group, LOD, Matrix4, Mesh, MeshBasicMaterial, type Object3D, PerspectiveCamera, Scene } from 'three'
import type { BatchScheduler } from '../../src/index.js'
import { FrustumCullingJob, LODJob, MatrixSyncJob } from '../../src/jobs/index.js'
import type { AllocationWorkload } from './AllocationWorkload.js'

const OBJECTS = 10_000
const MOVING = 100

const _frustum = new Frustum()
const _projection = new Matrix4()

/**
 * The built-in three.js jobs in steady state: 10k objects in nested groups (a
 * quarter of them 3-level LODs), 1 % of them moving each frame and marked
 * dirty, the camera circling. Through the scheduler: MatrixSyncJob,
 * FrustumCullingJob and LODJob. The baseline does what `renderer.render`
 * would do instead: `scene.updateMatrixWorld()`, `LOD.update` and a frustum
 * test for every object.
 */
export class ThreeJobsWorkload implements AllocationWorkload {
  readonly name = 'three.js jobs'
  readonly description = '10k objects (1/4 LODs), 1 % moving, MatrixSyncJob + FrustumCullingJob + LODJob vs updateMatrixWorld + LOD.update + frustum tests'
  readonly budgetMs = 2.5

  private readonly scene = new Scene()
  private readonly camera = new PerspectiveCamera(60, 16 / 9, 0.5, 2000)
  private readonly movers: Object3D[] = []
  private readonly lods: LOD[] = []
  private readonly meshes: Mesh[] = []
  private matrices: MatrixSyncJob | null = null
  private culling: FrustumCullingJob | null = null
  private lodJob: LODJob | null = null
  private seed = 7

  constructor() {
    const geometry = new BoxGeometry()
    const material = new MeshBasicMaterial()
    let block: Group | null = null
    for (let i = 0; i < OBJECTS; i++) {
      if (i % 100 === 0) {
        block = new Group()
        block.position.set((this.random() - 0.5) * 600, 0, (this.random() - 0.5) * 600)
        this.scene.add(block)
      }
      let object: Object3D
      if (i % 4 === 0) {
        const lod = new LOD()
        for (const distance of [0, 60, 150]) lod.addLevel(new Mesh(geometry, material), distance)
        this.lods.push(lod)
        object = lod
      } else {
        const mesh = new Mesh(geometry, material)
        this.meshes.push(mesh)
        object = mesh
      }
      object.position.set((this.random() - 0.5) * 40, 0, (this.random() - 0.5) * 40)
      ;(block as Group).add(object)
      if (this.movers.length < MOVING * 10) this.movers.push(object)
    }
    this.scene.updateMatrixWorld(true)
  }

  setup(scheduler: BatchScheduler): void {
    this.matrices = new MatrixSyncJob(scheduler, this.scene, { watchHierarchy: false })
    this.culling = new FrustumCullingJob(scheduler, this.camera, this.scene)
    this.lodJob = new LODJob(scheduler, this.camera, { root: this.scene })
  }

  beforeFrame(frame: number): void {
    this.move(frame)
    const matrices = this.matrices as MatrixSyncJob
    for (let i = 0; i < MOVING; i++) matrices.markDirty(this.movers[(frame * MOVING + i) % this.movers.length] as Object3D)
    // What three's render does before its culling, so the culling job's render hook runs too.
    ;(this.scene.onBeforeRender as (...args: unknown[]) => void).call(this.scene, null, this.scene, this.camera, null, null, null)
  }

  baselineFrame(frame: number): void {
    this.move(frame)
    this.scene.updateMatrixWorld()
    const camera = this.camera
    _projection.multiplyMatrices(camera.projectionMatrix, camera.matrixWorldInverse)
    _frustum.setFromProjectionMatrix(_projection)
    const lods = this.lods
    for (let i = 0; i < lods.length; i++) (lods[i] as LOD).update(camera)
    const meshes = this.meshes
    let visible = 0
    for (let i = 0; i < meshes.length; i++) if (_frustum.intersectsObject(meshes[i] as Mesh)) visible++
    if (visible < 0) throw new Error('unreachable')
  }

  dispose(): void {
    this.lodJob?.dispose()
    this.culling?.dispose()
    this.matrices?.dispose()
  }

  private move(frame: number): void {
    const movers = this.movers
    for (let i = 0; i < MOVING; i++) {
      const object = movers[(frame * MOVING + i) % movers.length] as Object3D
      object.position.x += ((frame + i) % 3) - 1
    }
    const a = frame * 0.01
    this.camera.position.set(Math.cos(a) * 200, 40, Math.sin(a) * 200)
    this.camera.lookAt(Math.cos(a + 0.6) * 200, 0, Math.sin(a + 0.6) * 200)
    this.camera.updateMatrixWorld()
  }

  private random(): number {
    this.seed = (this.seed * 1664525 + 1013904223) >>> 0
    return this.seed / 2 ** 32
  }
}
