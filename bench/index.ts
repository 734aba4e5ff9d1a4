/**
 * `npm run bench`: every benchmark, printed as markdown tables and written as
 * JSON to bench/results/latest.json. Never part of `npm test`.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { overheadTable, runOverhead } from './overhead.js'

const results: Record<string, unknown> = { node: process.version, date: new Date().toISOString() }

console.log('## Overhead: trivial jobs, scheduler vs plain loop\n')
const overhead = runOverhead()
results.overhead = overhead
console.log(overheadTable(overhead))

mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/latest.json', import.meta.url), JSON.stringify(results, null, 2))
console.log('\nJSON: bench/results/latest.json')
