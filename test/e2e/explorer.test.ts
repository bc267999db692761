import assert from 'node:assert/strict'
import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Devnet } from '@infermesh/cli'
import { type CliProcess, runCli, spawnCli } from '@infermesh/cli/testing'
import { meshTokenAbi, registryAbi } from '@infermesh/protocol'
import OpenAI from 'openai'
import { type Browser, chromium, type Page } from 'playwright-core'
import { createPublicClient, http } from 'viem'

// What the functions run inside the page see (this project compiles without the DOM's types).
declare const document: {
  querySelector(
    selector: string,
  ): { textContent: string | null; getAttribute(name: string): string | null } | null
}
declare const window: Record<string, unknown>

const screenshots = new URL('./screenshots/', import.meta.url).pathname
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

/**
 * The explorer as a person sees it: `infermesh up` as a process, Debian's chromium driven by
 * playwright-core at 1440×900, figures compared with the chain, a filter, and a live update after a
 * real chat request through the gateway (the official openai package).
 */
describe('the explorer of a network "infermesh up" starts, in a browser', () => {
  let dir: string
  let up: CliProcess
  let devnet: Devnet
  let browser: Browser
  let explorerUrl: string
  const errors: string[] = []
  const chain = () => createPublicClient({ transport: http(devnet.rpcUrl) })

  const open = async (path: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${path}: ${message.text()}`)
    })
    page.on('pageerror', (error) => errors.push(`${path}: ${error.message}`))
    await page.goto(`${explorerUrl}${path}`)
    return page
  }
  const value = async (page: Page, testId: string) =>
    (await page.getByTestId(testId).first().getAttribute('data-value')) ?? ''

  before(async () => {
    await access(chromiumPath).catch((cause) => {
      throw new Error(
        `no chromium at ${chromiumPath}: install Debian's (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`,
        { cause },
      )
    })
    dir = await mkdtemp(join(tmpdir(), 'infermesh-explorer-e2e-'))
    await mkdir(screenshots, { recursive: true })
    // No validators: every request the explorer sees is one this test sends.
    up = spawnCli([
      'up',
      '--providers',
      '2',
      '--validators',
      '0',
      '--chain-port',
      '0',
      '--port',
      '0',
      '--explorer-port',
      '0',
      '--dir',
      dir,
    ])
    await up.waitFor(/Press Ctrl-C to stop\./, 240_000)
    devnet = JSON.parse(await readFile(join(dir, 'devnet.json'), 'utf8')) as Devnet
    assert.ok(devnet.explorer, 'devnet.json names the explorer')
    explorerUrl = devnet.explorer.url
    // The explorer answered /ready before the providers did: wait for its probes to see them answer.
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      const overview = (await (await fetch(`${explorerUrl}/api/overview`)).json()) as {
        providers: { online: number }
      }
      if (overview.providers.online === devnet.providers.length) break
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
  })
  after(async () => {
    await browser?.close()
    await up?.stop('SIGTERM')
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('prints the explorer URL and writes it to devnet.json', () => {
    assert.match(explorerUrl, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.ok(up.output().includes(`  explorer   ${explorerUrl}`))
  })

  it('loads every page without console errors, and writes a screenshot of each', async () => {
    const provider = devnet.providers[0]?.address as string
    const pages: [string, string, string][] = [
      ['overview', '/', 'providers-online'],
      ['providers', '/providers', 'provider-row'],
      ['provider', `/providers/${provider}`, 'provider-stake'],
      ['models', '/models', 'model'],
      ['disputes', '/disputes', 'no-slashes'],
      ['validators', '/validators', 'no-validators'],
    ]
    for (const [name, path, ready] of pages) {
      const page = await open(path)
      await page.getByTestId(ready).first().waitFor({ timeout: 60_000 })
      await page.waitForLoadState('networkidle').catch(() => {})
      await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true })
      await page.close()
    }
    assert.deepEqual(errors, [])
  })

  it('shows the figures the chain holds: providers, VRAM, models, stake, prices, MESH minted and burned', async () => {
    const client = chain()
    const page = await open('/')
    // Read the chain at the block the page says it indexed.
    await page.getByTestId('indexed-block').waitFor()
    const head = await client.getBlockNumber()
    await page.waitForFunction(
      (block) => Number(document.querySelector('[data-testid="indexed-block"]')?.textContent) >= block,
      Number(head),
      { timeout: 60_000 },
    )
    const blockNumber = BigInt((await page.getByTestId('indexed-block').textContent()) ?? '0')
    const views = await client.readContract({
      address: devnet.contracts.registry,
      abi: registryAbi,
      functionName: 'getProviders',
      args: [0n, 100n],
      blockNumber,
    })
    const active = views.filter((v) => v.active)
    const [minted, burned] = await Promise.all(
      (['totalMinted', 'totalBurned'] as const).map((functionName) =>
        client.readContract({
          address: devnet.contracts.token,
          abi: meshTokenAbi,
          functionName,
          blockNumber,
        }),
      ),
    )
    await page.waitForFunction(
      () => document.querySelector('[data-testid="providers-online"]')?.getAttribute('data-value') === '2',
      null,
      {
        timeout: 60_000,
      },
    )
    assert.equal(await value(page, 'providers-online'), String(active.length))
    assert.equal(
      await value(page, 'total-vram'),
      String(active.reduce((sum, v) => sum + v.hardware.vramMb, 0)),
    )
    assert.equal(
      await value(page, 'models-offered'),
      String(new Set(active.flatMap((v) => v.offers.map((o) => o.modelId))).size),
    )
    assert.equal(await value(page, 'total-stake'), active.reduce((sum, v) => sum + v.stake, 0n).toString())
    assert.equal(await value(page, 'supply-minted'), minted?.toString())
    assert.equal(await value(page, 'supply-burned'), burned?.toString())
    const prices = active
      .flatMap((v) => v.offers.map((o) => o.pricePerMInput))
      .sort((a, b) => (a < b ? -1 : 1))
    const row = page.getByTestId('median-price').first()
    assert.equal(await row.getAttribute('data-in'), prices[Math.floor((prices.length - 1) / 2)]?.toString())
    await page.close()

    const list = await open('/providers')
    await list.getByTestId('provider-row').first().waitFor()
    for (const view of active) {
      const stake = await list
        .locator(`[data-testid="provider-row"][data-address="${view.provider.toLowerCase()}"]`)
        .getAttribute('data-stake')
      assert.equal(stake, view.stake.toString(), `stake of ${view.provider}`)
    }
    await list.close()
    assert.deepEqual(errors, [])
  })

  it('filters providers by region and by price', async () => {
    const page = await open('/providers')
    const rows = page.getByTestId('provider-row')
    await rows.first().waitFor()
    assert.equal(await rows.count(), 2)
    await page.getByTestId('filter-region').selectOption('us-east')
    assert.equal(await rows.count(), 1)
    assert.equal(await rows.first().getAttribute('data-address'), devnet.providers[1]?.address.toLowerCase())
    await page.getByTestId('filter-region').selectOption('')
    // Output prices are 2 and 4 MESH per 1M tokens: at most 3 leaves the first provider.
    await page.getByTestId('filter-max-price').fill('3')
    assert.equal(await rows.count(), 1)
    assert.equal(await rows.first().getAttribute('data-address'), devnet.providers[0]?.address.toLowerCase())
    await page.getByTestId('filter-max-price').fill('1')
    assert.equal(await rows.count(), 0)
    await page.close()
  })

  it('updates the overview live, without a reload, after a chat request through the gateway', async () => {
    const page = await open('/')
    await page.getByTestId('requests-per-minute').waitFor()
    await page.evaluate(() => {
      window.notReloaded = true
    })
    const before = Number(await value(page, 'requests-per-minute'))
    const client = new OpenAI({
      baseURL: `${devnet.gateway?.url}/v1`,
      apiKey: devnet.gateway?.apiKey,
      maxRetries: 0,
    })
    const completion = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Hello, explorer' }],
      max_tokens: 8,
    })
    assert.ok((completion.usage?.completion_tokens ?? 0) > 0)
    await page.waitForFunction(
      (previous) =>
        Number(document.querySelector('[data-testid="requests-per-minute"]')?.getAttribute('data-value')) >
        previous,
      before,
      { timeout: 60_000 },
    )
    assert.equal(Number(await value(page, 'requests-per-minute')), before + 1)
    assert.ok(Number(await value(page, 'tokens-per-minute')) >= (completion.usage?.total_tokens ?? 1))
    assert.equal(await page.evaluate(() => window.notReloaded), true)
    await page.screenshot({ path: join(screenshots, 'overview-after-request.png'), fullPage: true })
    await page.close()
    assert.deepEqual(errors, [])
  })

  it('shows the profile a provider publishes with "infermesh provider profile", signed by its key', async () => {
    const provider = devnet.providers[0] as Devnet['providers'][number]
    const text = 'Two CPU cores in eu-west, answering since the devnet began.'
    const result = await runCli([
      'provider',
      'profile',
      text,
      '--config',
      provider.config,
      '--explorer',
      explorerUrl,
    ])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(
      result.stdout.trim(),
      `Profile of ${provider.address} published on ${explorerUrl}/providers/${provider.address}`,
    )
    const page = await open(`/providers/${provider.address}`)
    assert.equal(await page.getByTestId('provider-profile').textContent(), text)
    await page.close()
    assert.deepEqual(errors, [])
  })
})
