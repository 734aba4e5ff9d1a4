import type { BatchScheduler } from '../../src/index.js'

/**
 * A steady-state workload for the allocation benchmark. The benchmark runs it
 * twice: through a scheduler (`setup` then `beforeFrame` + `runFrame` per
 * frame) and without one (`baselineFrame` per frame, which must call the same
 * job functions directly), so the allocations and GCs the scheduler causes
 * are the difference between the two.
 *
 * Rules: everything a frame needs is created in `setup` (job functions,
 * enqueue options objects, scratch data); `beforeFrame` and `baselineFrame`
 * allocate nothing themselves.
 *
 * To add a workload (a three.js scene, say), implement this interface in a
 * file of its own and add it to `ALLOCATION_WORKLOADS` in `./index.ts`.
 */
export interface AllocationWorkload {
  /** Short name, shown in the table and used as the JSON key. */
  readonly name: string
  /** One line: what runs each frame. */
  readonly description: string
  /** Budget for the scheduler run, ms. */
  readonly budgetMs: number
  /** Registers systems and creates everything the frames need. Called once, before warm-up. */
  setup(scheduler: BatchScheduler): void
  /** Called before each `runFrame` (enqueue this frame's one-shot jobs, move things). */
  beforeFrame(frame: number): void
  /** The same work without a scheduler: calls the job functions directly. */
  baselineFrame(frame: number): void
  /** Drops what `setup` made (the scheduler is disposed by the benchmark). */
  dispose(): void
}
