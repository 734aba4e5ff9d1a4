/** Copies the sphere (center x, y, z, radius) at `from[at..at + 3]` into `out[0..3]`, allocating nothing. @internal */
export function copySphere(out: Float64Array, from: Readonly<Float64Array>, at: number): void {
  out[0] = from[at] as number
  out[1] = from[at + 1] as number
  out[2] = from[at + 2] as number
  out[3] = from[at + 3] as number
}
