import { type Job, useApi } from '../api'
import { Loading } from '../components/Loading'
import { mesh, short, time } from '../format'
import { jobState } from '../jobState'
import { Link } from '../router'

/** On-chain jobs, newest first: requester, provider, state, cost and the start of the output. */
export function JobsPage() {
  const { data, error } = useApi<{ jobs: Job[] }>('/api/jobs?limit=100')
  if (!data) return <Loading error={error} />
  return (
    <>
      <h1>Jobs</h1>
      {data.jobs.length === 0 ? (
        <p className="card muted" data-testid="no-jobs">
          No on-chain job yet. A contract (or an account) requests one from the JobCoordinator with MESH in
          escrow; a provider drawn by stake delivers the output with its signed receipt, the coordinator calls
          the contract back, and the provider is paid once the dispute window has passed.
        </p>
      ) : (
        <table className="card" data-testid="jobs">
          <thead>
            <tr>
              <th>Job</th>
              <th>State</th>
              <th>Requester</th>
              <th>Provider</th>
              <th>Cost (MESH)</th>
              <th>Output</th>
              <th>Requested</th>
            </tr>
          </thead>
          <tbody>
            {data.jobs.map((job) => {
              const state = jobState(job)
              return (
                <tr key={job.id} data-testid="job-row">
                  <td>
                    <Link to={`/jobs/${job.id}`}>#{job.id}</Link>
                  </td>
                  <td>
                    <span className={`tag ${state.tag}`}>{state.label}</span>
                  </td>
                  <td className="mono">{short(job.requester)}</td>
                  <td className="mono">
                    {job.provider ? (
                      <Link to={`/providers/${job.provider}`}>{short(job.provider)}</Link>
                    ) : (
                      '–'
                    )}
                  </td>
                  <td>{job.cost ? mesh(job.cost, 6) : '–'}</td>
                  <td className="small">{job.output === null ? '–' : job.output.slice(0, 60)}</td>
                  <td className="small">{time(job.requested_at)}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </>
  )
}
