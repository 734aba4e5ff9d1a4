/**
 * "Add a district": a few thousand new objects at once, drawn with materials
 * and textures the renderer has never seen (each material its own program,
 * through a `defines` entry; each texture generated), the worst case for a
 * first draw: every program compiles and every texture uploads in that frame
 * unless a GpuWarmupJob spreads the work and holds the district until ready.
 */
import {
  BoxGeometry,
  DataTexture,
  Group,
  LinearFilter,
  LinearMipmapLinearFilter,
  Mesh,
  MeshStandardMaterial,
  RGBAFormat,
  SRGBColorSpace,
} from 'three'
import { createRandom } from './world.js'

export interface DistrictOptions {
  /** Objects in the district. @default 3000 */
  objects?: number
  /** New materials, each its own program. @default 12 */
  programs?: number
  /** Side of each new texture in pixels (RGBA8). @default 256 */
  textureSize?: number
  /** Where the district's centre goes (x, z). */
  x: number
  z: number
  /** Spread of the district (half width). @default 60 */
  radius?: number
}

export interface District {
  readonly group: Group
  /** Meshes in the district. */
  readonly meshes: Mesh[]
  dispose(): void
}

let districts = 0

/** Builds a district (not added to any scene). */
export function buildDistrict({ objects = 3000, programs = 12, textureSize = 256, x, z, radius = 60 }: DistrictOptions): District {
  const serial = ++districts
  const random = createRandom(1000 + serial)
  const group = new Group()
  group.name = `new-district-${serial}`
  group.position.set(x, 0, z)
  const geometry = new BoxGeometry(1, 1, 1).translate(0, 0.5, 0)
  const materials: MeshStandardMaterial[] = []
  const textures: DataTexture[] = []
  for (let i = 0; i < programs; i++) {
    const texture = makeTexture(textureSize, random)
    textures.push(texture)
    const material = new MeshStandardMaterial({ map: texture, roughness: 0.4 + 0.5 * random(), metalness: 0.2 * random() })
    // A distinct program per material: what new content with new shaders costs.
    material.defines = { DISTRICT_VARIANT: serial * 1000 + i }
    material.name = `district-${serial}-${i}`
    materials.push(material)
  }
  const meshes: Mesh[] = []
  for (let i = 0; i < objects; i++) {
    const mesh = new Mesh(geometry, materials[i % programs])
    const h = 1 + random() * random() * 14
    mesh.scale.set(1 + random() * 2, h, 1 + random() * 2)
    mesh.position.set((random() * 2 - 1) * radius, 0, (random() * 2 - 1) * radius)
    mesh.rotation.y = random() * Math.PI
    group.add(mesh)
    meshes.push(mesh)
  }
  return {
    group,
    meshes,
    dispose() {
      group.removeFromParent()
      geometry.dispose()
      for (const m of materials) m.dispose()
      for (const t of textures) t.dispose()
    },
  }
}

function makeTexture(size: number, random: () => number): DataTexture {
  const data = new Uint8Array(size * size * 4)
  const r = 80 + random() * 175
  const g = 80 + random() * 175
  const b = 80 + random() * 175
  const cells = 4 + Math.floor(random() * 12)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4
      const window = ((x * cells) / size) % 1 < 0.6 && ((y * cells) / size) % 1 < 0.5
      const k = window ? 0.45 : 1
      data[i] = r * k
      data[i + 1] = g * k
      data[i + 2] = b * k
      data[i + 3] = 255
    }
  }
  const texture = new DataTexture(data, size, size, RGBAFormat)
  texture.colorSpace = SRGBColorSpace
  texture.generateMipmaps = true
  texture.minFilter = LinearMipmapLinearFilter
  texture.magFilter = LinearFilter
  texture.needsUpdate = true
  return texture
}
