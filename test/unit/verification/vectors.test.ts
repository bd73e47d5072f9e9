// The frozen verification vectors (test/vectors/verification/*.json): the verifier, run over each vector's input in
// its in-memory environment at its instant, gives exactly the expected report; and together the vectors cover every
// reason a report can give.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { VERIFICATION_REASONS, type VerificationReason } from '../../../core/verification/reasons.ts'
import type { VerificationReport } from '../../../core/verification/report.ts'
import { runVector, type VerificationVector } from '../../vectors/verification/environment.ts'

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../vectors/verification')
const vectors: VerificationVector[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as VerificationVector)

/**
 * Reasons no vector can produce from data alone, because they describe the verifier's own state rather than the
 * input or the world it sees: its canonicalization worker pool missing a deadline, or being full / shutting down
 * (covered by test/unit/proofs/canonicalizer.test.ts and test/integration/verifier-expensive-input.test.ts).
 */
const NOT_FROM_DATA: readonly VerificationReason[] = ['canonicalization_timeout', 'verifier_busy']

function reasonsIn(report: VerificationReport): string[] {
  return [...report.checks.flatMap((c) => (c.reason ? [c.reason] : [])), ...(report.credentials ?? []).flatMap(reasonsIn)]
}

describe('verification vectors (test/vectors/verification)', () => {
  it('when the vectors are listed, then there are some, each with a unique name matching its file', () => {
    assert.ok(vectors.length > 50)
    assert.equal(new Set(vectors.map((v) => v.name)).size, vectors.length)
  })

  for (const vector of vectors) {
    it(`when the verifier runs over ${vector.name} (${vector.description}), then the report is exactly the expected one`, async () => {
      const report = await runVector(vector)
      assert.deepStrictEqual(JSON.parse(JSON.stringify(report)), vector.expected)
    })
  }

  it('when the reasons of all expected reports are collected, then they are every reason of the union (but the commented few)', () => {
    const seen = new Set(vectors.flatMap((v) => reasonsIn(v.expected)))
    const missing = VERIFICATION_REASONS.filter((r) => !seen.has(r) && !NOT_FROM_DATA.includes(r))
    assert.deepEqual(missing, [], `no vector gives ${missing.join(', ')}`)
    assert.deepEqual(
      [...seen].filter((r) => !(VERIFICATION_REASONS as readonly string[]).includes(r)),
      [],
      'a vector gives a reason outside the union',
    )
    assert.deepEqual(
      NOT_FROM_DATA.filter((r) => seen.has(r)),
      [],
      'a reason listed as not producible from data is produced by a vector',
    )
  })
})
