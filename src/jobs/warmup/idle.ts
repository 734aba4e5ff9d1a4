/** What an idle callback is given: the time left in the idle period (ms; 0 when run because its timeout passed). */
export interface IdleDeadlineLike {
  /** Milliseconds left in the idle period. */
  timeRemaining(): number
}

/**
 * Runs `callback` once, when the main thread is idle (between frames), or
 * after a timeout when it never is. The browser's `requestIdleCallback` is one.
 */
export type IdleRunner = (callback: (deadline: IdleDeadlineLike) => void) => void

/** Longest an idle request waits before it runs anyway (then one compile, not more). */
const IDLE_TIMEOUT_MS = 100

/** `requestIdleCallback` with a timeout where the platform has it (browsers); else null. @internal */
export function defaultIdle(): IdleRunner | null {
  const ric = (globalThis as { requestIdleCallback?: (cb: (d: IdleDeadlineLike) => void, o?: { timeout: number }) => number }).requestIdleCallback
  if (typeof ric !== 'function') return null
  return (callback) => {
    ric.call(globalThis, callback, { timeout: IDLE_TIMEOUT_MS })
  }
}
