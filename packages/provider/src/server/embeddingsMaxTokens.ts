/**
 * Special tokens a tokenizer may add to each embedding input: BOS and EOS, which llama.cpp adds to
 * every input, and a SentencePiece tokenizer's leading-space piece.
 */
const specialTokensPerInput = 3

/**
 * The most tokens an embeddings request can be billed for, reserved against the payer's credit
 * before it runs: a token per UTF-8 byte of each input (no tokenizer makes more from text) plus the
 * special tokens added to each input. Counting bytes alone would reserve a third of what 1-byte
 * inputs are billed.
 *
 * @example
 * embeddingsMaxTokens(['a', 'bc']) // 9
 */
export function embeddingsMaxTokens(inputs: string[]): number {
  let tokens = 0
  for (const input of inputs) tokens += Buffer.byteLength(input) + specialTokensPerInput
  return tokens
}
