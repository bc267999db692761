import { StrictMode, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { LiveVersion, type Status } from './api'
import { DisputesPage } from './pages/DisputesPage'
import { JobPage } from './pages/JobPage'
import { JobsPage } from './pages/JobsPage'
import { ModelsPage } from './pages/ModelsPage'
import { OverviewPage } from './pages/OverviewPage'
import { ProviderPage } from './pages/ProviderPage'
import { ProvidersPage } from './pages/ProvidersPage'
import { ValidatorsPage } from './pages/ValidatorsPage'
import { Link, usePath } from './router'
import './styles.css'

const pages = [
  { to: '/', label: 'Overview' },
  { to: '/providers', label: 'Providers' },
  { to: '/models', label: 'Models' },
  { to: '/validators', label: 'Validators' },
  { to: '/disputes', label: 'Disputes' },
  { to: '/jobs', label: 'Jobs' },
]

/** Live updates: the server says when something changed; every page re-reads what it shows. */
function useLive(): { version: number; connected: boolean; status?: Status; updatedAt?: Date } {
  const [state, setState] = useState<{
    version: number
    connected: boolean
    status?: Status
    updatedAt?: Date
  }>({
    version: 0,
    connected: false,
  })
  useEffect(() => {
    const source = new EventSource('/api/stream')
    let timer: ReturnType<typeof setTimeout> | undefined
    const bump = () => {
      // Bursts of changes (a batch of blocks, a round of probes) make one refresh.
      clearTimeout(timer)
      timer = setTimeout(
        () => setState((s) => ({ ...s, version: s.version + 1, updatedAt: new Date() })),
        200,
      )
    }
    source.addEventListener('hello', (event) =>
      setState((s) => ({ ...s, connected: true, status: JSON.parse((event as MessageEvent).data) })),
    )
    source.addEventListener('update', bump)
    source.onerror = () => setState((s) => ({ ...s, connected: false }))
    source.onopen = () => setState((s) => ({ ...s, connected: true }))
    // A slow refresh as well, for figures that change without an event (online, uptime).
    const poll = setInterval(bump, 15_000)
    return () => {
      source.close()
      clearInterval(poll)
      clearTimeout(timer)
    }
  }, [])
  return state
}

function Page({ path }: { path: string }) {
  const provider = path.match(/^\/providers\/(0x[0-9a-fA-F]{40})\/?$/)
  if (provider?.[1]) return <ProviderPage address={provider[1]} />
  if (path === '/providers' || path === '/providers/') return <ProvidersPage />
  if (path === '/models' || path === '/models/') return <ModelsPage />
  if (path === '/disputes' || path === '/disputes/') return <DisputesPage />
  const job = path.match(/^\/jobs\/([1-9]\d{0,76})\/?$/)
  if (job?.[1]) return <JobPage id={job[1]} />
  if (path === '/jobs' || path === '/jobs/') return <JobsPage />
  if (path === '/validators' || path === '/validators/') return <ValidatorsPage />
  if (path === '/' || path === '') return <OverviewPage />
  return (
    <section className="card">
      <h1>Not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link to="/">Back to the overview</Link>.
      </p>
    </section>
  )
}

function App() {
  const path = usePath()
  const live = useLive()
  const section = `/${path.split('/')[1] ?? ''}`
  return (
    <LiveVersion.Provider value={live.version}>
      <header className="top">
        <div className="top-inner">
          <Link to="/" className="brand">
            <span className="logo" aria-hidden="true" />
            InferMesh <span className="brand-sub">Explorer</span>
          </Link>
          <nav>
            {pages.map((page) => (
              <Link key={page.to} to={page.to} className={section === page.to ? 'active' : ''}>
                {page.label}
              </Link>
            ))}
          </nav>
          <div
            className={`live ${live.connected ? 'on' : 'off'}`}
            data-testid="live"
            title="Live updates (Server-Sent Events)"
          >
            <span className="dot" />
            {live.connected ? 'live' : 'reconnecting…'}
            {live.status && <span className="muted"> · chain {live.status.chainId}</span>}
          </div>
        </div>
      </header>
      <main>
        <Page path={path} />
      </main>
      <footer>
        Figures from the chain are read from the contracts' events by this explorer's indexer; online status,
        uptime, requests and tokens come from the explorer's own probes of each provider's public{' '}
        <code>/health</code> and <code>/metrics</code>; verification from each validator's public reports.
        Prices are in MESH per 1M tokens.
      </footer>
    </LiveVersion.Provider>
  )
}

const root = document.getElementById('root')
if (root)
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  )
