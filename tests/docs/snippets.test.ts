/**
 * Every ```ts snippet in README.md and docs/*.md typechecks as written,
 * against the library's sources, with the free names a snippet leaves to the
 * reader's app (renderer, scene, camera, controls, agents...) declared once
 * below. A snippet may declare any of them itself (its module scope shadows
 * the declaration).
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '../..')

/** What the snippets take from the reader's app: a module each snippet imports the names it uses and does not declare from. */
const APP = `
import type { Camera, Mesh, Object3D, PerspectiveCamera, Scene, Vector3, WebGLRenderer } from 'three'
import type { BatchScheduler, Deadline } from 'three-batch-scheduler'
import type { RenderLoop } from 'three-batch-scheduler/three'
import type { BatchJobs, MatrixSyncJob, FrustumCullingJob } from 'three-batch-scheduler/jobs'
import type { OrbitControls } from 'three/addons/controls/OrbitControls.js'
export declare const renderer: WebGLRenderer
export declare const scene: Scene
export declare const camera: PerspectiveCamera
export declare const controls: OrbitControls
export declare const scheduler: BatchScheduler
export declare const loop: RenderLoop
export declare const jobs: BatchJobs
export declare const matrices: MatrixSyncJob
export declare const culling: FrustumCullingJob
export declare const player: Object3D
export declare const object: Object3D
export declare const spawnPoint: Vector3
export declare const mesh: Mesh
export declare const otherCamera: Camera
export declare const agents: { think(deadline: Deadline): boolean; update(dt: number): void }
export declare const physics: { step(dt: number): void }
export declare const world: { step(deadlineOrMs: Deadline | number): boolean }
export declare const tiles: { add(data: ArrayBuffer): void }
export declare const navmesh: { refresh(): Promise<void> }
export declare const crowd: { think(deadline: Deadline): boolean }
export declare const house: Object3D
export declare const district: Object3D
export declare function rebuildImpostor(object: Object3D): void
export declare function delta(time: number): number
export declare const deltaMs: number
export declare const bodies: { mesh: Mesh; previous: Vector3; current: Vector3 }[]
export declare const decoder: { hasWork(): boolean; decodeOne(): void }
export declare function fetchSomething(): Promise<unknown>
export declare function think(deadline: Deadline): boolean
export declare function rebuild(): void
export declare function decodeOneTile(): void
/** Library names a snippet may take from an earlier snippet's import on the same page. */
export { BatchType } from 'three-batch-scheduler'
export declare function appUpdate(deltaMs: number, time: number): void
export declare function updateAgents(agents: unknown): void
`
const APP_NAMES = [...APP.matchAll(/export (?:declare (?:const|function) |\{ )(\w+)/g)].map((m) => m[1] as string)

/** The snippet as a module: imports from the app context the names it uses without declaring them. */
function asModule(code: string): string {
  const declared = new Set<string>()
  for (const m of code.matchAll(/\b(?:const|let|var|function|class)\s+(\w+)/g)) declared.add(m[1] as string)
  for (const m of code.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}/g)) for (const n of (m[1] as string).split(',')) declared.add(n.trim().split(/\s+as\s+/).pop() as string)
  for (const m of code.matchAll(/\bconst\s+\{([^}]*)\}/g)) for (const n of (m[1] as string).split(',')) declared.add(n.trim())
  const used = APP_NAMES.filter((n) => !declared.has(n) && new RegExp(`\\b${n}\\b`).test(code))
  return `${used.length > 0 ? `import { ${used.join(', ')} } from './app.js'\n` : ''}${code}\nexport {}\n`
}

function snippets(): { file: string; line: number; code: string }[] {
  const files = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
  const out: { file: string; line: number; code: string }[] = []
  for (const file of files) {
    const text = readFileSync(path.join(root, file), 'utf8')
    const re = /^```ts\n([\s\S]*?)^```/gm
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const line = text.slice(0, m.index).split('\n').length
      out.push({ file, line, code: m[1] as string })
    }
  }
  return out
}

describe('documentation snippets', () => {
  it('every ```ts block in README.md and docs/ typechecks as written', () => {
    const list = snippets()
    expect(list.length).toBeGreaterThan(8)
    const sources = new Map<string, string>()
    sources.set(path.join(root, '__snippets__/app.ts'), APP)
    list.forEach((s, i) => sources.set(path.join(root, `__snippets__/s${i}.ts`), asModule(s.code)))
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      baseUrl: root,
      paths: {
        'three-batch-scheduler': ['src/index.ts'],
        'three-batch-scheduler/*': ['src/*/index.ts'],
      },
    }
    const host = ts.createCompilerHost(options)
    const read = host.readFile.bind(host)
    const exists = host.fileExists.bind(host)
    host.readFile = (f) => sources.get(path.resolve(f)) ?? read(f)
    host.fileExists = (f) => sources.has(path.resolve(f)) || exists(f)
    const dirExists = host.directoryExists?.bind(host)
    host.directoryExists = (d) => path.resolve(d) === path.join(root, '__snippets__') || (dirExists?.(d) ?? true)
    const getSource = host.getSourceFile.bind(host)
    host.getSourceFile = (f, lang, onError, fresh) => {
      const text = sources.get(path.resolve(f))
      return text !== undefined ? ts.createSourceFile(f, text, lang) : getSource(f, lang, onError, fresh)
    }
    const program = ts.createProgram([...sources.keys()], options, host)
    const problems: string[] = []
    for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
      const file = diagnostic.file
      if (file === undefined || !file.fileName.includes('__snippets__')) continue
      const index = Number(/s(\d+)\.ts$/.exec(file.fileName)?.[1])
      const imported = sources.get(path.resolve(file.fileName))?.startsWith('import {') === true && !list[index]?.code.startsWith('import {') ? 1 : 0
      const where = Number.isNaN(index) ? file.fileName : `${list[index]?.file}:${(list[index]?.line ?? 0) + 1 + file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line - imported}`
      problems.push(`${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`)
    }
    expect(problems).toEqual([])
  }, 60_000)
})
