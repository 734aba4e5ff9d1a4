/** URL parameters that open the demo in a known state: `?n=50000&scheduler=off&batching=0&autoplay=0&seed=7&bench=1`. */

/** Scene sizes offered in the panel. */
export const SIZES = [1000, 10000, 50000, 100000] as const

export interface DemoParams {
  /** Objects in the city (buildings + trees + cars). */
  n: number
  /** Run through the scheduler (true) or the plain three.js way (false). */
  scheduler: boolean
  /** In scheduler mode, batch the city's static meshes into `BatchedMesh`es (StaticBatchingJob). */
  batching: boolean
  /** Fly the camera and drive the cars; false holds both still. */
  autoplay: boolean
  /** Seed of the city generator. */
  seed: number
  /** Run the fixed benchmark in both modes and print a table. */
  bench: boolean
  /** Benchmark frames per mode and window (after warm-up). */
  benchFrames: number
  /** Benchmark rounds: windows per mode, alternating. */
  benchRounds: number
  /** Benchmark warm-up frames per window. */
  benchWarmup: number
  /** Show the devtools panel. */
  panel: boolean
  /**
   * Keep the drawing buffer after each frame (`preserveDrawingBuffer`), so a
   * screenshot taken at any moment shows the last frame: for browser tests.
   */
  shot: boolean
  /** Install the GPU warm-up job in scheduled mode. */
  warmup: boolean
  /** Run the warm-up benchmark (a district added with the job on and off) and print a table. */
  warmupBench: boolean
}

function int(value: string | null, fallback: number, min: number, max: number): number {
  if (value === null) return fallback
  const n = Math.round(Number(value))
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback
}

function flag(value: string | null, fallback: boolean): boolean {
  if (value === null) return fallback
  return !(value === '0' || value === 'off' || value === 'false' || value === 'no')
}

export function readParams(search: string): DemoParams {
  const p = new URLSearchParams(search)
  return {
    n: int(p.get('n'), 10000, 100, 200000),
    scheduler: flag(p.get('scheduler'), true),
    batching: flag(p.get('batching'), true),
    autoplay: flag(p.get('autoplay'), true),
    seed: int(p.get('seed'), 1, 0, 2 ** 31 - 1),
    bench: flag(p.get('bench'), false),
    benchFrames: int(p.get('frames'), 100, 10, 5000),
    benchRounds: int(p.get('rounds'), 3, 1, 50),
    benchWarmup: int(p.get('warmup'), 20, 0, 1000),
    panel: flag(p.get('panel'), true),
    shot: flag(p.get('shot'), false),
    warmup: flag(p.get('gpuwarmup'), false),
    warmupBench: flag(p.get('warmupbench'), false),
  }
}

export function writeParams(params: DemoParams): string {
  const p = new URLSearchParams()
  p.set('n', String(params.n))
  p.set('scheduler', params.scheduler ? 'on' : 'off')
  if (!params.batching) p.set('batching', '0')
  if (!params.autoplay) p.set('autoplay', '0')
  p.set('seed', String(params.seed))
  if (params.bench) p.set('bench', '1')
  if (!params.panel) p.set('panel', '0')
  if (params.shot) p.set('shot', '1')
  if (params.warmup) p.set('gpuwarmup', '1')
  return `?${p.toString()}`
}
