import { useApi, type Validator } from '../api'
import { Loading } from '../components/Loading'
import { count, mesh, short, time } from '../format'

/** Every validator: stake, declared models, endpoint, whether it answers the explorer, and the re-executions it reported. */
export function ValidatorsPage() {
  const { data, error } = useApi<{ validators: Validator[] }>('/api/validators')
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
                >
                  <td className="mono" title={v.address}>
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
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p className="source">
          Registry (ValidatorRegistered, stake, ValidatorModelsSet: the models it re-executes and sits on
          committees for); each validator's public /infermesh/v1/reputation (samples checked) and
          /infermesh/v1/reports (the reports the explorer stored), polled by the explorer.
        </p>
      </section>
    </>
  )
}
