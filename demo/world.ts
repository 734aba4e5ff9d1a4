/**
 * A procedurally generated city, deterministic from a seed: districts →
 * blocks (nested groups) → buildings as THREE.LOD with three levels, trees as
 * plain meshes, and cars that drive along the streets.
 */
import {
  BoxGeometry,
  Color,
  ConeGeometry,
  CylinderGeometry,
  Group,
  LOD,
  Mesh,
  MeshLambertMaterial,
  type Object3D,
  PlaneGeometry,
  Scene,
  DirectionalLight,
  HemisphereLight,
  Fog,
} from 'three'

/** Mulberry32: a tiny seeded PRNG, so the same seed builds the same city. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Street grid spacing (world units between two street lines). */
export const BLOCK = 24
/** Buildings per block side. */
const LOTS = 4
const LOT = BLOCK / (LOTS + 1.5)

export interface Cars {
  /** The car meshes (children of `group`). */
  readonly meshes: Mesh[]
  /** Per car: x, z of the position. */
  readonly position: Float32Array
  /** Per car: x, z of the target intersection. */
  readonly target: Float32Array
  /** Per car: speed in units per second. */
  readonly speed: Float32Array
  readonly group: Group
}

export interface City {
  readonly scene: Scene
  readonly root: Group
  readonly lods: LOD[]
  readonly cars: Cars
  /** Half the city's width, for camera paths. */
  readonly radius: number
  /** Streets per side (intersections run 0..streets on x and z). */
  readonly streets: number
  /** Number of objects counted toward N (buildings + trees + cars). */
  readonly objects: number
  dispose(): void
}

export interface CityOptions {
  /** Total objects: 55 % buildings (LODs), 35 % trees, 10 % cars (at most 8,000 cars). */
  n: number
  seed: number
}

