// What `credit-bank verify` prints to a person: the report in Chinese or English, each check ✓ / ✗ / –.
import assert from 'node:assert/strict'
import { displayWidth, formatReport, languageFromEnv, parseLanguage } from '../../../bin/format-report.ts'
import { OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID } from '../../../core/credentials/types.ts'
import {
  buildReport,
  failed,
  passed,
  skipped,
  type VerificationReason,
  type VerificationReport,
} from '../../../core/verification/report.ts'
import {
  TEST_ISSUER_DID,
  TEST_LEARNER_DID,
  buildAchievementCredential,
  buildCertificationReportCredential,
} from '../../../fixtures/builders.ts'

const document = buildAchievementCredential(TEST_ISSUER_DID, { validUntil: '2030-01-01T00:00:00Z' }) as unknown as Record<string, unknown>

function report(checks: Parameters<typeof buildReport>[0], doc: Record<string, unknown> | null = document): VerificationReport {
  return buildReport(checks, doc ? { document: doc } : {})
}

const verifiedReport = () =>
  report([
    passed('format', { securing: 'vc+jwt', dataModel: 'v2' }),
    passed('schema'),
    passed('proof'),
    passed('validity_period'),
    skipped('status', 'no_status', 'the credential has no credentialStatus'),
    passed('issuer_trust', { issuer: TEST_ISSUER_DID }),
  ])

const revokedReport = () =>
  report([
    passed('format'),
    passed('schema'),
    passed('proof'),
    passed('validity_period'),
    failed('status', 'revoked', 'the issuer revoked this credential'),
    failed('issuer_trust', 'issuer_not_trusted', `${TEST_ISSUER_DID} is not among the issuers this verifier trusts`),
  ])

