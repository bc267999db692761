import type { Job } from './api'

/** A job's state as shown: its status, and a dispute's verdict when there is one. */
export function jobState(job: Job): { label: string; tag: string } {
  if (job.dispute?.outcome === 'guilty') return { label: 'disputed: guilty, refunded', tag: 'bad' }
  if (job.dispute && job.dispute.status !== 'resolved')
    return { label: `${job.status}, disputed`, tag: 'warn' }
  if (job.status === 'settled') return { label: 'paid', tag: 'good' }
  if (job.status === 'refunded')
    return { label: `refunded${job.refund_reason ? ` (${job.refund_reason})` : ''}`, tag: 'warn' }
  return { label: job.status, tag: '' }
}
