import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { buildReport } from './buildReport.js'
import { smallScale } from './simulateAll.js'

const gas = async () =>
  (
    JSON.parse(await readFile(new URL('../../../../bench/results/gas.json', import.meta.url), 'utf8')) as {
      gas: Record<string, number>
    }
  ).gas

describe('buildReport', () => {
  it('writes the same bytes twice for a seed, and other bytes for another seed', async () => {
    const curve = await gas()
    const a = await buildReport({ seed: 3, scale: smallScale, gas: curve })
    const b = await buildReport({ seed: 3, scale: smallScale, gas: curve })
    assert.deepEqual([...a.files.keys()], [...b.files.keys()])
    for (const [name, content] of a.files) assert.equal(content, b.files.get(name), `${name} differs`)
    const c = await buildReport({ seed: 4, scale: smallScale, gas: curve })
    assert.notEqual(c.files.get('report.md'), a.files.get('report.md'))
  })

  it('computes every criterion from the data: a changed input changes the verdict it should', async () => {
    const curve = await gas()
    const { files, criteria } = await buildReport({ seed: 3, scale: smallScale, gas: curve })
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
      criteria.reduce((a, c) => a + c.charts.length, 0),
    )
    // Feasibility is read from the gas curve: a curve 1000 times cheaper makes it hold.
    const cheap = Object.fromEntries(Object.entries(curve).map(([k, v]) => [k, v / 1000]))
    const again = await buildReport({ seed: 3, scale: smallScale, gas: cheap })
    assert.equal(criteria.find((c) => c.id === 7)?.pass, false)
    assert.equal(again.criteria.find((c) => c.id === 7)?.pass, true)
  })
})
