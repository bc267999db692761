#!/usr/bin/env node
// A native-solc look-alike on top of solc-js, for `forge --use contracts/tools/solc.mjs`.
// forge cannot download compilers on machines without internet access; this script answers
// the two calls forge makes: `--version` and `--standard-json` (input on stdin, JSON out only).
// Imports the input does not carry are resolved against --base-path and every --include-path.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { isAbsolute, join, resolve } from 'node:path'

const require = createRequire(import.meta.url)
const solc = require('solc')

const args = process.argv.slice(2)

if (args.includes('--version')) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`)
  process.exit(0)
}

if (!args.includes('--standard-json')) {
  process.stderr.write('solc.mjs supports only --version and --standard-json\n')
  process.exit(1)
}

/** Values of a flag given as `--flag value` or `--flag=value`, in order. */
function flagValues(name) {
  const values = []
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name && i + 1 < args.length) values.push(args[++i])
    else if (args[i].startsWith(`${name}=`)) values.push(args[i].slice(name.length + 1))
  }
  return values.flatMap((v) => v.split(','))
}

const basePath = resolve(flagValues('--base-path')[0] ?? '.')
const roots = [basePath, ...flagValues('--include-path').map((p) => resolve(p))]

function findImports(path) {
  const candidates = isAbsolute(path) ? [path] : roots.map((root) => join(root, path))
  for (const file of candidates) {
    try {
      return { contents: readFileSync(file, 'utf8') }
    } catch {}
  }
  return { error: `File not found: ${path} (looked in ${roots.join(', ')})` }
}

const input = readFileSync(0, 'utf8')
process.stdout.write(solc.compile(input, { import: findImports }))
