import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { type Overview, type ReferencePrices, useApi } from '../api'
import { Loading } from '../components/Loading'
import { Stat } from '../components/Stat'
import { count, memory, mesh, time } from '../format'
import { Link } from '../router'

function SupplyChart({ series }: { series: Overview['supply']['series'] }) {
  if (series.length === 0) return <p className="muted">No mint or burn yet.</p>
  return (
    <ResponsiveContainer width="100%" height={220}>
      <AreaChart data={series} margin={{ top: 8, right: 12, bottom: 0, left: 8 }}>
        <CartesianGrid stroke="#eef0f4" vertical={false} />
        <XAxis dataKey="t" tickFormatter={time} minTickGap={40} tick={{ fontSize: 12 }} />
        <YAxis tickFormatter={(v: number) => v.toLocaleString('en-US')} width={80} tick={{ fontSize: 12 }} />
        <Tooltip
          labelFormatter={(t) => time(String(t))}
          formatter={(v) => `${Number(v).toLocaleString('en-US')} MESH`}
        />
        <Legend />
        <Area
          type="stepAfter"
          dataKey="minted"
          name="minted"
          stroke="#4f46e5"
          fill="#4f46e5"
          fillOpacity={0.12}
          isAnimationActive={false}
        />
        <Area
          type="stepAfter"
          dataKey="burned"
          name="burned"
          stroke="#e11d48"
          fill="#e11d48"
          fillOpacity={0.12}
          isAnimationActive={false}
        />
      </AreaChart>
    </ResponsiveContainer>
  )
}

