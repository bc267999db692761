import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { runCli } from '../testing/runCli.js'

const root = new URL('../../../../', import.meta.url).pathname

describe('infermesh sim', () => {
  const dirs: string[] = []
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  it('writes a small report: index.html, report.md and the charts, and prints each criterion', async () => {
    const out = await mkdtemp(join(tmpdir(), 'infermesh-sim-'))
    dirs.push(out)
    const result = await runCli(['sim', '--small', '--seed', '5', '--out', out], { cwd: root })
    assert.equal(result.code, 0, result.stderr)
    const files = await readdir(out)
    assert.ok(files.includes('index.html') && files.includes('report.md'))
    assert.ok(files.filter((f) => f.endsWith('.svg')).length >= 8)
    assert.equal(result.stdout.match(/^(pass|FAIL) {2}\d\. /gm)?.length, 8)
    assert.match(await readFile(join(out, 'report.md'), 'utf8'), /^## 8\. Collusion/m)
  })

  it('refuses a bad seed (exit 2) and says how to get a missing gas curve (exit 1)', async () => {
    const seed = await runCli(['sim', '--small', '--seed', 'x'], { cwd: root })
    assert.equal(seed.code, 2)
    assert.match(seed.stderr, /--seed must be a whole number/)
    const gas = await runCli(['sim', '--small', '--gas', '/nonexistent/gas.json'], { cwd: root })
    assert.equal(gas.code, 1)
    assert.match(gas.stderr, /npm run bench -- gas/)
  })
})
