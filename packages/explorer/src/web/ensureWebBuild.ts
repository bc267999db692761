import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ExplorerError } from '../errors.js'

/** The web app's sources (React + Vite). */
export const webRoot = fileURLToPath(new URL('../../web', import.meta.url))
const buildCache = fileURLToPath(
  new URL('../../../../node_modules/.cache/infermesh-explorer', import.meta.url),
)
/** Where the built app goes (gitignored). */
export const webDist = join(webRoot, 'dist')

async function newest(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined)
  if (!info) return 0
  if (!info.isDirectory()) return info.mtimeMs
  let latest = info.mtimeMs
  for (const entry of await readdir(path)) latest = Math.max(latest, await newest(join(path, entry)))
  return latest
}

/**
 * Builds the web app into `web/dist` when it is missing or older than its sources, so a fresh clone
 * needs no build step: `infermesh explorer` (and so `infermesh up`) calls this at start. Builds into
 * a directory of its own first and then swaps it in, so a second process never serves half a build.
 * Resolves with the directory to serve and whether it built.
 */
export async function ensureWebBuild(
  log: (line: string) => void = () => {},
): Promise<{ dir: string; built: boolean }> {
  const sources = Math.max(
    ...(await Promise.all(
      ['src', 'index.html', 'vite.config.ts'].map((name) => newest(join(webRoot, name))),
    )),
  )
  const built = (await stat(join(webDist, 'index.html')).catch(() => undefined))?.mtimeMs ?? 0
  if (built >= sources) return { dir: webDist, built: false }
  log('building the web app (vite)…')
  const started = Date.now()
  // Built beside node_modules' other caches (ignored by git and the linter, on the same file system).
  const outDir = join(buildCache, `web-${process.pid}`)
  await mkdir(buildCache, { recursive: true })
  try {
    const { build } = await import('vite')
    await build({
      root: webRoot,
      configFile: join(webRoot, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    })
    await rm(webDist, { recursive: true, force: true })
    await rename(outDir, webDist)
  } catch (cause) {
    await rm(outDir, { recursive: true, force: true })
    throw new ExplorerError(`Building the explorer's web app failed: ${(cause as Error).message}`, {
      status: 500,
      code: 'web_build_failed',
      retryable: false,
      cause,
    })
  }
  log(`web app built in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return { dir: webDist, built: true }
}
