#!/usr/bin/env node
// Installs the npm dependencies when node_modules is missing or older than package-lock.json, so
// `npm start` and `npm test` work on a fresh clone. Plain JavaScript: it runs before any install.
import { spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

/**
 * Installs when needed; returns false when the install failed. `npm install` rather than `npm ci`:
 * npm 11 leaves other platforms' optional binaries (biome, forge, anvil, llama.cpp) out of the lock
 * file and `npm ci` then refuses it; `npm install` keeps the locked versions and fills the gap.
 */
export function ensureDeps() {
  const lock = join(root, 'package-lock.json')
  const installed = join(root, 'node_modules', '.package-lock.json')
  if (existsSync(installed) && statSync(lock).mtimeMs <= statSync(installed).mtimeMs) return true
  console.log('Installing dependencies (npm install)…')
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' })
  return result.status === 0
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exit(ensureDeps() ? 0 : 1)
