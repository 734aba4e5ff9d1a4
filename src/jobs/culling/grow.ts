/**
 * `next` (a larger typed array of the same kind) with `previous`'s contents
 * at its start: how the culling job's per-slot and per-cell arrays grow.
 * @internal
 */
export function grow<T extends Uint8Array | Int32Array | Float64Array>(next: T, previous: Readonly<T>): T {
  next.set(previous as T)
  return next
}
