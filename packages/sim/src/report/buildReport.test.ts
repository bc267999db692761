import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { before, describe, it } from 'node:test'
import { buildReport } from './buildReport.js'
import { feasibility } from './criteria/feasibility.js'
import { smallScale } from './simulateAll.js'

describe('buildReport', () => {
  let curve: Record<string, number>
  let a: Awaited<ReturnType<typeof buildReport>>
  let b: Awaited<ReturnType<typeof buildReport>>
  before(async () => {
    const file = new URL('../../../../bench/results/gas.json', import.meta.url)
    curve = (JSON.parse(await readFile(file, 'utf8')) as { gas: Record<string, number> }).gas
    a = await buildReport({ seed: 3, scale: smallScale, gas: curve })
    b = await buildReport({ seed: 3, scale: smallScale, gas: curve })
  })

  it('writes the same bytes twice for a seed', () => {
    assert.deepEqual([...a.files.keys()], [...b.files.keys()])
    for (const [name, content] of a.files) assert.equal(content, b.files.get(name), `${name} differs`)
  })

  it('computes every criterion from the data: a changed input changes the verdict it should', () => {
    const { files, criteria } = a
    assert.deepEqual(
      criteria.map((c) => c.id),
      [1, 2, 3, 4, 5, 6, 7, 8],
    )
    for (const c of criteria) {
      assert.ok(c.measured.length > 0 && c.charts.length > 0, `criterion ${c.id} measured something`)
      if (!c.pass) assert.ok(c.fix, `criterion ${c.id} fails and names a fix`)
    }
    const md = files.get('report.md') ?? ''
    const html = files.get('index.html') ?? ''
    for (const c of criteria)
      assert.ok(md.includes(`## ${c.id}. ${c.title} — ${c.pass ? 'PASS' : '**FAIL**'}`))
    assert.equal(
      (html.match(/<svg/g) ?? []).length,
      criteria.reduce((n, c) => n + c.charts.length, 0),
    )
    // Feasibility is read from the gas curve: a curve 1000 times cheaper makes it hold.
    const cheap = Object.fromEntries(Object.entries(curve).map(([k, v]) => [k, v / 1000]))
    assert.equal(criteria.find((c) => c.id === 7)?.pass, false)
    assert.equal(feasibility({ ...a.data, gas: cheap }).pass, true)
  })
})
