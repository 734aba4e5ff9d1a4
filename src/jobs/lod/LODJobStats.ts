/**
 * Live numbers of a {@link LODJob}, updated in place by each run (reading
 * them allocates nothing). The devtools panel shows them.
 *
 * @example
 * ```ts
 * const { updated, skipped, laps } = lods.stats
 * ```
 */
export class LODJobStats {
  /** LODs the job manages. */
  managed = 0
  /** LODs updated in the last run (skipped ones included). */
  updated = 0
  /** Of those, the updates skipped because they would have changed nothing (the camera distance stayed in the LOD's band). */
  skipped = 0
  /** LODs updated since the job was installed. */
  updatedTotal = 0
  /** Round-robin laps completed. */
  laps = 0
  /** 1 while the job rests (a lap with a still camera finished and nothing moved since), else 0. */
  resting = 0
}
