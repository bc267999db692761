import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join, relative } from 'node:path'
import { describe, it } from 'node:test'

// The rules of the layout (ARCHITECTURE.md): role packages are the processes; everything they share
// lives in a package that is not a role. A rule broken here is a layering mistake, not a style issue.
const root = new URL('../..', import.meta.url).pathname
const roles = new Set(['provider', 'gateway', 'validator', 'explorer'])
const packagesDir = join(root, 'packages')
const packages = readdirSync(packagesDir).filter((name) =>
  existsSync(join(packagesDir, name, 'package.json')),
)

type Manifest = {
  name: string
  exports?: Record<string, string>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}
const manifest = (name: string): Manifest =>
  JSON.parse(readFileSync(join(packagesDir, name, 'package.json'), 'utf8')) as Manifest

function sourceFiles(dir: string, found: string[] = []): string[] {
  if (!existsSync(dir)) return found
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) sourceFiles(path, found)
    else if (/\.(ts|tsx|mts|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) found.push(path)
  }
  return found
}

// Static `import … from 'x'`, `export … from 'x'`, and dynamic `import('x')` with a literal.
const importPattern =
  /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(importPattern)].map((match) => (match[1] ?? match[2]) as string)
}
const packageOf = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string)
const isBuiltin = (specifier: string) =>
  specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] as string)
const isTest = (file: string) => /\.test\.tsx?$/.test(file) || file.includes('/testing/')

describe('the package layout', () => {
  it('no role package imports another role package', () => {
    const broken: string[] = []
    for (const name of packages.filter((p) => roles.has(p))) {
      for (const file of sourceFiles(join(packagesDir, name))) {
        for (const specifier of importsOf(file)) {
          const target = specifier.match(/^@infermesh\/([^/]+)/)?.[1]
          if (target && target !== name && roles.has(target))
            broken.push(`${relative(root, file)} imports ${specifier}`)
          const relativeTarget = specifier.match(/^(?:\.\.\/)+([a-z]+)\/src\//)?.[1]
          if (
            specifier.startsWith('../') &&
            relativeTarget &&
            roles.has(relativeTarget) &&
            relativeTarget !== name
          )
            broken.push(`${relative(root, file)} imports ${specifier}`)
        }
      }
    }
    assert.deepEqual(broken, [])
  })

  it("no package reaches into another package's files by a relative path", () => {
    const broken: string[] = []
    for (const name of packages) {
      for (const file of sourceFiles(join(packagesDir, name))) {
        for (const specifier of importsOf(file)) {
          if (!specifier.startsWith('.')) continue
          const resolved = relative(packagesDir, join(file, '..', specifier))
          const target = resolved.split('/')[0]
          if (!resolved.startsWith('..') && target !== name)
            broken.push(`${relative(root, file)} imports ${specifier}`)
        }
      }
    }
    assert.deepEqual(broken, [])
  })

  it('every package declares what it imports', () => {
    const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest
    const broken: string[] = []
    for (const name of packages) {
      const own = manifest(name)
      const declared = new Set([
        own.name,
        ...Object.keys(own.dependencies ?? {}),
        ...Object.keys(own.peerDependencies ?? {}),
      ])
      const declaredForTests = new Set([
        ...declared,
        ...Object.keys(own.devDependencies ?? {}),
        ...Object.keys(rootManifest.devDependencies ?? {}),
      ])
      for (const file of sourceFiles(join(packagesDir, name, 'src'))) {
        for (const specifier of importsOf(file)) {
          if (specifier.startsWith('.') || isBuiltin(specifier)) continue
          const dependency = packageOf(specifier)
          if (!(isTest(file) ? declaredForTests : declared).has(dependency))
            broken.push(
              `${relative(root, file)} imports ${dependency}, not declared in packages/${name}/package.json`,
            )
        }
      }
    }
    assert.deepEqual(broken, [])
  })

  it('no test helper is exported from a package entry point', () => {
    const broken: string[] = []
    for (const name of packages) {
      const exportsMap = manifest(name).exports ?? {}
      for (const [subpath, target] of Object.entries(exportsMap)) {
        if (subpath.includes('testing')) continue
        const entry = join(packagesDir, name, target)
        if (!existsSync(entry)) {
          broken.push(`packages/${name} exports ${subpath} → ${target}, which does not exist`)
          continue
        }
        for (const specifier of importsOf(entry)) {
          if (/(^|\/)testing(\/|$)|\.test(\.js)?$|fixture/i.test(specifier))
            broken.push(`packages/${name} ${subpath} re-exports ${specifier}`)
        }
      }
    }
    assert.deepEqual(broken, [])
  })

  it('tests, benchmarks and scripts import packages by their entry points, not their files', () => {
    const broken: string[] = []
    for (const dir of ['test', 'bench', 'scripts']) {
      for (const file of sourceFiles(join(root, dir))) {
        for (const specifier of importsOf(file)) {
          if (/^(\.\.\/)+packages\//.test(specifier))
            broken.push(`${relative(root, file)} imports ${specifier}`)
        }
      }
    }
    assert.deepEqual(broken, [])
  })
})
