#!/usr/bin/env node
// `npm test`: everything a change must pass, on a fresh clone.
//   1. install dependencies (npm install) when node_modules is missing or older than package-lock.json
//   2. gates, in order, each stopping the run when it fails: lint and format (biome), typecheck (tsc),
//      Solidity format (forge fmt --check), contract build and a check that the generated ABIs are fresh
//   3. then, at the same time:
//      - forge tests (unit, fuzz, invariant; the `ci` profile under CI=true; gas snapshots checked)
//      - TypeScript tests: every *.test.ts under packages/ and test/, each file in its own
//        `node --import tsx --test` process, a few at a time. The cross-process tests (test/e2e) start
//        first, longest first (by the last run's times on this machine, else by size). Each file's
//        output is printed whole when it ends, so logs never interleave.
// It ends with the slowest files, the failed ones, and one closing line: `npm test: N passed, M failed`.
//
// Environment:
//   INFERMESH_TEST_JOBS=3             test files run at once (1-64; default 3)
//   INFERMESH_TEST_FILES="a b,c"      only these test files: paths, directories or globs (* ** ?),
//                                     separated by commas or spaces, relative to the current directory
//                                     (the repository root under `npm test`)
//   INFERMESH_TEST_SKIP_FORGE=1       skip the forge tests (the gates still build the contracts)
//   INFERMESH_TEST_SKIP_GATES=1       skip the gates (lint, typecheck, forge fmt, build, ABI check)
//   INFERMESH_TEST_FILE_TIMEOUT=1800  seconds one test file (or forge) may run before it is killed
// Plain JavaScript on purpose: it runs before anything is installed.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureDeps } from './ensure-deps.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const contracts = join(root, 'contracts')
const bin = (name) => join(root, 'node_modules', '.bin', name)
const timesFile = join(root, 'node_modules', '.cache', 'infermesh', 'test-times.json')
let passed = 0
let failed = 0
/** Child processes still running, each the leader of its own process group. */
const running = new Set()
/** The signal (SIGINT, SIGTERM) that stopped the run: no new test file starts. */
let stopping = null

function step(title) {
  console.log(`\n=== ${title}`)
}

function finish(error) {
  if (stopping) error = `Stopped by ${stopping}: the remaining tests did not run.`
  if (error) {
    failed += 1 // a failed step counts as a failed test, so the closing line never reads green
    console.error(`\n${error}`)
  }
  console.log(`\nnpm test: ${passed} passed, ${failed} failed`)
  process.exit(stopping ? 130 : error || failed > 0 ? 1 : 0)
}

/** Reads an on/off environment variable: unset, empty, 0 or false is off; 1 or true is on. */
function flag(name) {
  const value = (process.env[name] ?? '').trim().toLowerCase()
  if (value === '' || value === '0' || value === 'false') return false
  if (value === '1' || value === 'true') return true
  finish(`${name} must be 1 or 0, got '${process.env[name]}'.`)
}

/** Reads a whole-number environment variable within [min, max]. */
function wholeNumber(name, fallback, min, max) {
  const raw = (process.env[name] ?? '').trim()
  if (raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    finish(`${name} must be a whole number from ${min} to ${max}, got '${process.env[name]}'.`)
  }
  return value
}

const jobs = wholeNumber('INFERMESH_TEST_JOBS', 3, 1, 64)
const fileTimeoutMs = wholeNumber('INFERMESH_TEST_FILE_TIMEOUT', 1800, 1, 86_400) * 1000
const skipForge = flag('INFERMESH_TEST_SKIP_FORGE')
const skipGates = flag('INFERMESH_TEST_SKIP_GATES')

function runSync(command, args, { hint, ...options } = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options })
  if (result.status !== 0) {
    const what = [relative(root, command) || command, ...args].join(' ')
    finish(
      `${what} failed (exit ${result.status ?? result.signal ?? result.error?.message})${hint ? `: ${hint}` : ''}`,
    )
  }
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}

/**
 * Runs a command in its own process group with its output (stdout and stderr, in arrival order)
 * kept, not printed. Kills the whole group when it outlives `fileTimeoutMs`.
 */
function runBuffered(command, args, options = {}) {
  return new Promise((resolvePromise) => {
    const started = performance.now()
    const chunks = []
    let timedOut = false
    let settled = false
    const child = spawn(command, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...options,
    })
    running.add(child)
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(child, 'SIGTERM')
      setTimeout(() => killGroup(child, 'SIGKILL'), 5000).unref()
    }, fileTimeoutMs)
    const settle = (code, signal) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      running.delete(child)
      const ms = performance.now() - started
      if (timedOut)
        chunks.push(Buffer.from(`\nKilled after ${fileTimeoutMs / 1000} s (INFERMESH_TEST_FILE_TIMEOUT).\n`))
      resolvePromise({ code, signal, timedOut, ms, output: Buffer.concat(chunks).toString('utf8') })
    }
    child.stdout.on('data', (data) => chunks.push(data))
    child.stderr.on('data', (data) => chunks.push(data))
    child.on('error', (error) => {
      chunks.push(Buffer.from(`Could not start ${command}: ${error.message}\n`))
      settle(null, null)
    })
    child.on('close', settle)
  })
}

