import { type Disputes, type Status, useApi } from '../api'
import { Loading } from '../components/Loading'
import { mesh, short, time } from '../format'
import { Link } from '../router'

const outcome = (d: Disputes['disputes'][number]) =>
  d.status !== 'resolved' ? d.status : d.guilty ? 'guilty: slashed' : 'not guilty'

/** Disputes (timeline, committee votes, outcome) and every slash. */
export function DisputesPage() {
  const { data, error } = useApi<Disputes>('/api/disputes')
  const contracts = useApi<Status>('/api/status').data?.contracts ?? {}
  const named = (address: string) =>
    Object.entries(contracts).find(([, value]) => value.toLowerCase() === address.toLowerCase())?.[0] ??
    short(address)
  if (!data) return <Loading error={error} />
  return (
    <>
      <h1>Disputes</h1>
      {data.disputes.length === 0 && (
        <p className="card muted" data-testid="no-disputes">
          No dispute has been opened. A validator opens one when a sampled result does not match its
          re-execution; a committee of validators then votes, and the loser is slashed.
        </p>
      )}
      {data.disputes.map((d) => (
        <section key={d.id} className="card" data-testid="dispute">
          <div className="model-head">
            <h2>
              Dispute #{d.id}{' '}
              <span className={`tag ${d.guilty ? 'bad' : d.status === 'resolved' ? 'good' : ''}`}>
                {outcome(d)}
              </span>
            </h2>
            <span className="muted small">opened at block {d.opened_block}</span>
          </div>
          <p>
            Provider{' '}
            <Link to={`/providers/${d.provider}`} className="mono">
              {short(d.provider)}
            </Link>{' '}
            challenged by <span className="mono">{short(d.challenger)}</span>: {mesh(d.slash_amount, 0)} MESH
            of stake at risk, bond {mesh(d.bond, 0)} MESH.
          </p>
          <ol className="timeline">
            <li>
              <b>{time(d.opened_at)}</b> opened
            </li>
            {d.members.length > 0 && (
              <li>
                committee drawn: {d.members.map(short).join(', ')}
                {d.voting_ends && <> · voting until {time(d.voting_ends)}</>}
              </li>
            )}
            {d.votes.map((v) => (
              <li key={v.member}>
                <b>{time(v.at)}</b> <span className="mono">{short(v.member)}</span> voted{' '}
                <span className={`tag ${v.guilty ? 'bad' : 'good'}`}>
                  {v.guilty ? 'guilty' : 'not guilty'}
                </span>
              </li>
            ))}
            {d.resolved_at && (
              <li>
                <b>{time(d.resolved_at)}</b> resolved:{' '}
                {d.guilty
                  ? `guilty, ${mesh(d.slashed ?? '0', 0)} MESH slashed (${mesh(d.challenger_reward ?? '0', 0)} to the challenger)`
                  : 'not guilty, the bond goes to the provider'}
                {d.absentees ? ` · ${d.absentees} absent members slashed` : ''}
              </li>
            )}
          </ol>
        </section>
      ))}
      <section className="card">
        <h2>Slashes</h2>
        {data.slashes.length === 0 ? (
          <p className="muted" data-testid="no-slashes">
            No stake has been slashed.
          </p>
        ) : (
          <table data-testid="slashes-table">
            <thead>
              <tr>
                <th>time</th>
                <th>account</th>
                <th>by</th>
                <th className="num">amount</th>
              </tr>
            </thead>
            <tbody>
              {data.slashes.map((s) => (
                <tr key={`${s.tx}-${s.account}`}>
                  <td title={`block ${s.block}`}>{time(s.t)}</td>
                  <td>
                    <Link to={`/providers/${s.account}`} className="mono">
                      {short(s.account)}
                    </Link>
                  </td>
                  <td className="mono">{named(s.slasher)}</td>
                  <td className="num">{mesh(s.amount, 2)} MESH</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p className="source">Registry Slashed events; disputes from the Disputes contract's events.</p>
      </section>
    </>
  )
}
