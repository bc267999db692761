import { tinyModelCommand } from '@infermesh/llama/tinyModelCommand'
import { usageError } from '../CliError.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh model tiny --out FILE.gguf [--seed N]

Writes a tiny llama-architecture GGUF with random weights (about 0.5 MB) and prints its model id
(the sha256 a provider registers). llama.cpp loads and runs it, so the whole inference path can be
tried without downloading weights; the text it writes is noise.

Options:
  --out FILE    where to write the .gguf file (parent directories are created)
  --seed N      seed of the weights, 0 to 4294967295 (default 0); the same seed gives the same file
  -h, --help    this help`

/** `infermesh model tiny`: the test model generator (`tinyModelCommand` of the provider package). */
export const modelTinyCommand: Command = {
  name: 'model tiny',
  summary: 'Write a tiny random-weights GGUF model for tests and devnets.',
  usage,
  async run(argv) {
    try {
      await tinyModelCommand(argv)
    } catch (error) {
      const message = (error as Error).message
      // tinyModelCommand ends argument errors with its usage line.
      if (message.includes('\nusage:')) throw usageError(message.split('\nusage:')[0] ?? message, error)
      throw error
    }
    return 0
  },
}
