/**
 * Live numbers of a {@link StaticBatchingJob}, updated in place (reading them
 * allocates nothing). The devtools' `BatchingReadout` shows them.
 *
 * @example
 * ```ts
 * const { batches, batchedObjects, drawCallsSaved } = batching.stats
 * label.textContent = `${batchedObjects} objects in ${batches} batches, ~${drawCallsSaved} draw calls saved`
 * ```
 */
export class StaticBatchingStats {
  /** `BatchedMesh`es in the scene now. */
  batches = 0
  /** Meshes drawn through a batch now (their own draw excluded). */
  batchedObjects = 0
  /** Eligible meshes found and not yet batched (the build's backlog). */
  pendingObjects = 0
  /** Meshes that left their batch (moving, or changed) and draw themselves until they settle and rejoin. */
  outObjects = 0
  /**
   * Draw calls saved, estimated: batched meshes shown (visible themselves and
   * through their ancestors) less one draw per batch. Meshes outside the view,
   * which three would not have drawn either, count too.
   */
  drawCallsSaved = 0
  /** Full maintenance sweeps over the batched meshes completed. */
  sweeps = 0
  /** Frames the last full sweep took (the latency of noticing a move, a hide or a change of material without help). */
  sweepFrames = 0
  /** Meshes that joined a batch, since install. */
  joined = 0
  /** Meshes that left a batch (moved repeatedly, changed, removed), since install. */
  left = 0
  /** Meshes handled in the job's last run (joined, checked or found). */
  visited = 0
  /** Subtrees the batches draw whole, kept out of three's render walk (the `pruneRender` option). */
  prunedRoots = 0
}
