// Which profiles a credential is held to (VC Data Model always; Open Badges 3.0 for OB 3.0 types; the credit bank's
// profile only where its context or schema is named), and the OB 3.0 schema against the specification's examples.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { profilesFor, validateCredential } from '../../../core/credentials/validate-credential.ts'
import {
  ACHIEVEMENT_CREDENTIAL_SCHEMA_ID,
  BITSTRING_STATUS_LIST_CREDENTIAL_SCHEMA_ID,
  CERTIFICATION_REPORT_CREDENTIAL_SCHEMA_ID,
  OB3_1EDTECH_ACHIEVEMENT_CREDENTIAL_SCHEMA,
  OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID,
  VC_V2_CONTEXT,
} from '../../../core/credentials/types.ts'
import {
  TEST_ISSUER_DID,
  buildAchievementCredential,
  buildBitstringStatusListCredential,
  buildCertificationReportCredential,
  buildV1Credential,
  withValue,
} from '../../../fixtures/builders.ts'

type Json = Record<string, unknown>
const vector = (name: string): Json => JSON.parse(readFileSync(new URL(`../../vectors/ob3/${name}.json`, import.meta.url), 'utf8')) as Json
const SPEC_EXAMPLES = ['basic-openbadgecredential', 'basic-achievementcredential', 'complete-openbadgecredential']
const OB3 = OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID
const BANK = ACHIEVEMENT_CREDENTIAL_SCHEMA_ID
const bankCredential = (overrides: Json = {}) =>
  buildAchievementCredential(TEST_ISSUER_DID, { id: 'urn:uuid:3f9e2c1a-6b4d-4e8f-9a0b-1c2d3e4f5a6b', ...overrides })

describe('profilesFor', () => {
  it('when another issuer sends an OpenBadgeCredential or an AchievementCredential, then only the OB 3.0 schema applies', () => {
    for (const name of SPEC_EXAMPLES) assert.deepEqual(profilesFor(vector(name), 'v2'), [OB3], name)
  })

  it('when the credential uses the credit bank context, then both the OB 3.0 schema and the bank profile apply, in that order', () => {
    assert.deepEqual(profilesFor(bankCredential(), 'v2'), [OB3, BANK])
    assert.deepEqual(profilesFor(bankCredential({ type: ['VerifiableCredential', 'OpenBadgeCredential'] }), 'v2'), [OB3, BANK])
  })

  it('when an OB 3.0 credential names the bank profile in credentialSchema without the bank context, then the bank profile applies too', () => {
    const credential = { ...vector('basic-openbadgecredential'), credentialSchema: [{ id: BANK, type: 'JsonSchema' }] }
    assert.deepEqual(profilesFor(credential, 'v2'), [OB3, BANK])
  })

  it("when a credential of another type names 1EdTech's AchievementCredential schema, then the OB 3.0 schema applies", () => {
    const credential = {
      '@context': [VC_V2_CONTEXT],
      type: ['VerifiableCredential'],
      credentialSchema: { id: OB3_1EDTECH_ACHIEVEMENT_CREDENTIAL_SCHEMA, type: '1EdTechJsonSchemaValidator2019' },
    }
    assert.deepEqual(profilesFor(credential, 'v2'), [OB3])
  })

  it('when the credential is a certification report or a status list, then its own schema applies and no OB 3.0 schema', () => {
    assert.deepEqual(profilesFor(buildCertificationReportCredential(TEST_ISSUER_DID), 'v2'), [CERTIFICATION_REPORT_CREDENTIAL_SCHEMA_ID])
    assert.deepEqual(profilesFor(buildBitstringStatusListCredential(TEST_ISSUER_DID), 'v2'), [BITSTRING_STATUS_LIST_CREDENTIAL_SCHEMA_ID])
  })

  it('when the credential claims no known profile, is not an object, or follows VC 1.1, then no schema applies', () => {
    assert.deepEqual(profilesFor({ '@context': [VC_V2_CONTEXT], type: ['VerifiableCredential', 'ExampleAlumniCredential'] }, 'v2'), [])
    for (const input of [undefined, null, 'credential', [bankCredential()]]) assert.deepEqual(profilesFor(input, 'v2'), [])
    assert.deepEqual(profilesFor(buildV1Credential(TEST_ISSUER_DID, { type: ['VerifiableCredential', 'OpenBadgeCredential'] }), 'v1'), [])
  })

  it('when the credit bank context is present but the type is not an OB 3.0 type, then the bank achievement profile does not apply', () => {
    const credential = {
      '@context': [VC_V2_CONTEXT, 'https://w3id.org/credit-bank/v1'],
      type: ['VerifiableCredential', 'ExampleCredential'],
    }
    assert.deepEqual(profilesFor(credential, 'v2'), [])
  })
})