/** The network at a glance. */
export function OverviewPage() {
  const { data, error } = useApi<Overview>('/api/overview')
  const reference = useApi<ReferencePrices>('/api/reference-prices').data
  if (!data) return <Loading error={error} />
  const maxGpu = Math.max(1, ...data.gpus.map((g) => g.count))
  const maxRegion = Math.max(1, ...data.regions.map((r) => r.count))
  return (
    <>
      <h1>Network overview</h1>
      <p className="lead">
        Indexed to block <b data-testid="indexed-block">{data.status.indexedBlock}</b> of{' '}
        {data.status.headBlock} on chain {data.status.chainId}.
      </p>
      <section className="stats">
        <Stat
          label="Providers online"
          testId="providers-online"
          value={data.providers.online}
          note={`of ${data.providers.registered} registered`}
        >
          {data.providers.online}
          <span className="of"> / {data.providers.registered}</span>
        </Stat>
        <Stat label="Total VRAM" testId="total-vram" value={data.totalVramMb} note="of registered providers">
          {memory(data.totalVramMb)}
        </Stat>
        <Stat
          label="Models offered"
          testId="models-offered"
          value={data.modelsOffered}
          note="by registered providers"
        >
          {data.modelsOffered}
        </Stat>
        <Stat
          label="Total stake"
          testId="total-stake"
          value={data.totalStake}
          note="MESH, registered providers"
        >
          {mesh(data.totalStake, 0)}
        </Stat>
        <Stat
          label="Requests, last minute"
          testId="requests-per-minute"
          value={data.lastMinute.requests}
          note="from providers' /metrics"
        >
          {count(data.lastMinute.requests)}
        </Stat>
        <Stat
          label="Tokens, last minute"
          testId="tokens-per-minute"
          value={data.lastMinute.tokens}
          note="prompt + generated, /metrics"
        >
          {count(data.lastMinute.tokens)}
        </Stat>
        <Stat
          label="Open disputes"
          testId="open-disputes"
          value={data.disputes.open}
          note={`${data.disputes.total} ever opened`}
        >
          {data.disputes.open}
        </Stat>
        <Stat
          label="Slashes"
          testId="slashes"
          value={data.slashes.count}
          note={`${mesh(data.slashes.amount, 0)} MESH slashed`}
        >
          {data.slashes.count}
        </Stat>
      </section>

      <section className="grid-2">
        <div className="card">
          <h2>MESH minted vs burned</h2>
          <div className="figures">
            <span data-testid="supply-minted" data-value={data.supply.minted}>
              minted <b>{mesh(data.supply.minted, 0)}</b>
            </span>
            <span data-testid="supply-burned" data-value={data.supply.burned}>
              burned <b>{mesh(data.supply.burned, 4)}</b>
            </span>
            <span>
              supply <b>{mesh(data.supply.circulating, 0)}</b>
            </span>
          </div>
          <SupplyChart series={data.supply.series} />
          <p className="source">Source: MeshToken Transfer events from and to the zero address.</p>
          <h2 className="spaced">Minted by emissions</h2>
          {data.emissions.byEpoch.length === 0 ? (
            <p className="muted">No emission claimed yet.</p>
          ) : (
            <table data-testid="emissions" data-total={data.emissions.total}>
              <thead>
                <tr>
                  <th>epoch</th>
                  <th className="num">availability</th>
                  <th className="num">work</th>
                  <th className="num">validation</th>
                  <th className="num">total</th>
                </tr>
              </thead>
              <tbody>
                {data.emissions.byEpoch.map((row) => (
                  <tr
                    key={row.epoch}
                    data-testid="emission-epoch"
                    data-epoch={row.epoch}
                    data-total={row.total}
                  >
                    <td>#{row.epoch}</td>
                    <td className="num">{mesh(row.availability, 2)}</td>
                    <td className="num">{mesh(row.work, 2)}</td>
                    <td className="num">{mesh(row.validation, 2)}</td>
                    <td className="num">{mesh(row.total, 2)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="source">
            Source: Emissions Claimed events (MESH minted on claim, part of "minted" above; the last 20
            epochs).
            {data.emissions.byEpoch.length > 0 && ` ${mesh(data.emissions.total, 0)} MESH in all.`}
          </p>
        </div>
        <div className="card">
          <h2>GPUs by model</h2>
          {data.gpus.length === 0 && <p className="muted">No provider registered yet.</p>}
          <ul className="bars" data-testid="gpus">
            {data.gpus.map((gpu) => (
              <li key={gpu.model}>
                <span className="bar-label">{gpu.model}</span>
                <span className="bar" style={{ width: `${(gpu.count / maxGpu) * 100}%` }} />
                <span className="bar-value">{gpu.count}</span>
              </li>
            ))}
          </ul>
          <p className="source">
            Source: hardware each provider registered in the Registry ("CPU only" counts machines).
          </p>
          <h2 className="spaced">Providers by region</h2>
          <ul className="bars" data-testid="regions">
            {data.regions.map((region) => (
              <li key={region.region}>
                <span className="bar-label">{region.region}</span>
                <span className="bar region" style={{ width: `${(region.count / maxRegion) * 100}%` }} />
                <span className="bar-value">{region.count}</span>
              </li>
            ))}
          </ul>
          <p className="muted small">
            Requests served since the providers started:{' '}
            <b data-testid="requests-served">{count(data.lastMinute.requestsServed)}</b>
          </p>
        </div>
      </section>

      <section className="grid-2">
        <div className="card">
          <h2>Median price per model</h2>
          <table>
            <thead>
              <tr>
                <th>model</th>
                <th className="num">providers</th>
                <th className="num">input</th>
                <th className="num">output</th>
              </tr>
            </thead>
            <tbody>
              {data.prices.map((price) => (
                <tr
                  key={price.modelId}
                  data-testid="median-price"
                  data-model={price.model}
                  data-in={price.medianIn}
                  data-out={price.medianOut}
                >
                  <td>
                    <Link to="/models">{price.model}</Link>
                  </td>
                  <td className="num">{price.providers}</td>
                  <td className="num">{mesh(price.medianIn)}</td>
                  <td className="num">{mesh(price.medianOut)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="source">MESH per 1M tokens; the median over the offers in the Registry.</p>
        </div>
        <div className="card">
          <h2>Reference cloud prices</h2>
          {reference && (
            <>
              <table data-testid="reference-prices">
                <thead>
                  <tr>
                    <th>model</th>
                    <th>vendor</th>
                    <th className="num">input</th>
                    <th className="num">output</th>
                  </tr>
                </thead>
                <tbody>
                  {reference.models.map((row) => (
                    <tr key={row.model}>
                      <td>
                        <a href={row.source} target="_blank" rel="noreferrer">
                          {row.model}
                        </a>
                      </td>
                      <td>{row.vendor}</td>
                      <td className="num">${row.input.toFixed(2)}</td>
                      <td className="num">${row.output.toFixed(2)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="source">
                USD per 1M tokens, list prices as of {reference.date}. {reference.note}
              </p>
            </>
          )}
        </div>
      </section>
    </>
  )
}