describe('formatReport', () => {
  it('when the report is verified, then in English it says so, who issued it to whom, what it says, and every check', () => {
    const out = formatReport(verifiedReport(), 'en')
    const lines = out.split('\n')
    assert.equal(lines[0], '✓ Verified')
    assert.match(out, new RegExp(`^Issuer +Jiangsu Credit Bank \\(${TEST_ISSUER_DID}\\)$`, 'm'))
    assert.match(out, new RegExp(`^Learner +${TEST_LEARNER_DID}$`, 'm'))
    assert.match(out, /^Type +AchievementCredential$/m)
    assert.match(out, /^Name +Data Structures$/m)
    assert.match(out, /^Achievement +Data Structures \(Course\)$/m)
    assert.match(out, /^Credits +3$/m)
    assert.match(out, /^Framework level +5$/m)
    assert.match(out, /^Category +Academic$/m)
    assert.match(out, /^Valid from +2025-03-01T00:00:00Z$/m)
    assert.match(out, /^Valid until +2030-01-01T00:00:00Z$/m)
    const checks = lines.slice(lines.indexOf('Checks') + 1).filter(Boolean)
    assert.deepEqual(
      checks.map((l) => l.trimEnd()),
      [
        '  ✓ Format',
        '  ✓ Schema',
        '  ✓ Signature',
        '  ✓ Validity period',
        '  – Revocation status  the credential has no credentialStatus [no_status]',
        '  ✓ Trusted issuer',
      ],
    )
    assert.ok(out.endsWith('\n'))
  })

  it('when the report is not verified, then in Chinese it uses the wallet wording and translated reasons, with their codes', () => {
    const out = formatReport(revokedReport(), 'zh')
    const lines = out.split('\n')
    assert.equal(lines[0], '✗ 未通过验证')
    assert.match(out, /^颁发机构 +/m)
    assert.match(out, /^学习成果 +Data Structures \(Course\)$/m)
    assert.match(out, /^名称 +数据结构$/m) // the credential's zh name is chosen
    assert.match(out, /^类别 +学历教育$/m)
    assert.match(out, /^ {2}✗ 撤销状态 +凭证已被撤销 \[revoked\]$/m)
    assert.match(out, /^ {2}✗ 颁发机构可信 +颁发机构不在本验证方的信任列表中 \[issuer_not_trusted\]$/m)
    assert.match(out, /^核验项目$/m)
  })

  it('when a reason has no Chinese wording, then the English message is shown with the code', () => {
    const out = formatReport(
      report([
        passed('format'),
        failed(
          'proof',
          'some_new_reason' as VerificationReason,
          'the proof uses a cryptosuite we do not support',
        ) /* a newer verifier's reason */,
      ]),
      'zh',
    )
    assert.match(out, /✗ 签名 +the proof uses a cryptosuite we do not support \[some_new_reason\]/)
  })

  it('when a check id is not in the wallet, then a local label is used', () => {
    const out = formatReport(
      report([passed('format'), skipped('holder_binding', 'subject_not_identified', 'the credential subject has no id')]),
      'en',
    )
    assert.match(out, /– Holder binding +the credential subject has no id \[subject_not_identified\]/)
  })

  it('when the schema check lists the schemas it applied, then they are named', () => {
    const out = formatReport(report([passed('format'), passed('schema', { schemas: [OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID] })]), 'en')
    assert.match(out, /✓ Schema +schemas applied: Open Badges 3.0/)
  })

  it('when the schema check failed, then the first issue says where', () => {
    const issues = [
      { path: '/credentialSubject/achievement', message: 'is required' },
      { path: '/credentialSubject', message: 'must have an id' },
    ]
    const out = formatReport(
      report([
        passed('format'),
        failed('schema', 'schema_invalid', '2 problem(s): /credentialSubject/achievement is required', { issues }),
      ]),
      'zh',
    )
    assert.match(out, /✗ 数据结构 +数据结构不符合要求 \(\/credentialSubject\/achievement is required \+1\) \[schema_invalid\]/)
  })

  it('when the credential is a certification report, then its number and total credits are shown', () => {
    const out = formatReport(
      report([passed('format')], buildCertificationReportCredential(TEST_ISSUER_DID) as unknown as Record<string, unknown>),
      'en',
    )
    assert.match(out, /^Report number +CB-/m)
    assert.match(out, /^Total credits +\d+/m)
  })

  it('when the subject is identified by a hashed identifier only, then the type is shown and never the hash', () => {
    const subject = { ...(document.credentialSubject as Record<string, unknown>), id: undefined }
    const out = formatReport(report([passed('format')], { ...document, credentialSubject: subject }), 'en')
    assert.match(out, /^Learner +nationalIdentityNumber \(hashed\)$/m)
    assert.doesNotMatch(out, /sha256\$/)
  })

  it('when the input could not be read, then there is no document and only the checks are listed', () => {
    const out = formatReport(
      report(
        [failed('format', 'credential_malformed', 'the input is not a credential'), skipped('proof', 'format_failed', 'not checked')],
        null,
      ),
      'en',
    )
    assert.deepEqual(
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => l.trimEnd()),
      [
        '✗ Not verified',
        'Checks',
        '  ✗ Format     the input is not a credential [credential_malformed]',
        '  – Signature  not checked [format_failed]',
      ],
    )
  })

  it('when the credential carries terminal escape sequences, then none reaches the output', () => {
    const hostile = {
      ...document,
      issuer: { id: 'did:web:evil.example', type: ['Profile'], name: 'Evil\u001b]0;pwned\u0007\u001b[2J Corp\r\nIssuer  Fake' },
    }
    const out = formatReport(report([passed('format')], hostile), 'en')
    assert.doesNotMatch(out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/) // eslint-disable-line no-control-regex
    assert.equal(out.split('\n').filter((l) => l.startsWith('Issuer')).length, 1)
  })

  it('when labels are Chinese, then the values line up in terminal columns (wide characters count two)', () => {
    const out = formatReport(verifiedReport(), 'zh')
    const facts = out.split('\n').slice(2, 8)
    const valueColumns = facts.map((l) => displayWidth(l.slice(0, l.search(/ {2}\S/) + 2)))
    assert.equal(new Set(valueColumns).size, 1, facts.join('\n'))
  })
})

describe('the language of the command line', () => {
  it('when LC_ALL or LANG starts with zh, then Chinese; LC_ALL wins over LANG; otherwise English', () => {
    assert.equal(languageFromEnv({ LANG: 'zh_CN.UTF-8' }), 'zh')
    assert.equal(languageFromEnv({ LC_ALL: 'zh_TW.UTF-8', LANG: 'en_US.UTF-8' }), 'zh')
    assert.equal(languageFromEnv({ LC_ALL: 'en_GB.UTF-8', LANG: 'zh_CN.UTF-8' }), 'en')
    assert.equal(languageFromEnv({ LANG: 'C.UTF-8' }), 'en')
    assert.equal(languageFromEnv({}), 'en')
  })

  it('when --lang is zh or en, then that language; anything else is refused', () => {
    assert.equal(parseLanguage('zh'), 'zh')
    assert.equal(parseLanguage('en'), 'en')
    assert.equal(parseLanguage('fr'), undefined)
    assert.equal(parseLanguage('zh-CN'), undefined)
  })
})
