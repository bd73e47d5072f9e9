// The closed union of verification reasons: the README documents exactly it, and the wallet words it or shows the message.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { CHECK_REASONS, SKIP_REASONS, VERIFICATION_REASONS } from '../../../core/verification/reasons.ts'
import { MESSAGES, describeReason } from '../../../wallet-web/public/i18n.js'

describe('verification reasons (core/verification/reasons.ts)', () => {
  it('when the README lists verification reasons, then its table is exactly the union, by check (both directions)', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
    const section = readme.slice(readme.indexOf('#### Verification reasons'), readme.indexOf('### Errors'))
    const rows = [...section.matchAll(/^\| (`[a-z_]+`|\(any\)) \| `([a-z0-9_]+)` \|/gm)].map((m) => `${m[1]!.replaceAll('`', '')} ${m[2]}`)
    const expected = [
      ...Object.entries(CHECK_REASONS).flatMap(([check, reasons]) => reasons.map((r) => `${check} ${r}`)),
      ...SKIP_REASONS.map((r) => `(any) ${r}`),
    ]
    assert.deepEqual([...rows].sort(), [...expected].sort())
    assert.equal(new Set(rows).size, rows.length, 'a row is listed twice')
  })

  it('when the reasons are listed, then each is snake_case and listed once', () => {
    assert.equal(new Set(VERIFICATION_REASONS).size, VERIFICATION_REASONS.length)
    for (const r of VERIFICATION_REASONS) assert.match(r, /^[a-z][a-z0-9_]*$/)
  })
})

describe('wallet wording of verification reasons (wallet-web/public/i18n.js)', () => {
  const ISSUE_5_REASONS = [
    'jsonld_not_compact',
    'document_too_large',
    'canonicalization_timeout',
    'verifier_busy',
    'not_requested',
    'proof_failed',
    'holder_missing',
    'subject_not_identified',
    'too_many_credentials',
    'envelope_malformed',
    'status_entry_malformed',
    'claims_malformed',
  ]

  it('when a reason of issue 5 is shown, then both languages have a wording for it', () => {
    for (const lang of ['zh-CN', 'en']) {
      for (const r of ISSUE_5_REASONS) assert.ok(MESSAGES[lang]![`reason.${r}`], `${lang} reason.${r}`)
    }
  })

  it('when the wallet has a wording for a reason, then the reason is one of the union (no stale wordings)', () => {
    for (const lang of ['zh-CN', 'en']) {
      const worded = Object.keys(MESSAGES[lang]!)
        .filter((k) => k.startsWith('reason.'))
        .map((k) => k.slice('reason.'.length))
      assert.deepEqual(
        worded.filter((r) => !(VERIFICATION_REASONS as readonly string[]).includes(r)),
        [],
        lang,
      )
    }
  })

  it("when a check has a reason with a wording, then the wording is shown; without one, the verifier's message", () => {
    assert.equal(
      describeReason('en', { reason: 'not_requested', message: 'the request did not ask for the status check' }),
      MESSAGES.en!['reason.not_requested'],
    )
    assert.equal(describeReason('zh-CN', { reason: 'proof_failed', message: 'x' }), MESSAGES['zh-CN']!['reason.proof_failed'])
    const unworded = VERIFICATION_REASONS.find((r) => MESSAGES.en![`reason.${r}`] === undefined)
    if (unworded) assert.equal(describeReason('en', { reason: unworded, message: 'the message' }), 'the message')
    assert.equal(describeReason('en', { reason: 'a_reason_from_a_newer_verifier', message: 'its message' }), 'its message')
    assert.equal(describeReason('en', { status: 'passed' }), undefined)
  })
})
