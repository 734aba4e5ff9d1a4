import type { Material, Texture } from 'three'

/**
 * The textures a material samples that the job can upload ahead: its
 * texture properties (`map`, `normalMap`, …, found by `isTexture`, so custom
 * ones count too) and a ShaderMaterial's texture uniforms. Render-target
 * and video textures are left out (the renderer fills them every frame).
 * Allocates: call it when an object is added, not per frame.
 */
export function texturesOf(material: Material): Texture[] {
  const out: Texture[] = []
  const record = material as unknown as Record<string, unknown>
  for (const key in record) {
    if (key === 'uniforms') continue
    push(out, record[key])
  }
  const uniforms = record['uniforms']
  if (uniforms !== null && typeof uniforms === 'object') {
    for (const key in uniforms) {
      const uniform = (uniforms as Record<string, { value?: unknown } | null>)[key]
      if (uniform !== null && typeof uniform === 'object') push(out, uniform.value)
    }
  }
  return out
}

function push(out: Texture[], value: unknown): void {
  if (value === null || typeof value !== 'object') return
  const t = value as Texture & { isRenderTargetTexture?: boolean; isVideoTexture?: boolean }
  if (t.isTexture !== true || t.isRenderTargetTexture === true || t.isVideoTexture === true) return
  if (!out.includes(t)) out.push(t)
}

/** Bytes of a mip chain: a full chain adds a third. */
const MIP_FACTOR = 4 / 3

/**
 * The bytes an upload of `texture` moves, estimated: the data's byte length
 * for data and compressed textures, else width × height (× depth, × 6 faces
 * for a cube) × 4 (RGBA8), with a third more for generated mipmaps. At least 1.
 */
export function textureBytes(texture: Texture): number {
  const t = texture as Texture & {
    isCompressedTexture?: boolean
    mipmaps?: { data?: ArrayBufferView }[]
    image: unknown
  }
  if (t.isCompressedTexture === true && Array.isArray(t.mipmaps)) {
    let sum = 0
    for (const level of t.mipmaps) sum += level?.data?.byteLength ?? 0
    return Math.max(1, sum)
  }
  const image = t.image
  const images = Array.isArray(image) ? (image as unknown[]) : [image]
  let bytes = 0
  for (const img of images) bytes += imageBytes(img)
  if (texture.generateMipmaps) bytes *= MIP_FACTOR
  return Math.max(1, Math.round(bytes))
}

function imageBytes(image: unknown): number {
  if (image === null || typeof image !== 'object') return 0
  const img = image as { data?: ArrayBufferView | null; width?: number; height?: number; depth?: number; videoWidth?: number; videoHeight?: number }
  if (img.data !== undefined && img.data !== null && typeof img.data.byteLength === 'number') return img.data.byteLength
  const width = img.width ?? img.videoWidth ?? 0
  const height = img.height ?? img.videoHeight ?? 0
  const depth = img.depth ?? 1
  return width > 0 && height > 0 ? width * height * depth * 4 : 0
}
