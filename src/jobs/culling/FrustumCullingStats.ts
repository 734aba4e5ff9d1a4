/**
 * Live numbers of a {@link FrustumCullingJob}, updated in place (reading them
 * allocates nothing). Plot them or show them in a panel.
 *
 * @example
 * ```ts
 * const { hidden, tracked, sweepFrames } = culling.stats
 * label.textContent = `${hidden}/${tracked} hidden, sweep ${sweepFrames} frames`
 * ```
 */
export class FrustumCullingStats {
  /** Objects the job manages (cullable meshes, lines, points, sprites, and LODs, each one object, under the root or added). */
  tracked = 0
  /** Objects the job has hidden right now (`visible = false` set by the job; a hidden LOD counts one). */
  hidden = 0
  /**
   * Instances of the app's own `THREE.BatchedMesh`es that the job culls one by
   * one (active instances, as of each mesh's last pass; see docs/culling.md,
   * *BatchedMesh instances*).
   */
  instances = 0
  /** Of those, the instances the job has hidden right now (three's `setVisibleAt(id, false)`, kept apart from the app's own). */
  hiddenInstances = 0
  /** Coarse cells found in the scene graph (groups hidden as a unit while all their objects are hidden). */
  cells = 0
  /** Of those, the groups the job has hidden right now (the renderer skips their subtrees). */
  hiddenCells = 0
  /** Full sweeps completed. */
  sweeps = 0
  /**
   * Frames the last full sweep took, from its first slice to its last (the
   * latency of a hide or show decision): the pace (`minSweepFrames` while the
   * camera moves, `stillSweepFrames` while it is still), or more when the
   * budget does not allow it.
   */
  sweepFrames = 0
  /** Objects visited in the last slice. */
  visited = 0
  /**
   * Of those, the ones decided from their stored sphere, without reading the
   * object (with the `matrices` option: its world matrix had not changed and
   * the decision stood).
   */
  trusted = 0
  /**
   * Cells the last slice decided as a unit in one test, from what the job
   * stored when it last decided them member by member (nothing under the
   * cell changed since): their members count in `visited` and `trusted`.
   */
  unitCells = 0
  /** Times the guard failed (camera jump, zoom, projection change…) and every hidden object was shown again. */
  guardTrips = 0
  /** Translation band of the last slice's guard, in world units. */
  guardBand = 0
  /** Rotation band of the last slice's guard, in radians. */
  guardAngle = 0
  /** Estimated camera speed, world units per frame (peak, decaying). */
  cameraSpeed = 0
  /** Estimated camera turn rate, radians per frame (peak, decaying). */
  cameraAngularSpeed = 0
}
