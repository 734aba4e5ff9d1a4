/**
 * The smallest "nice" number (1, 2 or 5 × 10ⁿ) that is ≥ `value`: graph
 * scales snap to these so axis labels stay readable. Returns 1 for values ≤ 0
 * or not finite.
 */
export function niceCeil(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1
  const exponent = Math.pow(10, Math.floor(Math.log10(value)))
  const fraction = value / exponent
  // Guard against float error (e.g. 3 / 1 → 2.9999…) by a tiny tolerance.
  const nice = fraction <= 1 + 1e-9 ? 1 : fraction <= 2 + 1e-9 ? 2 : fraction <= 5 + 1e-9 ? 5 : 10
  return nice * exponent
}
