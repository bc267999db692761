import type { Backend, GenerateParams, GenerateResult } from '../backend.js'

/**
 * How a cheating backend cheats (adversarial tests of the validator only):
 * - `other-model`: advertises the honest model (name, id) but generates with another, cheaper model;
 * - `truncate`: generates about half of the allowed tokens and claims the model ended there (finish
 *   `stop`, one end-of-generation token counted), so the bill looks honest for the shorter answer;
 * - `random-tokens`: runs no model at all and returns random printable byte tokens, as many as the
 *   request allows, counting the prompt honestly.
 * The cheats that invent tokens (`truncate`, `random-tokens`) report no token ids, as an upstream
 * backend does, so their receipts say the tokens are unknown and only the text can be checked.
 */
export type CheatMode = 'other-model' | 'truncate' | 'random-tokens'

/** Options of `createCheatingBackend`. */
export type CreateCheatingBackendOptions = {
  mode: CheatMode
  /** `other-model`: the backend that really generates; its first model answers every request. */
  impostor?: Backend
  /** Seed of `random-tokens` (mulberry32); the same seed gives the same sequence of answers. */
  seed?: number
}

/**
 * TEST ONLY: wraps an honest backend and cheats in one of the ways Proof of Sampling must catch (see
 * `CheatMode`). It advertises `inner`'s models, so receipts carry the honest model id. `startProvider`
 * uses it only when `INFERMESH_CHEAT_MODE` is set, and then logs a warning at start-up.
 *
 * @example
 * ```ts
 * const cheat = createCheatingBackend(honest, { mode: 'other-model', impostor: cheaper })
 * ```
 */
export function createCheatingBackend(inner: Backend, options: CreateCheatingBackendOptions): Backend {
  const { mode, impostor } = options
  if (mode === 'other-model' && impostor === undefined)
    throw new Error('the other-model cheat needs an impostor backend (INFERMESH_CHEAT_MODEL)')
  let state = (options.seed ?? 1) >>> 0
  const random = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  async function generate(params: GenerateParams): Promise<GenerateResult> {
    if (mode === 'other-model') {
      const backend = impostor as Backend
      const [model] = backend.models()
      if (model === undefined) throw new Error('the impostor backend serves no model')
      return await backend.generate({ ...params, model: model.name })
    }
    if (mode === 'truncate') {
      const half = Math.max(1, Math.floor(params.maxTokens / 2))
      const result = await inner.generate({ ...params, maxTokens: half, upToContext: false })
      if (result.finishReason !== 'length') return result
      // Claim the model chose to end: an end-of-generation token, counted like an honest one. Its id is
      // not known here, so the token ids are not reported (the receipt says "unknown").
      const { tokenIds: _ids, ...claimed } = result
      return { ...claimed, outputTokens: result.outputTokens + 1, finishReason: 'stop' }
    }
    // random-tokens: only the prompt is evaluated (one token generated), to count it honestly.
    const { inputTokens } = await inner.generate({
      ...params,
      maxTokens: 1,
      upToContext: false,
      onText: () => {},
    })
    const count = params.upToContext ? Math.min(params.maxTokens, 64) : params.maxTokens
    let text = ''
    for (let i = 0; i < count; i++) text += String.fromCharCode(0x21 + Math.floor(random() * 94))
    params.onText?.(text)
    return {
      text,
      inputTokens,
      outputTokens: count,
      finishReason: count === params.maxTokens ? 'length' : 'stop',
    }
  }

  return {
    kind: inner.kind,
    models: () => inner.models(),
    generate,
    embed: (model, inputs, signal) => inner.embed(model, inputs, signal),
    async close() {
      await inner.close()
      await impostor?.close()
    },
  }
}