describe('the OB 3.0 schema', () => {
  for (const name of SPEC_EXAMPLES) {
    it(`when validating the specification's ${name}, then reports no issue`, () => {
      assert.deepEqual(validateCredential(vector(name), { model: 'v2' }), [])
    })
  }

  it('when types are written as single strings (as several spec examples do), then reports no issue', () => {
    const credential = vector('basic-openbadgecredential')
    const subject = credential.credentialSubject as Json
    const single = {
      ...credential,
      issuer: { ...(credential.issuer as Json), type: 'Profile' },
      credentialSubject: { ...subject, type: 'AchievementSubject', achievement: { ...(subject.achievement as Json), type: 'Achievement' } },
    }
    assert.deepEqual(validateCredential(single, { model: 'v2' }), [])
  })

  const broken: readonly { name: string; pointer: string; value: unknown; path?: string }[] = [
    { name: 'the achievement is missing', pointer: '/credentialSubject/achievement', value: undefined },
    { name: 'the subject has neither id nor identifier', pointer: '/credentialSubject/id', value: undefined, path: '/credentialSubject' },
    { name: 'the OB 3.0 context is missing', pointer: '/@context', value: [VC_V2_CONTEXT] },
    { name: 'the credential id is missing', pointer: '/id', value: undefined },
    { name: 'name is missing', pointer: '/name', value: undefined },
    { name: 'validFrom is missing', pointer: '/validFrom', value: undefined },
    { name: 'the issuer is a bare URL instead of a Profile', pointer: '/issuer', value: 'https://example.com/issuers/876543' },
    { name: 'the issuer type lacks Profile', pointer: '/issuer/type', value: ['Organization'] },
    { name: 'the subject type lacks AchievementSubject', pointer: '/credentialSubject/type', value: ['Person'] },
    { name: 'the achievement type lacks Achievement', pointer: '/credentialSubject/achievement/type', value: ['Badge'] },
    { name: 'the achievement has no description', pointer: '/credentialSubject/achievement/description', value: undefined },
    { name: 'the achievement has no criteria', pointer: '/credentialSubject/achievement/criteria', value: undefined },
    { name: 'the criteria have neither narrative nor id', pointer: '/credentialSubject/achievement/criteria', value: {} },
    { name: 'achievementType is not in the vocabulary', pointer: '/credentialSubject/achievement/achievementType', value: 'Lecture' },
    {
      name: 'an identifier has no identityType',
      pointer: '/credentialSubject/identifier',
      value: [{ type: 'IdentityObject', hashed: false, identityHash: 'a@example.org' }],
      path: '/credentialSubject/identifier/0/identityType',
    },
    {
      name: 'a result status is unknown',
      pointer: '/credentialSubject/result',
      value: [{ type: ['Result'], status: 'Done' }],
      path: '/credentialSubject/result/0/status',
    },
  ]
  for (const c of broken) {
    it(`when ${c.name}, then reports an issue at ${c.path ?? c.pointer} and nothing about the bank's terms`, () => {
      const issues = validateCredential(withValue(vector('basic-openbadgecredential'), c.pointer, c.value), { model: 'v2' })
      assert.ok(
        issues.some((i) => i.path === (c.path ?? c.pointer)),
        JSON.stringify(issues),
      )
      assert.doesNotMatch(JSON.stringify(issues), /credit bank|frameworkLevel|creditsEarned|recognizingInstitution/)
    })
  }

  it('when an OB 3.0 credential gives an identifier in the clear (hashed: false), then OB 3.0 allows it but the bank profile does not', () => {
    assert.deepEqual(validateCredential(vector('complete-openbadgecredential'), { model: 'v2' }), [])
    const identifier = [
      { type: 'IdentityObject', hashed: false, identityHash: 'student@example.edu', identityType: 'emailAddress', salt: 'not-used' },
    ]
    const issues = validateCredential(withValue(bankCredential(), '/credentialSubject/identifier', identifier), { model: 'v2' })
    assert.ok(
      issues.some((i) => i.path === '/credentialSubject/identifier/0/hashed'),
      JSON.stringify(issues),
    )
  })
})

describe("the bank's own credentials", () => {
  it('when a bank credential breaks an OB 3.0 rule the bank profile does not have (no credential id), then it is reported', () => {
    assert.deepEqual(validateCredential(bankCredential({ id: undefined }), { model: 'v2' }), [{ path: '/id', message: 'is required' }])
  })

  it('when a bank credential breaks a rule of the bank profile (no frameworkLevel), then it is reported', () => {
    const issues = validateCredential(withValue(bankCredential(), '/credentialSubject/achievement/frameworkLevel', undefined), {
      model: 'v2',
    })
    assert.deepEqual(issues, [{ path: '/credentialSubject/achievement/frameworkLevel', message: 'is required' }])
  })

  it('when both profiles report the same problem, then it is reported once', () => {
    const issues = validateCredential(withValue(bankCredential(), '/credentialSubject/achievement/criteria', {}), { model: 'v2' })
    assert.deepEqual(
      issues.map((i) => i.path),
      ['/credentialSubject/achievement/criteria'],
    )
  })
})
