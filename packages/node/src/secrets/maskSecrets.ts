const masked = '********'

// scheme://user:password@host → the password masked (the user name stays, to tell accounts apart).
// Quotes end a URL: in a JSON log line, `"http://host:8545","who":"a@b"` holds no password.
const userinfo = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@"'`]*):([^\s/@"'`]+)@/gi
// A path segment of 20+ key-like characters in an http(s) or ws(s) URL: Infura's /v3/<key>, Alchemy's
// /v2/<key>, QuickNode's /<token>/. Hex strings of 64 are left alone when not in a URL (ids, hashes).
const urlWithPath = /\b((?:https?|wss?):\/\/[^\s/"'`]+)(\/[^\s"'`?#]*)?(\?[^\s"'`#]*)?/gi
// Punctuation after it belongs to the sentence: "…/v3/<key>: is the chain running?".
const keyLikeSegment = /^([A-Za-z0-9_-]{20,})([.,:;!?)\]]*)$/
const secretQueryName = /^(api[-_]?key|key|token|access[-_]?token|secret|password|auth)$/i

/**
 * Masks the secrets a URL or a log line may carry: passwords in `user:password@`, API keys in RPC
 * URL paths (`/v3/<key>`), and secret-looking query parameters (`?apikey=`). Anything else is kept,
 * so the text stays useful.
 *
 * @example
 * maskSecrets('https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef')
 * // 'https://mainnet.infura.io/v3/********'
 */
export function maskSecrets(text: string): string {
  return text
    .replace(userinfo, (_match, head: string) => `${head}:${masked}@`)
    .replace(urlWithPath, (_match, origin: string, path = '', query = '') => {
      const safePath = (path as string)
        .split('/')
        .map((segment) => segment.replace(keyLikeSegment, (_key, _id, after: string) => `${masked}${after}`))
        .join('/')
      const safeQuery = (query as string).replace(/([?&])([^=&]+)=([^&]*)/g, (pair, sep, name, value) =>
        secretQueryName.test(name) && value ? `${sep}${name}=${masked}` : pair,
      )
      return `${origin}${safePath}${safeQuery}`
    })
}