/** Builds the city. Geometries and materials are shared, so N only costs scene-graph objects. */
export function buildCity({ n, seed }: CityOptions): City {
  const random = createRandom(seed)
  const scene = new Scene()
  scene.background = new Color(0xaecbe8)
  const root = new Group()
  root.name = 'city'
  scene.add(root)

  const carCount = Math.min(8000, Math.round(n * 0.1))
  const buildingCount = Math.round((n - carCount) * 0.6)
  const treeCount = n - carCount - buildingCount
  const blocks = Math.max(1, Math.ceil(buildingCount / (LOTS * LOTS)))
  const streets = Math.ceil(Math.sqrt(blocks))
  const radius = (streets * BLOCK) / 2
  scene.fog = new Fog(0xaecbe8, radius * 0.6, radius * 2.2)

  scene.add(new HemisphereLight(0xdde8ff, 0x445533, 1.6))
  const sun = new DirectionalLight(0xffffff, 1.6)
  sun.position.set(0.4, 1, 0.3)
  scene.add(sun)

  const ground = new Mesh(new PlaneGeometry(radius * 4, radius * 4), new MeshLambertMaterial({ color: 0x5b6b55 }))
  ground.rotation.x = -Math.PI / 2
  ground.position.set(radius, -0.01, radius)
  ground.name = 'ground'
  scene.add(ground)

  // Shared geometries: LOD 0 is detailed, 1 plain, 2 a coarse block.
  const high = new BoxGeometry(1, 1, 1, 2, 6, 2).translate(0, 0.5, 0)
  const mid = new BoxGeometry(1, 1, 1).translate(0, 0.5, 0)
  const low = new BoxGeometry(1, 1, 1).translate(0, 0.5, 0)
  const roof = new ConeGeometry(0.75, 0.5, 4).rotateY(Math.PI / 4).translate(0, 1.25, 0)
  const trunk = new CylinderGeometry(0.15, 0.2, 1, 5).translate(0, 0.5, 0)
  const crown = new ConeGeometry(0.9, 2.2, 6).translate(0, 2, 0)
  const carGeometry = new BoxGeometry(1.8, 0.8, 0.9).translate(0, 0.4, 0)
  const palette = [0xd8c3a5, 0xb4a58c, 0x9fa8b3, 0xc9b79c, 0x8e9aa6, 0xe0d6c8]
  const highMaterials = palette.map((c) => new MeshLambertMaterial({ color: c }))
  const midMaterials = palette.map((c) => new MeshLambertMaterial({ color: new Color(c).multiplyScalar(0.9) }))
  const lowMaterial = new MeshLambertMaterial({ color: 0x9a9488 })
  const roofMaterial = new MeshLambertMaterial({ color: 0x8a4b3a })
  const trunkMaterial = new MeshLambertMaterial({ color: 0x6b4a2b })
  const crownMaterial = new MeshLambertMaterial({ color: 0x3f7a3a })
  const carMaterials = [0xc0392b, 0x2e86c1, 0xf1c40f, 0xecf0f1, 0x27ae60].map((c) => new MeshLambertMaterial({ color: c }))

  const lods: LOD[] = []
  const districts = new Map<number, Group>()
  let treesLeft = treeCount
  let buildingsLeft = buildingCount
  for (let b = 0; b < blocks; b++) {
    const bx = b % streets
    const bz = Math.floor(b / streets)
    // Nested groups: district (4×4 blocks) → block → buildings and trees.
    const dKey = Math.floor(bx / 4) + Math.floor(bz / 4) * 1000
    let district = districts.get(dKey)
    if (!district) {
      district = new Group()
      district.name = `district-${dKey}`
      root.add(district)
      districts.set(dKey, district)
    }
    const block = new Group()
    block.name = `block-${b}`
    block.position.set(bx * BLOCK + BLOCK / 2, 0, bz * BLOCK + BLOCK / 2)
    district.add(block)
    const lotsHere = Math.min(LOTS * LOTS, buildingsLeft)
    buildingsLeft -= lotsHere
    for (let l = 0; l < lotsHere; l++) {
      const lx = (l % LOTS) - (LOTS - 1) / 2
      const lz = Math.floor(l / LOTS) - (LOTS - 1) / 2
      const height = 3 + random() * random() * 22
      const width = LOT * (0.6 + random() * 0.3)
      const color = Math.floor(random() * palette.length)
      const lod = new LOD()
      lod.name = `building-${b}-${l}`
      const h = new Mesh(high, highMaterials[color])
      const m = new Mesh(mid, midMaterials[color])
      const lo = new Mesh(low, lowMaterial)
      for (const mesh of [h, m, lo]) mesh.scale.set(width, height, width)
      if (height < 9) {
        const r = new Mesh(roof, roofMaterial)
        h.add(r)
      }
      lod.addLevel(h, 0)
      lod.addLevel(m, 70)
      lod.addLevel(lo, 160)
      lod.position.set(lx * LOT, 0, lz * LOT)
      block.add(lod)
      lods.push(lod)
    }
    // Trees along the block's edge.
    const treesHere = b === blocks - 1 ? treesLeft : Math.min(treesLeft, Math.round(treeCount / blocks))
    treesLeft -= treesHere
    for (let t = 0; t < treesHere; t++) {
      const tree = new Group()
      tree.name = 'tree'
      tree.add(new Mesh(trunk, trunkMaterial), new Mesh(crown, crownMaterial))
      const edge = random() * 4
      const along = (random() - 0.5) * (BLOCK - 3)
      const off = BLOCK / 2 - 1.5
      if (edge < 1) tree.position.set(along, 0, -off)
      else if (edge < 2) tree.position.set(along, 0, off)
      else if (edge < 3) tree.position.set(-off, 0, along)
      else tree.position.set(off, 0, along)
      tree.scale.setScalar(0.7 + random() * 0.6)
      block.add(tree)
    }
  }

  // Cars on the street grid.
  const carGroup = new Group()
  carGroup.name = 'traffic'
  root.add(carGroup)
  const position = new Float32Array(carCount * 2)
  const target = new Float32Array(carCount * 2)
  const speed = new Float32Array(carCount)
  const meshes: Mesh[] = []
  for (let c = 0; c < carCount; c++) {
    const x = Math.floor(random() * (streets + 1)) * BLOCK
    const z = Math.floor(random() * (streets + 1)) * BLOCK
    position[c * 2] = x
    position[c * 2 + 1] = z
    target[c * 2] = x
    target[c * 2 + 1] = z
    speed[c] = 6 + random() * 10
    const car = new Mesh(carGeometry, carMaterials[c % carMaterials.length])
    car.name = 'car'
    car.position.set(x, 0, z)
    carGroup.add(car)
    meshes.push(car)
  }

  const objects = lods.length + treeCount + carCount
  return {
    scene,
    root,
    lods,
    cars: { meshes, position, target, speed, group: carGroup },
    radius,
    streets,
    objects,
    dispose() {
      scene.traverse((o: Object3D) => {
        const mesh = o as Mesh
        if (mesh.isMesh) mesh.geometry.dispose()
      })
      for (const m of [...highMaterials, ...midMaterials, lowMaterial, roofMaterial, trunkMaterial, crownMaterial, ...carMaterials]) {
        m.dispose()
      }
    },
  }
}
