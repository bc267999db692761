/**
 * Polls `check` every `intervalMs` until it resolves true; rejects with `message` after `timeoutMs`,
 * or at once when `abandon` rejects (e.g. the daemon being waited for exited).
 *
 * @example
 * ```ts
 * await waitUntil(async () => (await fetch(`${url}/ready`)).ok, { timeoutMs: 60_000, message: 'provider not ready' })
 * ```
 */
export async function waitUntil(
  check: () => Promise<boolean>,
  options: { timeoutMs: number; message: string; intervalMs?: number; abandon?: Promise<never> },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs
  let abandoned: unknown
  let gaveUp = false
  options.abandon?.catch((error) => {
    abandoned = error
    gaveUp = true
  })
  for (;;) {
    if (gaveUp) throw abandoned
    if (await check().catch(() => false)) return
    if (gaveUp) throw abandoned
    if (Date.now() > deadline) throw new Error(options.message)
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100))
  }
}

/** True when `url` answers 200 within a second. */
export const answersOk = async (url: string, headers: Record<string, string> = {}) =>
  (await fetch(url, { headers, signal: AbortSignal.timeout(1000) })).ok
