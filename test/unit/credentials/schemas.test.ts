import assert from 'node:assert/strict'
import {
  CREDENTIAL_SCHEMA_IDS,
  achievementCredentialSchema,
  bitstringStatusListCredentialSchema,
  certificationReportCredentialSchema,
  commonSchema,
  validateWithSchema,
} from '../../../core/credentials/schemas.ts'
import { isDateTimeStamp, isUrl, parseXsdDateTime } from '../../../core/json-schema.ts'
import {
  ACHIEVEMENT_CREDENTIAL_SCHEMA_ID,
  BITSTRING_STATUS_LIST_CREDENTIAL_SCHEMA_ID,
  CERTIFICATION_REPORT_CREDENTIAL_SCHEMA_ID,
  COMMON_SCHEMA_ID,
} from '../../../core/credentials/types.ts'
import { TEST_ISSUER_DID, buildAchievementCredential, buildCertificationReportCredential, withValue } from '../../../fixtures/builders.ts'

describe('schemas', () => {
  it('when loaded, then each $id matches its exported constant and declares JSON Schema 2020-12', () => {
    const pairs = [
      [commonSchema, COMMON_SCHEMA_ID],
      [achievementCredentialSchema, ACHIEVEMENT_CREDENTIAL_SCHEMA_ID],
      [certificationReportCredentialSchema, CERTIFICATION_REPORT_CREDENTIAL_SCHEMA_ID],
      [bitstringStatusListCredentialSchema, BITSTRING_STATUS_LIST_CREDENTIAL_SCHEMA_ID],
    ] as const
    for (const [schema, id] of pairs) {
      assert.equal(schema.$id, id)
      assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema')
    }
  })

  it('when every published schema is compiled in strict mode, then an empty object fails each of them', () => {
    for (const id of CREDENTIAL_SCHEMA_IDS) assert.ok(validateWithSchema(id, {}).length > 0, id)
  })

  it('when a language string fails every alternative, then reports one issue, not one per branch', () => {
    const credential = withValue(buildAchievementCredential(TEST_ISSUER_DID), '/credentialSubject/achievement/name', [{ '@value': 1 }])
    assert.deepEqual(
      validateWithSchema(ACHIEVEMENT_CREDENTIAL_SCHEMA_ID, credential).map((i) => i.path),
      ['/credentialSubject/achievement/name'],
    )
  })

  it('when a required type is missing from a type array, then reports one issue at the array', () => {
    const credential = withValue(buildCertificationReportCredential(TEST_ISSUER_DID), '/credentialSubject/type', ['A', 'B'])
    assert.deepEqual(validateWithSchema(CERTIFICATION_REPORT_CREDENTIAL_SCHEMA_ID, credential), [
      { path: '/credentialSubject/type', message: 'must include "CertificationReport"' },
    ])
  })

  it('when a property is missing or not allowed, then the path names the property', () => {
    let credential = withValue(buildCertificationReportCredential(TEST_ISSUER_DID), '/credentialSubject/reportNumber', undefined)
    credential = withValue(credential, '/credentialSubject/creditTotals/byCategory/other', 1)
    assert.deepEqual(validateWithSchema(CERTIFICATION_REPORT_CREDENTIAL_SCHEMA_ID, credential), [
      { path: '/credentialSubject/reportNumber', message: 'is required' },
      { path: '/credentialSubject/creditTotals/byCategory/other', message: 'is not allowed here' },
    ])
  })
})

describe('isUrl', () => {
  it('when given absolute URIs of any scheme, then returns true', () => {
    for (const url of [
      'https://bank.example/credentials/1',
      'http://localhost:3000/x',
      'did:web:bank.example',
      'did:web:bank.example%3A8443:branches:suzhou#key-1',
      'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
      'urn:uuid:2fe53dc9-b2ec-4939-9b2c-0d00f6663b6c',
      'data:application/vc+jwt,eyJhbGciOiJFZERTQSJ9.e30.c2ln',
      'mailto:registrar@university.example',
    ]) {
      assert.equal(isUrl(url), true, url)
    }
  })

  it('when given relative references, bare words, hosts without scheme or non-strings, then returns false', () => {
    for (const value of [
      '',
      'credential-1',
      'bank.example',
      '/path',
      'https://',
      'https://a b',
      'did:web:',
      'did:',
      'did:WEB:x',
      4,
      null,
      ['urn:a'],
    ]) {
      assert.equal(isUrl(value), false, JSON.stringify(value))
    }
  })
})

describe('parseXsdDateTime', () => {
  it('when given a dateTimeStamp, then returns epoch milliseconds with the offset applied', () => {
    assert.equal(parseXsdDateTime('2025-01-01T08:00:00+08:00', true), Date.UTC(2025, 0, 1))
    assert.equal(parseXsdDateTime('2024-02-29T23:59:59.250Z', true), Date.UTC(2024, 1, 29, 23, 59, 59, 250))
    assert.equal(parseXsdDateTime('2025-01-01T00:00:00-14:00', true), Date.UTC(2025, 0, 1, 14))
  })

  it('when the timezone is missing, then accepts it only if not required (read as UTC)', () => {
    assert.equal(parseXsdDateTime('2025-01-01T00:00:00', true), undefined)
    assert.equal(parseXsdDateTime('2025-01-01T00:00:00', false), Date.UTC(2025, 0, 1))
  })

  it('when the date or time is impossible or not XSD, then returns undefined', () => {
    for (const value of [
      '2025-13-01T00:00:00Z',
      '2025-00-10T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2025-04-31T00:00:00Z',
      '2025-01-01T24:00:00Z',
      '2025-01-01T23:60:00Z',
      '2025-01-01T23:59:60Z',
      '2025-01-01T00:00:00+14:30',
      '2025-01-01t00:00:00z',
      '2025-01-01 00:00:00Z',
      '2025-01-01',
      20250101,
    ]) {
      assert.equal(isDateTimeStamp(value), false, JSON.stringify(value))
    }
  })
})