/** The last `ℹ <label> N` summary line of node's spec reporter, or 0. */
function summary(output, label) {
  const all = [...output.matchAll(new RegExp(`^ℹ ${label} (\\d+)$`, 'gm'))]
  return Number(all.at(-1)?.[1] ?? 0)
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`
}

function findTests(dir, found = []) {
  if (!existsSync(dir)) return found
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) findTests(path, found)
    else if (entry.name.endsWith('.test.ts')) found.push(relative(root, path))
  }
  return found
}

/** A glob (`*` within a path segment, `**` across segments, `?` one character) as a RegExp. */
function globToRegExp(glob) {
  let source = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '*' && glob[i + 1] === '*') {
      i += 1
      if (glob[i + 1] === '/') {
        i += 1
        source += '(?:.*/)?'
      } else source += '.*'
    } else if (c === '*') source += '[^/]*'
    else if (c === '?') source += '[^/]'
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}

/** Keeps the test files INFERMESH_TEST_FILES names (paths, directories or globs); all when unset. */
function selectTests(all) {
  const patterns = (process.env.INFERMESH_TEST_FILES ?? '').split(/[\s,]+/).filter(Boolean)
  if (patterns.length === 0) return all
  const selected = new Set()
  for (const pattern of patterns) {
    const path = relative(root, resolve(process.cwd(), pattern))
    const before = selected.size
    if (/[*?]/.test(pattern)) {
      const glob = globToRegExp(path)
      for (const file of all) if (glob.test(file)) selected.add(file)
    } else if (existsSync(join(root, path)) && statSync(join(root, path)).isDirectory()) {
      for (const file of all) if (file.startsWith(`${path}/`)) selected.add(file)
    } else if (existsSync(join(root, path))) selected.add(path)
    if (selected.size === before) {
      finish(
        `INFERMESH_TEST_FILES: '${pattern}' names no test file (paths are relative to ${process.cwd()}).`,
      )
    }
  }
  return [...selected]
}

function readTimes() {
  try {
    return JSON.parse(readFileSync(timesFile, 'utf8'))
  } catch {
    return {}
  }
}

function writeTimes(times) {
  try {
    mkdirSync(dirname(timesFile), { recursive: true })
    writeFileSync(timesFile, `${JSON.stringify(times, null, 2)}\n`)
  } catch {
    // only an ordering hint for the next run
  }
}

/**
 * The order files start in: test/e2e first, then the rest. Within each, files with no recorded time
 * first (biggest first), then the rest by last run's time, longest first, so long files do not start
 * last and leave the run waiting on them alone.
 */
function orderTests(files, times) {
  const key = (file) => [
    file.startsWith('test/e2e/') ? 0 : 1,
    times[file] === undefined ? 0 : 1,
    -(times[file] ?? statSync(join(root, file)).size),
    file,
  ]
  const compare = (a, b) => {
    const [ka, kb] = [key(a), key(b)]
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1
    return 0
  }
  return [...files].sort(compare)
}

/** On SIGINT or SIGTERM: start no new file, end the running ones (their groups), then finish. */
function stopAll(signal) {
  stopping = signal
  for (const child of running) killGroup(child, 'SIGTERM')
  setTimeout(() => {
    for (const child of running) killGroup(child, 'SIGKILL')
    finish()
  }, 5000).unref()
}
process.once('SIGINT', () => stopAll('SIGINT'))
process.once('SIGTERM', () => stopAll('SIGTERM'))

// Which test files, before anything slow, so a bad INFERMESH_TEST_FILES fails at once.
const files = selectTests([...findTests(join(root, 'packages')), ...findTests(join(root, 'test'))])

// 1. dependencies
step('dependencies')
if (!ensureDeps()) finish('npm install failed')

// 2. gates
if (skipGates) {
  step(
    'gates skipped (INFERMESH_TEST_SKIP_GATES=1): no lint, typecheck, forge fmt, contract build or ABI check',
  )
} else {
  step('lint (biome)')
  runSync(bin('biome'), ['check', '.'], { hint: 'run `npm run format` to fix what can be fixed' })
  step('typecheck (tsc)')
  runSync(bin('tsc'), ['-p', '.'])
  step('Solidity format (forge fmt --check)')
  runSync(bin('forge'), ['fmt', '--check'], { cwd: contracts, hint: 'run `npm run format`' })
  step('contracts: build and check generated ABIs')
  runSync(bin('forge'), ['build'], { cwd: contracts })
  runSync(bin('tsx'), ['scripts/gen-abis.ts', '--check'])
}

// 3. forge and TypeScript tests, at the same time
const startedAll = performance.now()
const timings = []
const failures = []

async function forgeTests() {
  const profile = process.env.CI ? 'ci' : process.env.FOUNDRY_PROFILE || 'default'
  // One thread: on a two-core machine the TypeScript tests' servers need the other core to answer in time.
  // The gas-at-scale contracts (ConsensusScale*: 10,000 validators) are benchmarks: `npm run bench -- gas`.
  const result = await runBuffered(
    bin('forge'),
    ['test', '--threads', '1', '--no-match-contract', '^ConsensusScale'],
    {
      cwd: contracts,
      env: { ...process.env, FOUNDRY_PROFILE: profile, FORGE_SNAPSHOT_CHECK: 'true' },
    },
  )
  const counts = result.output.match(/(\d+) tests passed, (\d+) failed/)
  const filePassed = Number(counts?.[1] ?? 0)
  let fileFailed = Number(counts?.[2] ?? 0)
  if (result.code !== 0 && fileFailed === 0) fileFailed = 1
  passed += filePassed
  failed += fileFailed
  const name = `forge test (profile ${profile})`
  timings.push({ name, ms: result.ms })
  if (fileFailed > 0)
    failures.push({ name, failed: fileFailed, code: result.code, timedOut: result.timedOut })
  process.stdout.write(`\n--- ${name}\n${result.output}`)
  const exit = result.code === 0 ? '' : ` (exit ${result.code ?? result.signal})`
  console.log(
    `--- ${fileFailed > 0 ? 'FAILED' : 'ok'} ${name}: ${filePassed} passed, ${fileFailed} failed in ${seconds(result.ms)}${exit}`,
  )
}

async function typeScriptTests(ordered, times) {
  let done = 0
  const queue = [...ordered]
  const runOne = async (file) => {
    const result = await runBuffered(process.execPath, [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      file,
    ])
    done += 1
    const filePassed = summary(result.output, 'pass')
    let fileFailed = summary(result.output, 'fail') + summary(result.output, 'cancelled')
    if ((result.code !== 0 || result.timedOut) && fileFailed === 0) fileFailed = 1
    passed += filePassed
    failed += fileFailed
    timings.push({ name: file, ms: result.ms })
    // A killed file's time says nothing about its next run; a file outside the repository has none.
    if (!result.timedOut && !stopping && !file.startsWith('..')) times[file] = Math.round(result.ms)
    const exit = result.code === 0 ? '' : ` (exit ${result.code ?? result.signal})`
    if (fileFailed > 0)
      failures.push({ name: file, failed: fileFailed, code: result.code, timedOut: result.timedOut })
    process.stdout.write(
      `\n--- [${done}/${ordered.length}] ${file}\n${result.output}` +
        `--- ${fileFailed > 0 ? 'FAILED' : 'ok'} ${file}: ${filePassed} passed, ${fileFailed} failed in ${seconds(result.ms)}${exit}\n`,
    )
  }
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined && !stopping; file = queue.shift()) await runOne(file)
  }
  await Promise.all(Array.from({ length: Math.min(jobs, ordered.length) }, worker))
}

const times = readTimes()
const ordered = orderTests(files, times)
step(
  `TypeScript tests: ${ordered.length} files, ${Math.min(jobs, ordered.length)} at a time` +
    (skipForge ? ' (forge tests skipped: INFERMESH_TEST_SKIP_FORGE=1)' : ', forge tests alongside'),
)
await Promise.all([skipForge ? undefined : forgeTests(), typeScriptTests(ordered, times)])
writeTimes(times)

step(`slowest (all tests took ${seconds(performance.now() - startedAll)} of wall time)`)
for (const { name, ms } of timings.sort((a, b) => b.ms - a.ms).slice(0, 10)) {
  console.log(`${seconds(ms).padStart(9)}  ${name}`)
}
if (failures.length > 0) {
  step(`failed (${failures.length}); search this log for "--- FAILED <file>" to see a file's output`)
  for (const { name, failed: count, code, timedOut } of failures) {
    const why = timedOut ? 'timed out' : `${count} failed${code ? `, exit ${code}` : ''}`
    console.log(`  ${name} (${why})`)
  }
}
if (ordered.length === 0 && skipForge)
  finish('no test ran: there is no TypeScript test file and forge was skipped')
finish()
