import { useApi, type Validator, type VerificationFees } from '../api'
import { Loading } from '../components/Loading'
import { count, mesh, short, time } from '../format'

/**
 * Every validator: stake, declared models, endpoint, whether it answers the explorer, the re-executions it
 * reported and the fees it earned for checks; then the verification fees' books by epoch.
 */
export function ValidatorsPage() {
  const { data, error } = useApi<{ validators: Validator[]; fees: VerificationFees }>('/api/validators')
  if (!data) return <Loading error={error} />
  return (
    <>
      <h1>Validators</h1>
      <section className="card">
        {data.validators.length === 0 ? (
          <p className="muted" data-testid="no-validators">
            No validator registered yet.
          </p>
        ) : (
          <table data-testid="validators">
            <thead>
              <tr>
                <th>validator</th>
                <th>endpoint</th>
                <th className="num">stake</th>
                <th className="num">models</th>
                <th>answering</th>
                <th className="num">samples checked</th>
                <th className="num">reports stored</th>
                <th className="num">pass / drift / breach</th>
                <th className="num">votes</th>
                <th className="num" title="its votes × the fee per vote of their epoch; what its claims paid">
                  vote fees (claimed)
                </th>
                <th className="num" title="per-sample fees redeemed, after the burn">
                  sample fees
                </th>
              </tr>
            </thead>
            <tbody>
              {data.validators.map((v) => (
                <tr
                  key={v.address}
                  data-testid="validator"
                  data-address={v.address}
                  data-answering={String(v.answering)}
                  data-samples={v.samplesChecked}
                  data-votes={v.fees.votes}
                  data-vote-fees={v.fees.voteFees}
                  data-vote-fees-claimed={v.fees.voteFeesClaimed}
                  data-sample-fees={v.fees.samples.earned}
                >
                  <td className="mono nowrap" title={v.address}>
                    {short(v.address)}
                    {!v.active && <span className="tag bad">unregistered</span>}
                  </td>
                  <td>
                    <code className="small">{v.endpoint}</code>
                  </td>
                  <td className="num">{mesh(v.stake, 0)}</td>
                  <td className="num" title={v.models.join('\n')} data-testid="validator-models">
                    {v.models.length}
                  </td>
                  <td title={v.error ?? undefined}>
                    {v.answering === null ? (
                      <span className="muted">not polled yet</span>
                    ) : v.answering ? (
                      <span className="tag good">answering</span>
                    ) : (
                      <span className="tag bad">not answering</span>
                    )}
                    {v.answering === false && v.lastAnsweredAt && (
                      <span className="small muted"> last answered {time(v.lastAnsweredAt)}</span>
                    )}
                  </td>
                  <td className="num">{count(v.samplesChecked)}</td>
                  <td className="num">{count(v.reports)}</td>
                  <td className="num">
                    {v.verdicts.pass} / {v.verdicts.drift} / {v.verdicts.breach}
                  </td>
                  <td className="num">{count(v.fees.votes)}</td>
                  <td className="num">
                    {mesh(v.fees.voteFees)}{' '}
                    <span className="small muted">({mesh(v.fees.voteFeesClaimed)})</span>
                  </td>
                  <td className="num" title={`${count(v.fees.samples.redemptions)} redemptions`}>
                    {mesh(v.fees.samples.earned)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p className="source">
          Registry (ValidatorRegistered, stake, ValidatorModelsSet: the models it re-executes and sits on
          committees for); each validator's public /infermesh/v1/reputation (samples checked) and
          /infermesh/v1/reports (the reports the explorer stored), polled by the explorer. Fees:
          VerificationFees (VotesCredited, FeesClaimed) and Payments Redeemed on the verification channel.
        </p>
      </section>
      <section className="card">
        <h2>Verification fees by epoch</h2>
        {data.fees.epochs.length === 0 ? (
          <p className="muted" data-testid="no-fee-epochs">
            No verification fee funded or earned yet.
          </p>
        ) : (
          <table data-testid="fee-epochs" data-held={data.fees.held}>
            <thead>
              <tr>
                <th>epoch</th>
                <th className="num">pool</th>
                <th className="num">votes</th>
                <th className="num">fee per vote</th>
                <th className="num">claimed</th>
                <th className="num">rolled over</th>
              </tr>
            </thead>
            <tbody>
              {data.fees.epochs.map((e) => (
                <tr
                  key={e.epoch}
                  data-testid="fee-epoch"
                  data-epoch={e.epoch}
                  data-pool={e.pool}
                  data-votes={e.votes}
                  data-fee-per-vote={e.feePerVote}
                  data-rolled-over={e.rolledOver ?? ''}
                >
                  <td>#{e.epoch}</td>
                  <td className="num" title={`${mesh(e.funded)} funded, ${mesh(e.rolledIn)} rolled in`}>
                    {mesh(e.pool)}
                  </td>
                  <td className="num">{count(e.votes)}</td>
                  <td className="num" title={e.cap === null ? undefined : `cap ${mesh(e.cap)}`}>
                    {mesh(e.feePerVote)}
                  </td>
                  <td className="num">{mesh(e.claimed)}</td>
                  <td className="num">
                    {e.rolledOver === null ? (
                      <span className="muted">–</span>
                    ) : (
                      <>
                        {mesh(e.rolledOver)} <span className="small muted">to #{e.rolledTo}</span>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p className="source">
          VerificationFees: FeesFunded (a share of the burn Payments flushes, or anyone), VotesCredited (one
          point per member who voted with a verdict), FeesClaimed, FeesRolledOver (what the cap left); fee per
          vote = min(pool / votes, the cap the epoch took at its first booking), final once the epoch ended.
          The last 50 epochs; {mesh(data.fees.held)} MESH held, {mesh(data.fees.samples.earned)} MESH of
          sample fees redeemed by validators.
        </p>
      </section>
    </>
  )
}
