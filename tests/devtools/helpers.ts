import { vi } from 'vitest'
import { BatchScheduler, type BatchSchedulerOptions, ManualClock } from '../../src/index.js'

/** A scheduler on a manual clock. Jobs "cost" time with `clock.advance`. */
export function setup(options: BatchSchedulerOptions = {}) {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock, onError: () => {}, ...options })
  return { clock, scheduler }
}

/** One call made on a {@link FakeContext}. */
export interface ContextCall {
  readonly method: string
  readonly args: readonly unknown[]
  /** `fillStyle` when the call was made. */
  readonly fillStyle: string
}

/** A recording stand-in for CanvasRenderingContext2D (happy-dom has none). */
export interface FakeContext {
  readonly canvas: HTMLCanvasElement
  readonly calls: ContextCall[]
  fillStyle: string
  font: string
  textAlign: string
  textBaseline: string
  globalAlpha: number
}

/**
 * Makes every `canvas.getContext('2d')` return a recording fake, so code that
 * paints can run and the calls it makes can be checked. Returns the contexts
 * made, by canvas.
 */
export function fakeCanvas2D(): Map<HTMLCanvasElement, FakeContext> {
  const contexts = new Map<HTMLCanvasElement, FakeContext>()
  const record =
    (ctx: FakeContext, method: string) =>
    (...args: unknown[]): void => {
      ctx.calls.push({ method, args, fillStyle: ctx.fillStyle })
    }
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(function (this: HTMLCanvasElement, id: string) {
    if (id !== '2d') return null
    let ctx = contexts.get(this)
    if (ctx === undefined) {
      const made: FakeContext = {
        canvas: this,
        calls: [],
        fillStyle: '#000',
        font: '',
        textAlign: 'start',
        textBaseline: 'alphabetic',
        globalAlpha: 1,
      }
      for (const method of ['fillRect', 'clearRect', 'drawImage', 'fillText']) {
        ;(made as unknown as Record<string, unknown>)[method] = record(made, method)
      }
      contexts.set(this, made)
      ctx = made
    }
    return ctx as unknown as CanvasRenderingContext2D
  } as unknown as HTMLCanvasElement['getContext'])
  return contexts
}
