// The error codes on the wire: the code decides the status, and the README documents exactly these.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { AppError, ERROR_STATUS, InvalidRequestError, type ErrorCode } from '../../../core/errors.ts'

describe('error codes', () => {
  it('when an AppError is made, then its status comes from the code and every message is exposed but that of internal (500)', () => {
    for (const [code, status] of Object.entries(ERROR_STATUS) as [ErrorCode, number][]) {
      const err = new AppError(code, 'm')
      assert.equal(err.status, status, code)
      assert.equal(err.expose, code !== 'internal', code)
    }
    const invalid = new InvalidRequestError('bad', [{ path: '/a', message: 'x' }])
    assert.deepEqual([invalid.code, invalid.status, invalid.issues], ['invalid_request', 400, [{ path: '/a', message: 'x' }]])
  })

  it('when the README lists error codes, then its table is exactly ERROR_STATUS', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
    const section = readme.slice(readme.indexOf('### Errors'), readme.indexOf('### Issuing'))
    const rows = [...section.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])])
    assert.deepEqual(Object.fromEntries(rows), ERROR_STATUS)
  })
})
