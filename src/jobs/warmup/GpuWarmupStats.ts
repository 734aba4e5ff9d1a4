/**
 * Live numbers of a {@link GpuWarmupJob}, updated in place (reading them
 * allocates nothing). The devtools panel shows them (its `warmup` option).
 *
 * @example
 * ```ts
 * const { pendingPrograms, pendingUploads, bytesLastFrame } = warmup.stats
 * ```
 */
export class GpuWarmupStats {
  /** Materials whose programs are waiting to be compiled or compiling now (`compileAsync` not resolved yet). */
  pendingPrograms = 0
  /** Of {@link GpuWarmupStats.pendingPrograms}, those whose `compileAsync` was called and has not resolved. */
  compiling = 0
  /** Textures waiting to be uploaded (`initTexture`), including those whose image has not loaded yet. */
  pendingUploads = 0
  /** Bytes uploaded (estimated from the texture sizes) in the last frame the job ran and between frames before it. */
  bytesLastFrame = 0
  /** CPU ms of the job's slices in the last frame it ran (within its share of the budget; its between-frames work is {@link GpuWarmupStats.idleMs}). */
  frameMs = 0
  /** CPU ms of its between-frames (idle) callbacks before the last frame it ran, since the one before: fence polls, first uses, uploads and compiles outside the frames. */
  idleMs = 0
  /** Objects held invisible now until their resources are ready (`hideUntilReady`). */
  held = 0
  /** `compileAsync` calls resolved since install. */
  programsCompiled = 0
  /** `compileAsync` calls that rejected (the material then compiles on its first draw, as without the job). */
  compileErrors = 0
  /** Textures uploaded by the job since install. */
  texturesUploaded = 0
  /** Bytes uploaded by the job since install (estimated). */
  bytesUploaded = 0
  /** Objects shown again because their resources were ready. */
  shown = 0
  /** Objects shown after `maxHoldFrames` with resources still pending (those compile or upload on first draw). */
  timedOut = 0
  /** Learned upload cost, ms per byte (smoothed `initTexture` time / estimated bytes). */
  msPerByte = 0
  /** Learned CPU ms of one `compileAsync` call's synchronous part (the program itself compiles off the frame; a guess until the first is measured). */
  msPerCompile = 0
  /** Learned CPU ms of three's first use of a linked program (WebGL2 without parallel compile; 0 until one is measured). */
  msPerFirstUse = 0
  /** Longest first use so far, ms: first uses run in a frame's slice only while this fits it. */
  maxFirstUseMs = 0
  /** Longest synchronous part of one `compileAsync` call so far, ms (the most one compile overran a frame by). */
  maxCompileMs = 0
  /** Longest single `initTexture` call so far, ms. */
  maxUploadMs = 0
}
