/** The names of `IJobCoordinator.Status`, by their number on chain. */
export const jobStatuses = ['none', 'requested', 'assigned', 'delivered', 'settled', 'refunded'] as const

/** A job's status as a name (`IJobCoordinator.Status`). */
export type JobStatus = (typeof jobStatuses)[number]

/**
 * The name of a job status number as `getJob` returns it (`IJobCoordinator.Status`); `unknown(n)` for a
 * number the interface does not define.
 *
 * @example
 * jobStatus(2) // 'assigned'
 */
export function jobStatus(status: number): JobStatus | `unknown(${number})` {
  return jobStatuses[status] ?? `unknown(${status})`
}
