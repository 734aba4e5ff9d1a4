/**
 * The workloads of the allocation benchmark. Add one (a three.js scene with
 * the built-in jobs, say) by implementing {@link AllocationWorkload} in a
 * file of its own and appending an instance here.
 */
import type { AllocationWorkload } from './AllocationWorkload.js'
import { CoreWorkload } from './CoreWorkload.js'
import { ThreeJobsWorkload } from './ThreeJobsWorkload.js'

export type { AllocationWorkload } from './AllocationWorkload.js'

export const ALLOCATION_WORKLOADS: AllocationWorkload[] = [new CoreWorkload(false), new CoreWorkload(true), new ThreeJobsWorkload()]
