import {
  Bar,
  BarChart,
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts'
import { type ProviderDetail, useApi } from '../api'
import { Loading } from '../components/Loading'
import { Stat } from '../components/Stat'
import { count, memory, mesh, percent, short, time } from '../format'
import { Link } from '../router'

/** One provider: stake, offers, uptime and earnings over time, receipts served, disputes. */
export function ProviderPage({ address }: { address: string }) {
  const { data: p, error } = useApi<ProviderDetail>(`/api/providers/${address}`)
  if (!p) return <Loading error={error} />
  return (
    <>
      <p className="crumbs">
        <Link to="/providers">Providers</Link> / {short(p.address)}
      </p>
      <h1 className="mono" data-testid="provider-address">
        <span className={`status ${p.online ? 'on' : 'off'}`} /> {p.address}
      </h1>
      <p className="lead">
        {p.region} · {p.gpuCount > 0 ? `${p.gpuCount}× ${p.gpuModel}, ${memory(p.vramMb)} VRAM` : 'CPU only'}{' '}
        · {p.cpuCores} CPU cores · {memory(p.ramMb)} RAM · endpoint <code>{p.endpoint}</code>
        {!p.active && (
          <span className="tag bad">
            {p.registered ? 'below the minimum stake: not routed' : 'unregistered'}
          </span>
        )}
      </p>
      {p.profile && (
        <blockquote className="profile" data-testid="provider-profile">
          {p.profile}
        </blockquote>
      )}
      <section className="stats">
        <Stat
          label="Stake"
          testId="provider-stake"
          value={p.stake}
          note={p.frozen > 0 ? `frozen by ${p.frozen} open dispute${p.frozen === 1 ? '' : 's'}` : 'MESH'}
        >
          {mesh(p.stake, 0)}
        </Stat>
        <Stat label="Unbonding" testId="provider-unbonding" value={p.unbonding} note="MESH">
          {mesh(p.unbonding, 0)}
        </Stat>
        <Stat
          label="Earned"
          testId="provider-earned"
          value={p.earned}
          note={`${p.redemptions} redemptions on-chain`}
        >
          {mesh(p.earned)}
        </Stat>
        <Stat
          label="Uptime, 24 h"
          testId="provider-uptime"
          value={p.uptime ?? ''}
          note={p.latencyMs === null ? 'explorer probes' : `${p.latencyMs} ms last probe`}
        >
          {percent(p.uptime)}
        </Stat>
        <Stat
          label="Receipts served"
          testId="provider-requests"
          value={p.requestsServed ?? ''}
          note="answered requests since it started (/metrics)"
        >
          {p.requestsServed === null ? '–' : count(p.requestsServed)}
        </Stat>
        <Stat
          label="Slashed"
          testId="provider-slashed"
          value={p.slashed}
          note={`${p.slashes.length} slashes`}
        >
          {mesh(p.slashed, 0)}
        </Stat>
      </section>

      <section className="grid-2">
        <div className="card">
          <h2>Uptime history</h2>
          {p.uptimeHistory.length === 0 ? (
            <p className="muted">No probe yet.</p>
          ) : (
            <ResponsiveContainer width="100%" height={200}>
              <BarChart data={p.uptimeHistory} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="#eef0f4" vertical={false} />
                <XAxis dataKey="t" tickFormatter={time} minTickGap={40} tick={{ fontSize: 12 }} />
                <YAxis
                  domain={[0, 1]}
                  tickFormatter={(v: number) => `${v * 100}%`}
                  width={48}
                  tick={{ fontSize: 12 }}
                />
                <Tooltip labelFormatter={(t) => time(String(t))} formatter={(v) => percent(Number(v))} />
                <Bar dataKey="uptime" fill="#10b981" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          )}
          <p className="source">
            Source: this explorer's probes of /health — the share answered, per interval (last 24 h).
          </p>
          <h2 className="spaced">Uptime by epoch</h2>
          <EpochScores p={p} />
        </div>
        <div className="card">
          <h2>Earnings</h2>
          {p.earningsHistory.length === 0 ? (
            <p className="muted">Nothing redeemed yet.</p>
          ) : (
            <ResponsiveContainer width="100%" height={200}>
              <LineChart data={p.earningsHistory} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="#eef0f4" vertical={false} />
                <XAxis dataKey="t" tickFormatter={time} minTickGap={40} tick={{ fontSize: 12 }} />
                <YAxis width={64} tick={{ fontSize: 12 }} />
                <Tooltip labelFormatter={(t) => time(String(t))} formatter={(v) => `${v} MESH`} />
                <Line
                  type="stepAfter"
                  dataKey="earned"
                  stroke="#4f46e5"
                  dot={false}
                  isAnimationActive={false}
                />
              </LineChart>
            </ResponsiveContainer>
          )}
          <p className="source">
            Cumulative MESH paid to the provider by Payments (Redeemed events, after burn and royalty).
          </p>
        </div>
      </section>

      <section className="grid-2">
        <VerificationPanel p={p} />
        <EmissionsPanel p={p} />
      </section>

      <section className="grid-2">
        <div className="card">
          <h2>Offers</h2>
          <table>
            <thead>
              <tr>
                <th>model</th>
                <th className="num">input</th>
                <th className="num">output</th>
              </tr>
            </thead>
            <tbody>
              {p.offers.map((o) => (
                <tr key={o.modelId}>
                  <td>{o.model}</td>
                  <td className="num">{mesh(o.priceIn)}</td>
                  <td className="num">{mesh(o.priceOut)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="source">MESH per 1M tokens (Registry).</p>
          <h2 className="spaced">Disputes</h2>
          {p.disputes.length === 0 ? (
            <p className="muted">No dispute against this provider.</p>
          ) : (
            <ul className="plain">
              {p.disputes.map((d) => (
                <li key={d.id}>
                  <Link to="/disputes">#{d.id}</Link> {d.status}
                  {d.outcome && ` · ${d.outcome}`} · {time(d.opened_at)}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="card">
          <h2>Redemptions</h2>
          {p.recentRedemptions.length === 0 ? (
            <p className="muted">None yet.</p>
          ) : (
            <table data-testid="redemptions">
              <thead>
                <tr>
                  <th>time</th>
                  <th>payer</th>
                  <th className="num">amount</th>
                  <th className="num">burned</th>
                  <th className="num">royalty</th>
                </tr>
              </thead>
              <tbody>
                {p.recentRedemptions.map((r) => (
                  <tr key={`${r.tx}-${r.modelId}-${r.payer}`}>
                    <td title={`block ${r.block}, tx ${r.tx}`}>{time(r.t)}</td>
                    <td className="mono">{short(r.payer)}</td>
                    <td className="num">{mesh(r.amount, 4)}</td>
                    <td className="num">{mesh(r.burned, 4)}</td>
                    <td className="num">{mesh(r.royalty, 4)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="source">The last 50 Payments.Redeemed events (MESH).</p>
        </div>
      </section>
    </>
  )
}

/** The validators' scores per epoch (Uptime.EpochScore), with the floor below which a provider is inactive. */
function EpochScores({ p }: { p: ProviderDetail }) {
  if (p.epochScores.length === 0)
    return <p className="muted">No epoch finalized with a score for this provider yet.</p>
  const data = p.epochScores.map((s) => ({ epoch: `#${s.epoch}`, score: s.score / 100, active: s.active }))
  return (
    <div data-testid="epoch-scores" data-epochs={p.epochScores.length} data-floor={p.uptimeFloor ?? ''}>
      <ResponsiveContainer width="100%" height={180}>
        <LineChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#eef0f4" vertical={false} />
          <XAxis dataKey="epoch" tick={{ fontSize: 12 }} />
          <YAxis
            domain={[0, 100]}
            tickFormatter={(v: number) => `${v}%`}
            width={48}
            tick={{ fontSize: 12 }}
          />
          <Tooltip formatter={(v) => `${Number(v).toFixed(2)}%`} />
          {p.uptimeFloor !== null && (
            <ReferenceLine
              y={p.uptimeFloor / 100}
              stroke="#e11d48"
              strokeDasharray="4 4"
              label={{ value: `floor ${(p.uptimeFloor / 100).toFixed(0)}%`, fontSize: 11, fill: '#e11d48' }}
            />
          )}
          <Line type="linear" dataKey="score" stroke="#10b981" isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
      <p className="source">
        Source: the Uptime contract's EpochScore events — the validators' stake-weighted median of their
        probes, per finalized epoch. Below the floor, a provider is inactive the next epoch and earns no
        emissions for it
        {p.epochScores.some((s) => !s.active) &&
          ` (below it in ${plural(p.epochScores.filter((s) => !s.active).length, 'epoch')})`}
        .
      </p>
    </div>
  )
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

const verdictTag = { pass: 'good', drift: '', breach: 'bad' } as const

/** What validators found re-executing this provider's answers. */
function VerificationPanel({ p }: { p: ProviderDetail }) {
  const v = p.verification
  return (
    <div
      className="card"
      data-testid="verification"
      data-samples={v.samples}
      data-reputation={v.reputation ?? ''}
    >
      <h2>Verification</h2>
      <div className="figures">
        <span>
          samples checked <b data-testid="verification-samples">{count(v.samples)}</b>
        </span>
        <span>
          pass <b>{v.passed}</b> · drift <b>{v.drifted}</b> · breach <b>{v.breached}</b>
        </span>
        <span>
          reputation <b data-testid="verification-reputation">{percent(v.reputation)}</b>
        </span>
        <span>
          by <b>{v.validators}</b> {v.validators === 1 ? 'validator' : 'validators'}
        </span>
      </div>
      {v.reports.length === 0 ? (
        <p className="muted">No validator has reported a re-execution of this provider's answers yet.</p>
      ) : (
        <table data-testid="verification-reports">
          <thead>
            <tr>
              <th>time</th>
              <th>validator</th>
              <th>source</th>
              <th>verdict</th>
              <th className="num">tokens</th>
              <th>reasons</th>
            </tr>
          </thead>
          <tbody>
            {v.reports.map((r) => (
              <tr key={`${r.validator}-${r.receiptDigest}-${r.source}`} data-verdict={r.verdict}>
                <td title={`receipt ${r.receiptDigest}, ${r.elapsedMs} ms`}>{time(r.at)}</td>
                <td className="mono">
                  <Link to="/validators">{short(r.validator)}</Link>
                </td>
                <td>{r.source}</td>
                <td>
                  <span className={`tag ${verdictTag[r.verdict]}`}>{r.verdict}</span>
                  {r.disputeId && <Link to="/disputes"> dispute #{r.disputeId}</Link>}
                </td>
                <td className="num">{r.checkedTokens}</td>
                <td className="small">{r.reasons.join('; ') || '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="source">
        Source: each validator's /infermesh/v1/reputation (reputation weighted by samples across validators: a
        drift counts half, a breach nothing) and /infermesh/v1/reports (the last 20), polled by the explorer.
      </p>
    </div>
  )
}

/** The MESH emissions minted to this provider (Emissions.Claimed), by epoch. */
function EmissionsPanel({ p }: { p: ProviderDetail }) {
  const e = p.emissions
  return (
    <div className="card" data-testid="provider-emissions" data-total={e.total}>
      <h2>Emissions earned</h2>
      <div className="figures">
        <span>
          availability <b>{mesh(e.availability)}</b>
        </span>
        <span>
          work <b>{mesh(e.work)}</b>
        </span>
        <span>
          total <b>{mesh(e.total)}</b> MESH
        </span>
      </div>
      {e.byEpoch.length === 0 ? (
        <p className="muted">Nothing claimed yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>epoch</th>
              <th className="num">availability</th>
              <th className="num">work</th>
            </tr>
          </thead>
          <tbody>
            {e.byEpoch.map((row) => (
              <tr key={row.epoch}>
                <td>#{row.epoch}</td>
                <td className="num">{mesh(row.availability, 4)}</td>
                <td className="num">{mesh(row.work, 4)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="source">
        Source: Emissions Claimed events — MESH minted for the provider's uptime (availability) and paid work,
        per epoch, once claimed.
      </p>
    </div>
  )
}
