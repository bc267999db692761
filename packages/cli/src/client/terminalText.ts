/**
 * A model's text made safe to print on a terminal: the C0 control characters a terminal would obey
 * rather than show (escape sequences, shift-out to the line-drawing set, carriage return, backspace,
 * bell…) become their visible Control Pictures (ESC → ␛, NUL → ␀, DEL → ␡), C1 controls
 * (U+0080–U+009F) and lone surrogates become U+FFFD, so what is printed is valid UTF-8 that shows
 * what the model wrote. Newlines and tabs are kept.
 *
 * The random devnet model writes every byte value, and bytes that are not UTF-8 already arrive as
 * U+FFFD; printed raw, its control bytes switched terminals to other character sets, which looked like
 * raw invalid bytes.
 *
 * @example
 * terminalText('a\u001b[2Jb\u000e') // 'a␛[2Jb␎'
 */
export function terminalText(text: string): string {
  return text.replace(/\p{Cc}|\p{Cs}/gu, (c) => {
    const code = c.charCodeAt(0)
    if (c === '\n' || c === '\t') return c
    if (code < 0x20) return String.fromCharCode(0x2400 + code)
    return code === 0x7f ? '\u2421' : '\uFFFD'
  })
}
