/** A URL with the password of its userinfo masked, for messages and logs; other text comes back as is. */
export function maskUrlPassword(url: string | URL): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '********'
    return parsed.toString()
  } catch {
    return String(url).replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:********@')
  }
}
