// Report numbers: their shape, randomness, and a check character that catches every single substitution and every
// swap of neighbours (proved exhaustively over many numbers), read back as people type them.
import assert from 'node:assert/strict'
import {
  checkCharacter,
  checkCharacterMatches,
  CROCKFORD_ALPHABET,
  newReportNumber,
  parseReportNumber,
  REPORT_NUMBER_PATTERN,
} from '../../../issuer/reports/report-number.ts'

const bare = (n: string): string => n.replace(/^CB-/, '').replace(/-/g, '')

describe('report numbers', () => {
  it('when a number is made, then it has the schema’s shape, its check character, and 15 random characters', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 2000; i++) {
      const n = newReportNumber()
      assert.match(n, new RegExp(REPORT_NUMBER_PATTERN))
      assert.ok(checkCharacterMatches(bare(n)), n)
      seen.add(n)
    }
    assert.equal(seen.size, 2000)
    // Every character value appears in every random position over many numbers (the bytes' low 5 bits are uniform).
    const positions = Array.from({ length: 15 }, () => new Set<string>())
    for (let i = 0; i < 3000; i++) [...bare(newReportNumber())].slice(0, 15).forEach((ch, p) => positions[p]!.add(ch))
    for (const p of positions) assert.equal(p.size, 32)
  })

  it('when any single character of a number is changed, then the check character catches it (exhaustive over 500 numbers)', () => {
    let tried = 0
    for (let i = 0; i < 500; i++) {
      const n = bare(newReportNumber())
      for (let pos = 0; pos < 16; pos++)
        for (const ch of CROCKFORD_ALPHABET) {
          if (ch === n[pos]) continue
          const typo = n.slice(0, pos) + ch + n.slice(pos + 1)
          assert.equal(checkCharacterMatches(typo), false, `${n} → ${typo}`)
          tried++
        }
    }
    assert.equal(tried, 500 * 16 * 31)
  })

  it('when any two different neighbours are swapped, then the check character catches it (exhaustive over 2000 numbers)', () => {
    let tried = 0
    for (let i = 0; i < 2000; i++) {
      const n = bare(newReportNumber())
      for (let pos = 0; pos < 15; pos++) {
        if (n[pos] === n[pos + 1]) continue
        const swapped = n.slice(0, pos) + n[pos + 1] + n[pos] + n.slice(pos + 2)
        assert.equal(checkCharacterMatches(swapped), false, `${n} → ${swapped}`)
        tried++
      }
    }
    assert.ok(tried > 2000 * 14)
  })

  it('when every pair of neighbours a, b (a ≠ b) is swapped anywhere, then the check fails: the quasigroup is totally antisymmetric', () => {
    // For any prefix interim value z: (z∘a)∘b ≠ (z∘b)∘a whenever a ≠ b — all 32 × 32 × 31 cases.
    for (const z of CROCKFORD_ALPHABET)
      for (const a of CROCKFORD_ALPHABET)
        for (const b of CROCKFORD_ALPHABET) {
          if (a === b) continue
          assert.notEqual(checkCharacter(`${z}${a}${b}`), checkCharacter(`${z}${b}${a}`), `${z}${a}${b}`)
        }
  })

  it('when a number is typed in lower case, without dashes or prefix, or with O, I, L for 0, 1, 1, then it reads as printed', () => {
    const body = 'AB01CD1EF0GH1JK'
    const n = `CB-${(body + checkCharacter(body)).match(/.{4}/g)!.join('-')}`
    for (const typed of [
      n,
      n.toLowerCase(),
      bare(n),
      ` ${n.replace(/-/g, ' ')} `,
      n.replace(/0/g, 'O').replace(/1/g, 'l'),
      n.replace(/1/g, 'I'),
    ])
      assert.deepEqual(parseReportNumber(typed), { ok: true, number: n }, typed)
  })

  it('when a number is malformed or mistyped, then parsing says which, with a stable code', () => {
    const n = newReportNumber()
    const b = bare(n)
    const other = CROCKFORD_ALPHABET[(CROCKFORD_ALPHABET.indexOf(b[3]!) + 1) % 32]!
    assert.deepEqual(parseReportNumber(b.slice(0, 3) + other + b.slice(4)), { ok: false, code: 'report_number_mistyped' })
    for (const bad of ['', 'CB-', b.slice(1), b + '0', b.slice(0, 15) + 'U', 'CB-ABCD-EFGH-JKMN-PQR*', 'XY' + b])
      assert.deepEqual(parseReportNumber(bad), { ok: false, code: 'report_number_malformed' }, bad)
  })
})
