import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { openDatabase } from '@infermesh/node/database'
import { sanitizeText } from './sanitizeText.js'

describe('sanitizeText', () => {
  it('replaces NUL and lone surrogates with U+FFFD and keeps surrogate pairs', () => {
    assert.equal(sanitizeText('evil\u0000name', 100), 'evil\uFFFDname')
    assert.equal(sanitizeText('a\uD800b\uDC00c', 100), 'a\uFFFDb\uFFFDc')
    assert.equal(sanitizeText('\uDC00\uD800', 100), '\uFFFD\uFFFD')
    assert.equal(sanitizeText('emoji 😀 ok', 100), 'emoji 😀 ok')
  })

  it('cuts a long string to the maximum, ending with …, without leaving half a surrogate pair', () => {
    assert.equal(sanitizeText('abcdef', 4), 'abc…')
    assert.equal(sanitizeText('abcd', 4), 'abcd')
    // 'ab😀…' would be 5 code units: the cut falls inside the pair, whose high half becomes U+FFFD.
    assert.equal(sanitizeText('ab😀cdef', 4), 'ab\uFFFD…')
  })

  it('makes strings PGlite refuses storable as text and inside jsonb', async () => {
    const db = await openDatabase()
    try {
      await db.query('create table t (s text not null, j jsonb not null)')
      for (const value of ['\u0000', '\uD800', 'x\uDFFFy', `${'\u0000'.repeat(3)}\uDBFF`]) {
        await assert.rejects(
          db.query('insert into t (s, j) values ($1, $2)', ['', JSON.stringify({ value })]),
          /unsupported Unicode escape sequence|invalid input syntax for type json/,
          `jsonb refuses ${JSON.stringify(value)} as it is`,
        )
        const clean = sanitizeText(value, 100)
        await db.query('insert into t (s, j) values ($1, $2)', [clean, JSON.stringify({ value: clean })])
      }
      const rows = await db.query<{ s: string; v: string }>(`select s, j->>'value' as v from t`)
      assert.deepEqual(
        rows.map((row) => row.s),
        ['\uFFFD', '\uFFFD', 'x\uFFFDy', '\uFFFD\uFFFD\uFFFD\uFFFD'],
      )
      for (const row of rows) assert.equal(row.v, row.s)
    } finally {
      await db.close()
    }
  })
})
