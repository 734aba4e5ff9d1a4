import { readFileSync } from 'node:fs'
import ts from 'typescript'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as lib from '../../src/index.js'

/**
 * The README's snippets for async runs, dynamic priority, fixed timestep,
 * addSystems and the open frame are runnable: each ```ts block of that
 * section runs here against the source (its import replaced by the module),
 * and what it logs is checked against the `// ...` comment on the log line.
 */

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const section = readme.slice(
  readme.indexOf('## Async jobs, dynamic priority, fixed timestep, open frames'),
  readme.indexOf('## Built-in jobs'),
)
const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string)

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (
  ...args: unknown[]
) => Promise<void>

afterEach(() => {
  vi.restoreAllMocks()
})

describe('README snippets (issue 15)', () => {
  it('has one per feature', () => {
    expect(blocks).toHaveLength(5)
  })

  for (const [i, block] of blocks.entries()) {
    it(`snippet ${i + 1} runs and logs what its comments say`, async () => {
      const code = block.replace(/import \{([^}]*)\} from 'three-batch-scheduler'/, 'const {$1} = lib')
      const expected = [...block.matchAll(/console\.log\(.*\) \/\/ (.*)$/gm)].map((m) => m[1] as string)
      const logged: string[] = []
      vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        logged.push(args.map((a) => (Array.isArray(a) ? `[${a.map((x) => `'${String(x)}'`).join(', ')}]` : String(a))).join(' '))
      })
      vi.spyOn(console, 'warn').mockImplementation(() => {})
      // The snippets are TypeScript: strip the types, then run the JavaScript.
      const js = ts.transpileModule(code, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText
      await new AsyncFunction('lib', js)(lib)
      // The commented logs end each snippet; a loop's log lines before them (no comment) are not checked.
      expect(expected.length).toBeGreaterThan(0)
      expect(logged.slice(-expected.length)).toEqual(expected)
    })
  }
})
