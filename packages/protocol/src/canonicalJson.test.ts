import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { canonicalJson } from './canonicalJson.js'
import { BaseError } from './errors.js'

describe('canonicalJson', () => {
  it('sorts object keys and drops whitespace at every depth', () => {
    const value = JSON.parse('{ "z": 1, "a": { "y": [3, {"c": 2, "b": 1}], "x": null }, "m": "s" }')
    assert.equal(canonicalJson(value), '{"a":{"x":null,"y":[3,{"b":1,"c":2}]},"m":"s","z":1}')
  })

  it('orders keys by UTF-16 code units, as RFC 8785 section 3.2.3 shows', () => {
    const value = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    }
    // Read the order from the text: a parsed object would list the integer-like key "1" first.
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'] as const
    const expected = order.map((key) => `${JSON.stringify(key)}:${JSON.stringify(value[key])}`).join(',')
    assert.equal(canonicalJson(value), `{${expected}}`)
  })

  it('reproduces the example of RFC 8785 section 3.2.2 byte for byte', () => {
    const input =
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
      ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
      ' "literals": [null, true, false]}'
    assert.equal(
      canonicalJson(JSON.parse(input)),
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    )
  })

  it('writes unicode text as UTF-16 text, escaping only what JSON.stringify escapes', () => {
    assert.equal(canonicalJson({ text: 'héllo 世界 😀\n\t"' }), '{"text":"héllo 世界 😀\\n\\t\\""}')
    assert.equal(canonicalJson('\ud800'), '"\\ud800"')
  })

  it('omits undefined properties, keeps array order and writes undefined array items as null', () => {
    assert.equal(canonicalJson({ a: undefined, b: [3, undefined, 1] }), '{"b":[3,null,1]}')
  })

  it('writes -0 as 0 and honours toJSON', () => {
    assert.equal(canonicalJson([-0, new Date(0)]), '[0,"1970-01-01T00:00:00.000Z"]')
  })

  it('refuses NaN and Infinity and says where they are', () => {
    assert.throws(() => canonicalJson({ temperature: Number.NaN }), {
      name: 'InferMeshProtocolError',
      message: 'canonicalJson: NaN at $.temperature is not a JSON number.',
    })
    assert.throws(() => canonicalJson({ messages: [{ 'top-p': -Infinity }] }), {
      message: 'canonicalJson: -Infinity at $.messages[0]["top-p"] is not a JSON number.',
    })
  })

  it('refuses bigints, functions, a bare undefined and cycles with a BaseError', () => {
    assert.throws(() => canonicalJson({ amount: 5n }), {
      message: 'canonicalJson: the bigint 5n at $.amount is not a JSON value; write it as a decimal string.',
    })
    assert.throws(() => canonicalJson([() => 1]), {
      message: 'canonicalJson: a function at $[0] is not a JSON value.',
    })
    assert.throws(() => canonicalJson(undefined), {
      message: 'canonicalJson: undefined at $ is not a JSON value.',
    })
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    assert.throws(
      () => canonicalJson(cyclic),
      (error) => {
        assert.ok(error instanceof BaseError)
        assert.equal(error.message, 'canonicalJson: the value at $.self is cyclic.')
        return true
      },
    )
  })

  it('accepts the same object twice when it is not its own ancestor', () => {
    const shared = { k: 1 }
    assert.equal(canonicalJson({ a: shared, b: shared }), '{"a":{"k":1},"b":{"k":1}}')
  })
})
