import { type Job, useApi } from '../api'
import { Loading } from '../components/Loading'
import { mesh, short, time } from '../format'
import { jobState } from '../jobState'
import { Link } from '../router'

/** One on-chain job: its timeline (requested, assigned, delivered, paid or refunded, disputed), input and output. */
export function JobPage({ id }: { id: string }) {
  const { data: job, error } = useApi<Job>(`/api/jobs/${id}`)
  if (!job) return <Loading error={error} />
  const state = jobState(job)
  return (
    <>
      <h1>
        Job #{job.id} <span className={`tag ${state.tag}`}>{state.label}</span>
      </h1>
      <section className="card" data-testid="job-timeline">
        <h2>Timeline</h2>
        <ul>
          <li>
            requested {time(job.requested_at)} by <span className="mono">{short(job.requester)}</span> (block{' '}
            {job.requested_block}), {mesh(job.max_payment, 6)} MESH in escrow, deadline {time(job.deadline)}
          </li>
          {job.declined.map((p) => (
            <li key={`declined-${p}`}>
              declined by <span className="mono">{short(p)}</span>
            </li>
          ))}
          {job.missed.map((m) => (
            <li key={`missed-${m.provider}`}>
              <span className="mono">{short(m.provider)}</span> missed its response window:{' '}
              {mesh(m.penalty, 2)} MESH of its bond to the requester
            </li>
          ))}
          {job.assigned_at && job.provider && (
            <li data-testid="job-assigned">
              assigned {time(job.assigned_at)} to{' '}
              <Link to={`/providers/${job.provider}`} className="mono">
                {short(job.provider)}
              </Link>{' '}
              (draw {job.attempts})
            </li>
          )}
          {job.delivered_at && (
            <li data-testid="job-delivered">
              delivered {time(job.delivered_at)}: {job.input_tokens} input + {job.output_tokens} output
              tokens, {mesh(job.cost ?? '0', 6)} MESH; callback{' '}
              {job.callback_success === null
                ? 'none'
                : job.callback_success
                  ? 'succeeded'
                  : 'reverted (the job still pays)'}
            </li>
          )}
          {job.dispute && (
            <li data-testid="job-disputed">
              disputed: <Link to="/disputes">dispute #{job.dispute.id}</Link>,{' '}
              {job.dispute.outcome ?? job.dispute.status}
            </li>
          )}
          {job.status === 'settled' && job.closed_at && (
            <li data-testid="job-paid">
              paid {time(job.closed_at)}: {mesh(job.cost ?? '0', 6)} MESH to the provider (burn and royalty
              split as a voucher), {mesh(job.refund ?? '0', 6)} MESH back to the requester
            </li>
          )}
          {job.status === 'refunded' && job.closed_at && (
            <li data-testid="job-refunded">
              refunded {time(job.closed_at)}: {mesh(job.refund ?? '0', 6)} MESH to the requester (
              {job.refund_reason})
            </li>
          )}
        </ul>
      </section>
      <section className="card">
        <h2>Input</h2>
        <pre data-testid="job-input">{job.input}</pre>
        <p className="small muted">
          model <span className="mono">{job.model_id}</span> · max tokens {job.max_tokens} · temperature{' '}
          {job.temperature_milli / 1000} · seed {job.seed}
        </p>
      </section>
      {job.output !== null && (
        <section className="card">
          <h2>Output</h2>
          <pre data-testid="job-output">{job.output}</pre>
          <p className="small muted">
            receipt <span className="mono">{job.receipt_digest}</span>
          </p>
        </section>
      )}
    </>
  )
}
