import { type Dispute, type Disputes, type DisputeVote, type Status, useApi } from '../api'
import { Loading } from '../components/Loading'
import { mesh, short, time } from '../format'
import { Link } from '../router'

const outcome = (d: Dispute) => {
  if (d.status !== 'resolved') return d.round > 0 ? `${d.status}, round ${d.round}` : d.status
  if (d.outcome === 'guilty') return 'guilty: slashed'
  if (d.outcome === 'innocent') return 'innocent'
  if (d.outcome === 'void') return 'void: no majority'
  return 'resolved'
}

const tagOf = (d: Dispute) =>
  d.outcome === 'guilty' ? 'bad' : d.outcome === 'innocent' ? 'good' : d.outcome === 'void' ? 'warn' : ''

/** What the resolution did with the stake and the bond. */
function resolution(d: Dispute): string {
  const absent = d.absentees && d.absentees !== '0' ? ` · ${d.absentees} absent members penalized` : ''
  if (d.outcome === 'guilty')
    return `guilty, ${mesh(d.slashed ?? '0', 0)} MESH slashed (${mesh(d.challenger_reward ?? '0', 0)} to the challenger${d.assigned ? '' : ', which the sample did not name: the rest burned'})${absent}`
  if (d.outcome === 'innocent')
    return `innocent, the bond goes to the members who voted innocent (${mesh(d.bond_to_committee ?? '0', 0)} MESH; the rest burned)${absent}`
  if (d.outcome === 'void')
    return `void: no majority of the full committee after the last round, the bond goes back to the challenger, nothing slashed${absent}`
  return `resolved${absent}`
}

function VoteLine({ vote }: { vote: DisputeVote }) {
  return (
    <li data-testid="dispute-vote">
      <span className="mono">{short(vote.member)}</span>{' '}
      {vote.committedAt ? <>committed {time(vote.committedAt)}</> : 'no commitment'}
      {vote.revealedAt ? (
        <>
          {' '}
          · revealed {time(vote.revealedAt)}{' '}
          <span className={`tag ${vote.guilty ? 'bad' : 'good'}`}>{vote.guilty ? 'guilty' : 'innocent'}</span>
        </>
      ) : (
        ' · not revealed'
      )}
      {vote.penalty && vote.penalty !== '0' && <> · penalized {mesh(vote.penalty, 2)} MESH (burned)</>}
    </li>
  )
}

/** Disputes (timeline, committees round by round, commits and reveals, outcome) and every slash. */
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
          re-execution; a committee of validators drawn by stake then commits hidden votes and reveals them,
          and a majority of the full committee decides who loses stake.
        </p>
      )}
      {data.disputes.map((d) => (
        <section key={d.id} className="card" data-testid="dispute">
          <div className="model-head">
            <h2>
              Dispute #{d.id} <span className={`tag ${tagOf(d)}`}>{outcome(d)}</span>
            </h2>
            <span className="muted small">opened at block {d.opened_block}</span>
          </div>
          <p>
            Provider{' '}
            <Link to={`/providers/${d.provider}`} className="mono">
              {short(d.provider)}
            </Link>{' '}
            challenged by <span className="mono">{short(d.challenger)}</span>
            {d.assigned === false ? ' (not named by a sample)' : ''}: {mesh(d.slash_amount, 0)} MESH of stake
            at risk, bond {mesh(d.bond, 0)} MESH.
          </p>
          <ol className="timeline">
            <li>
              <b>{time(d.opened_at)}</b> opened
            </li>
            {d.rounds.map((r) => (
              <li key={r.round} data-testid="dispute-round">
                <b>{time(r.drawnAt)}</b> round {r.round}: committee drawn{' '}
                {r.members.length > 0 ? r.members.map(short).join(', ') : '(nobody eligible)'}
                {r.commitEnds && <> · commits until {time(r.commitEnds)}</>}
                {r.revealEnds && <> · reveals until {time(r.revealEnds)}</>}
                {r.votes.length > 0 && (
                  <ul>
                    {r.votes.map((v) => (
                      <VoteLine key={v.member} vote={v} />
                    ))}
                  </ul>
                )}
                {r.escalatedAt && (
                  <div>
                    <b>{time(r.escalatedAt)}</b> no majority of the full committee: absent members are
                    penalized and lose their seats, a new round is drawn
                  </div>
                )}
              </li>
            ))}
            {d.resolved_at && (
              <li>
                <b>{time(d.resolved_at)}</b> {resolution(d)}
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
