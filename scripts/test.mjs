#!/usr/bin/env node
// `npm test`: everything a change must pass, in order, on a fresh clone.
//   1. install dependencies (npm install) when node_modules is missing or older than package-lock.json
//   2. lint and format check (biome)   3. typecheck (tsc)
//   4. build the contracts and check the generated ABIs are not stale
//   5. forge tests (unit, fuzz, invariant; the `ci` profile under CI=true; gas snapshots checked)
//   6. TypeScript tests (node:test, every *.test.ts under packages/ and test/)
// It prints one closing line: `npm test: N passed, M failed`.
// Plain JavaScript on purpose: it runs before anything is installed.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { ensureDeps } from './ensure-deps.mjs'

const root = new URL('..', import.meta.url).pathname
const bin = (name) => join(root, 'node_modules', '.bin', name)
let passed = 0
let failed = 0

function step(title) {
  console.log(`\n=== ${title}`)
}

function runSync(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options })
  if (result.status !== 0) finish(`${title(command, args)} failed (exit ${result.status ?? result.signal})`)
}

function title(command, args) {
  return [relative(root, command) || command, ...args].join(' ')
}

/** Runs a command, echoing its output, and returns the output for counting. */
function runCapture(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...options })
    let output = ''
    const tee = (stream) => (data) => {
      output += data
      stream.write(data)
    }
    child.stdout.on('data', tee(process.stdout))
    child.stderr.on('data', tee(process.stderr))
    child.on('close', (code) => resolve({ code, output }))
  })
}

function finish(error) {
  if (error) failed += 1 // a failed step counts as a failed test, so the closing line never reads green
  console.log(`\nnpm test: ${passed} passed, ${failed} failed`)
  if (error) console.error(error)
  process.exit(error || failed > 0 ? 1 : 0)
}

function findTests(dir, found = []) {
  if (!existsSync(dir)) return found
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) findTests(path, found)
    else if (entry.name.endsWith('.test.ts')) found.push(relative(root, path))
  }
  return found.sort()
}

// 1. dependencies
step('dependencies')
if (!ensureDeps()) finish('npm install failed')

// 2, 3. lint and types
step('lint (biome)')
runSync(bin('biome'), ['check', '.'])
step('typecheck (tsc)')
runSync(bin('tsc'), ['-p', '.'])

// 4. contracts and ABIs
step('contracts: build and check generated ABIs')
runSync(bin('forge'), ['build'], { cwd: join(root, 'contracts') })
runSync(bin('tsx'), ['scripts/gen-abis.ts', '--check'])

// 5. forge tests
const profile = process.env.CI ? 'ci' : process.env.FOUNDRY_PROFILE || 'default'
step(`contracts: forge test (profile ${profile})`)
const forge = await runCapture(bin('forge'), ['test'], {
  cwd: join(root, 'contracts'),
  env: { ...process.env, FOUNDRY_PROFILE: profile, FORGE_SNAPSHOT_CHECK: 'true' },
})
const forgeCounts = forge.output.match(/(\d+) tests passed, (\d+) failed/)
if (forgeCounts) {
  passed += Number(forgeCounts[1])
  failed += Number(forgeCounts[2])
}
if (forge.code !== 0 && !(forgeCounts && Number(forgeCounts[2]) > 0)) failed += 1

// 6. TypeScript tests
const files = [...findTests(join(root, 'packages')), ...findTests(join(root, 'test'))]
step(`TypeScript tests (${files.length} files)`)
const node = await runCapture(process.execPath, [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  ...files,
])
const nodePass = node.output.match(/ℹ pass (\d+)/)
const nodeFail = node.output.match(/ℹ fail (\d+)/)
passed += Number(nodePass?.[1] ?? 0)
failed += Number(nodeFail?.[1] ?? 0)
if (node.code !== 0 && Number(nodeFail?.[1] ?? 0) === 0) failed += 1

finish()
