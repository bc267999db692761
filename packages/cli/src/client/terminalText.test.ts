import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { terminalText } from './terminalText.js'

describe('terminalText: what a model wrote, printable on a terminal', () => {
  it('shows C0 controls and DEL as Control Pictures, keeping newlines and tabs', () => {
    assert.equal(terminalText('a\u001b[2Jb\u000e\u000fc\r\bd\u0000\u007f'), 'a␛[2Jb␎␏c␍␈d␀␡')
    assert.equal(terminalText('line one\n\tline two'), 'line one\n\tline two')
  })

  it('turns C1 controls and lone surrogates into U+FFFD and keeps every other character', () => {
    assert.equal(terminalText('x\u009b31my\u0085'), 'x\uFFFD31my\uFFFD')
    assert.equal(terminalText('\uD83D!\uDE00'), '\uFFFD!\uFFFD')
    assert.equal(terminalText('héllo 😀 日本 \uFFFD'), 'héllo 😀 日本 \uFFFD')
  })

  it('prints valid UTF-8 with no control byte but newline and tab for every code unit', () => {
    let all = ''
    for (let unit = 0; unit < 0x10000; unit++) all += String.fromCharCode(unit)
    const bytes = Buffer.from(terminalText(all), 'utf8')
    assert.equal(new TextDecoder('utf-8', { fatal: true }).decode(bytes), terminalText(all))
    for (const byte of bytes) assert.ok(byte >= 0x20 || byte === 0x0a || byte === 0x09, `byte ${byte}`)
    assert.ok(!/[\u0080-\u009f]/.test(terminalText(all)))
  })
})
