/** A typed array constructor's shape, as far as {@link growTypedArray} needs it. */
type TypedArray = Uint8Array | Int32Array | Uint32Array | Float32Array | Float64Array

/**
 * A new typed array of the same kind as `old`, `capacity` long, holding a copy
 * of `old` (of its first `used` elements when given). For the pools and tables
 * of the core that grow by doubling: the one place they copy.
 * @internal
 */
export function growTypedArray<T extends TypedArray>(old: T, capacity: number, used: number = old.length): T {
  const next = new (old.constructor as new (length: number) => T)(capacity)
  next.set(used === old.length ? old : old.subarray(0, used))
  return next
}

/**
 * `old` grown (doubling from at least `min`) until `index` is in range, the
 * contents kept; `old` itself when it already is.
 */
export function growToIndex<T extends TypedArray>(old: T, index: number, min = 16): T {
  if (index < old.length) return old
  let capacity = Math.max(old.length, min)
  while (capacity <= index) capacity *= 2
  return growTypedArray(old, capacity)
}
