import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'
import { webRoot } from './ensureWebBuild.js'

const run = promisify(execFile)
const tsc = join(webRoot, '..', '..', '..', 'node_modules', 'typescript', 'bin', 'tsc')

describe('the web app', () => {
  it('typechecks with its own tsconfig (the repository tsc does not read .tsx)', async () => {
    const result = await run(process.execPath, [tsc, '-p', webRoot]).catch(
      (error: { stdout?: string; code?: number }) => error,
    )
    assert.equal('code' in result ? result.code : 0, 0, 'stdout' in result ? result.stdout : '')
  })
})
