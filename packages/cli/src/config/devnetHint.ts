/**
 * What to do when a daemon's config file is missing, for a daemon `infermesh up` configures: the
 * devnet's file, or `--config`. `devnetFile` is relative to `<dir>/devnet`.
 *
 * @example
 * devnetHint(['gateway', 'gateway.json'])
 * // '"infermesh up" writes one for a devnet (in <dir>/devnet/gateway/gateway.json), or pass --config FILE'
 */
export function devnetHint(devnetFile: readonly string[]): string {
  return `"infermesh up" writes one for a devnet (in <dir>/devnet/${devnetFile.join('/')}), or pass --config FILE`
}
