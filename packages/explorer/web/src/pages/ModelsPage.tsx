import { type Model, useApi } from '../api'
import { Loading } from '../components/Loading'
import { mesh, short } from '../format'
import { Link } from '../router'

/** Every model: who serves it, at what price, and what its royalties earned. */
export function ModelsPage() {
  const { data, error } = useApi<{ models: Model[] }>('/api/models')
  if (!data) return <Loading error={error} />
  return (
    <>
      <h1>Models</h1>
      {data.models.length === 0 && <p className="card muted">No model registered or offered yet.</p>}
      {data.models.map((m) => (
        <section key={m.modelId} className="card" data-testid="model" data-model={m.name ?? m.modelId}>
          <div className="model-head">
            <h2>{m.name ?? <span className="muted">unregistered model</span>}</h2>
            <code className="small muted">{m.modelId}</code>
          </div>
          <div className="figures">
            <span>
              providers <b data-testid="model-providers">{m.providers.length}</b>
            </span>
            <span>
              input <b>{mesh(m.priceIn.min)}</b>–<b>{mesh(m.priceIn.max)}</b> (median {mesh(m.priceIn.median)}
              )
            </span>
            <span>
              output <b>{mesh(m.priceOut.min)}</b>–<b>{mesh(m.priceOut.max)}</b> (median{' '}
              {mesh(m.priceOut.median)})
            </span>
            <span>
              royalty <b>{(m.royaltyBps / 100).toFixed(2)}%</b>
            </span>
            <span data-testid="model-royalties" data-value={m.royaltiesEarned}>
              royalties earned <b>{mesh(m.royaltiesEarned, 4)}</b>
            </span>
            <span>
              paid for it <b>{mesh(m.volume, 4)}</b> in {m.redemptions} redemptions
            </span>
          </div>
          {m.owner && (
            <p className="small muted">
              owner <span className="mono">{short(m.owner)}</span>
              {m.royaltyReceiver && m.royaltyBps > 0 && (
                <>
                  {' '}
                  · royalties to <span className="mono">{short(m.royaltyReceiver)}</span>
                </>
              )}
              {m.uri && <> · {m.uri}</>}
            </p>
          )}
          {m.providers.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th>provider</th>
                  <th className="num">input</th>
                  <th className="num">output</th>
                </tr>
              </thead>
              <tbody>
                {m.providers.map((p) => (
                  <tr key={p.address}>
                    <td>
                      <Link to={`/providers/${p.address}`} className="mono">
                        {short(p.address)}
                      </Link>
                    </td>
                    <td className="num">{mesh(p.priceIn)}</td>
                    <td className="num">{mesh(p.priceOut)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
      <p className="source">
        Names, owners and royalty rates from the ModelRegistry; prices (MESH per 1M tokens) from the
        Registry's offers; royalties and volume from Payments.Redeemed.
      </p>
    </>
  )
}
