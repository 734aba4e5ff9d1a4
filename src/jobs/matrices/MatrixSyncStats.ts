/**
 * Live numbers of a {@link MatrixSyncJob}, updated in place by each run
 * (reading them allocates nothing). The devtools panel shows them.
 *
 * @example
 * ```ts
 * const { detected, moving } = matrices.stats
 * if (detected > 0) console.log(`${detected} unmarked moves found this frame, ${moving} objects moving`)
 * ```
 */
export class MatrixSyncStats {
  /** Objects whose world matrix the last run wrote (marked, found moved, recomputed every frame, and their subtrees). */
  updated = 0
  /** Objects updated since the job was installed. */
  updatedTotal = 0
  /** Objects marked with `markDirty` and not yet updated. */
  pending = 0
  /**
   * Moves the last run found without a mark (`detect: 'auto'`): objects whose
   * local transform had changed since the job last wrote their world matrix
   * and that were not marked. Marking them with `markDirty` right after
   * moving them removes the detection lag (up to `detectFrames` frames when
   * they start moving).
   */
  detected = 0
  /** Moves found without a mark since the job was installed. */
  detectedTotal = 0
  /** Objects compared with their snapshot in the last run (the moving ones and the scan's share of the rest). */
  compared = 0
  /** Objects watched for unmarked moves (the scene's objects; 0 with `detect: 'manual'`). */
  watched = 0
  /** Of those, the objects seen moving recently, compared every frame. */
  moving = 0
  /** Objects recomputed every frame (cameras, skinned meshes, helpers that borrow another object's matrix). */
  always = 0
}
