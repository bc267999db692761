import { type Model, type ModelShares, useApi } from '../api'
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
          {m.shares && <SharesSection shares={m.shares} />}
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
        Registry's offers; royalties and volume from Payments.Redeemed; share tokens, holders and offerings
        from the ModelSharesFactory and the tokens' and offerings' events.
      </p>
    </>
  )
}

/** Shares as "1,234.5" (18 decimals, like MESH). */
const sharesAmount = (units: string) => mesh(units, 2)
const day = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')

/** A model's revenue-share token: royalties pulled and claimed, its holders, and its offering. */
function SharesSection({ shares }: { shares: ModelShares }) {
  const offering = shares.offering
  return (
    <div data-testid="model-shares" data-shares={shares.shares}>
      <h3>
        Revenue shares <span className="mono small">{shares.symbol}</span>
      </h3>
      <div className="figures">
        <span>
          token <span className="mono">{short(shares.shares)}</span> “{shares.name}”
        </span>
        <span>
          supply <b>{sharesAmount(shares.totalSupply)}</b>
        </span>
        <span data-testid="shares-pulled" data-value={shares.pulled}>
          royalties received <b>{mesh(shares.pulled, 4)}</b>
        </span>
        <span data-testid="shares-claimed" data-value={shares.claimed}>
          claimed by holders <b>{mesh(shares.claimed, 4)}</b>
        </span>
        <span>
          holders <b data-testid="shares-holder-count">{shares.holderCount}</b>
        </span>
      </div>
      <table>
        <thead>
          <tr>
            <th>holder</th>
            <th className="num">shares</th>
            <th className="num">of supply</th>
          </tr>
        </thead>
        <tbody>
          {shares.holders.map((h) => (
            <tr key={h.address} data-testid="shares-holder" data-holder={h.address} data-balance={h.balance}>
              <td className="mono">
                {short(h.address)}
                {offering?.address === h.address && <span className="muted"> (offering escrow)</span>}
              </td>
              <td className="num">{sharesAmount(h.balance)}</td>
              <td className="num">
                {(Number((BigInt(h.balance) * 10_000n) / BigInt(shares.totalSupply)) / 100).toFixed(2)}%
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {offering && (
        <p className="small" data-testid="shares-offering" data-state={offering.state}>
          offering <span className="mono">{short(offering.address)}</span> · <b>{offering.state}</b> ·{' '}
          {offering.startPrice === offering.floorPrice
            ? `${mesh(offering.startPrice, 4)} MESH a share`
            : `Dutch auction ${mesh(offering.startPrice, 4)} → ${mesh(offering.floorPrice, 4)} MESH a share`}{' '}
          · {day(offering.start)} → {day(offering.end)} UTC · sold <b>{sharesAmount(offering.sold)}</b> of{' '}
          {sharesAmount(offering.sharesOffered)} · raised <b>{mesh(offering.raised, 4)}</b> MESH of a minimum{' '}
          {mesh(offering.minRaise, 4)}
          {offering.state === 'failed' && <> · refunded {mesh(offering.refunded, 4)} MESH</>}
        </p>
      )}
    </div>
  )
}
