import { useMemo, useState } from 'react'
import { type Provider, useApi } from '../api'
import { Loading } from '../components/Loading'
import { count, memory, mesh, meshNumber, percent, short } from '../format'
import { Link } from '../router'

type SortKey = 'stake' | 'price' | 'uptime' | 'earned' | 'vram' | 'requests'

const lowestPrice = (p: Provider, model: string) => {
  const offers = p.offers.filter((o) => !model || o.model === model)
  return offers.length ? Math.min(...offers.map((o) => meshNumber(o.priceOut))) : Number.POSITIVE_INFINITY
}

const sorters: Record<SortKey, (p: Provider, model: string) => number> = {
  stake: (p) => meshNumber(p.stake),
  price: lowestPrice,
  uptime: (p) => p.uptime ?? -1,
  earned: (p) => meshNumber(p.earned),
  vram: (p) => p.vramMb,
  requests: (p) => p.requestsServed ?? -1,
}

const columns: { key: SortKey; label: string }[] = [
  { key: 'price', label: 'price in / out' },
  { key: 'stake', label: 'stake' },
  { key: 'vram', label: 'hardware' },
  { key: 'uptime', label: 'uptime 24 h' },
  { key: 'requests', label: 'requests' },
  { key: 'earned', label: 'earned' },
]

/** Every provider: sortable, filterable by model, GPU, region and price. */
export function ProvidersPage() {
  const { data, error } = useApi<{ providers: Provider[] }>('/api/providers')
  const [model, setModel] = useState('')
  const [gpu, setGpu] = useState('')
  const [region, setRegion] = useState('')
  const [maxPrice, setMaxPrice] = useState('')
  const [showInactive, setShowInactive] = useState(false)
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'stake', descending: true })
  const providers = data?.providers ?? []
  const options = useMemo(
    () => ({
      models: [...new Set(providers.flatMap((p) => p.offers.map((o) => o.model)))].sort(),
      gpus: [...new Set(providers.map((p) => (p.gpuCount > 0 ? p.gpuModel : 'CPU only')))].sort(),
      regions: [...new Set(providers.map((p) => p.region))].sort(),
    }),
    [providers],
  )
  if (!data) return <Loading error={error} />
  const limit = maxPrice === '' ? Number.POSITIVE_INFINITY : Number(maxPrice)
  const shown = providers
    .filter((p) => showInactive || p.active)
    .filter((p) => !model || p.offers.some((o) => o.model === model))
    .filter((p) => !gpu || (p.gpuCount > 0 ? p.gpuModel : 'CPU only') === gpu)
    .filter((p) => !region || p.region === region)
    .filter((p) => lowestPrice(p, model) <= limit)
    .sort((a, b) => {
      const difference = sorters[sort.key](a, model) - sorters[sort.key](b, model)
      return sort.descending ? -difference : difference
    })
  const toggle = (key: SortKey) =>
    setSort((s) => ({ key, descending: s.key === key ? !s.descending : key !== 'price' }))
  return (
    <>
      <h1>Providers</h1>
      <div className="filters card">
        <label>
          Model
          <select value={model} onChange={(e) => setModel(e.target.value)} data-testid="filter-model">
            <option value="">any</option>
            {options.models.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label>
          GPU
          <select value={gpu} onChange={(e) => setGpu(e.target.value)} data-testid="filter-gpu">
            <option value="">any</option>
            {options.gpus.map((g) => (
              <option key={g}>{g}</option>
            ))}
          </select>
        </label>
        <label>
          Region
          <select value={region} onChange={(e) => setRegion(e.target.value)} data-testid="filter-region">
            <option value="">any</option>
            {options.regions.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Max output price (MESH / 1M)
          <input
            type="number"
            min="0"
            step="any"
            value={maxPrice}
            placeholder="any"
            onChange={(e) => setMaxPrice(e.target.value)}
            data-testid="filter-max-price"
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={showInactive} onChange={(e) => setShowInactive(e.target.checked)} />
          show inactive
        </label>
        <span className="muted" data-testid="provider-count">
          {shown.length} of {providers.length}
        </span>
      </div>
      <div className="card flush">
        <table className="providers">
          <thead>
            <tr>
              <th>provider</th>
              <th>region</th>
              {columns.map((column) => (
                <th key={column.key} className="num">
                  <button
                    type="button"
                    className="sort"
                    onClick={() => toggle(column.key)}
                    data-testid={`sort-${column.key}`}
                  >
                    {column.label}
                    {sort.key === column.key ? (sort.descending ? ' ▾' : ' ▴') : ''}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => {
              const offers = p.offers.filter((o) => !model || o.model === model)
              return (
                <tr key={p.address} data-testid="provider-row" data-address={p.address} data-stake={p.stake}>
                  <td>
                    <span
                      className={`status ${p.online ? 'on' : 'off'}`}
                      title={p.online ? 'online' : 'not answering'}
                    />
                    <Link to={`/providers/${p.address}`} className="mono">
                      {short(p.address)}
                    </Link>
                    {!p.active && (
                      <span className="tag bad">{p.registered ? 'below min stake' : 'unregistered'}</span>
                    )}
                  </td>
                  <td>{p.region}</td>
                  <td className="num">
                    {offers.map((o) => (
                      <div key={o.modelId}>
                        <span className="muted">{o.model}</span> {mesh(o.priceIn)} / {mesh(o.priceOut)}
                      </div>
                    ))}
                  </td>
                  <td className="num">{mesh(p.stake, 0)}</td>
                  <td className="num">
                    {p.gpuCount > 0 ? `${p.gpuCount}× ${p.gpuModel}` : `${p.cpuCores} CPU cores`}
                    <div className="muted small">
                      {p.gpuCount > 0 ? `${memory(p.vramMb)} VRAM` : `${memory(p.ramMb)} RAM`}
                    </div>
                  </td>
                  <td className="num">{percent(p.uptime)}</td>
                  <td className="num">{p.requestsServed === null ? '–' : count(p.requestsServed)}</td>
                  <td className="num">{mesh(p.earned)}</td>
                </tr>
              )
            })}
            {shown.length === 0 && (
              <tr>
                <td colSpan={8} className="muted">
                  No provider matches these filters.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <p className="source">
        Prices in MESH per 1M input / output tokens and stake from the Registry; earned = what Payments paid
        the provider (after burn and royalty); uptime and requests (since the provider started) from the
        explorer's probes.
      </p>
    </>
  )
}
