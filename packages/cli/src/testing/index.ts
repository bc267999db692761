/** Helpers for tests that run `infermesh` as a person does: to the end, or as a daemon in the background. */
export { type CliResult, cliBin, cliEnv, runCli } from './runCli.js'
export { type CliProcess, spawnCli } from './spawnCli.js'
