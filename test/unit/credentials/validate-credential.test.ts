import assert from 'node:assert/strict'
import { isDataModelV2, validateCredential } from '../../../core/credentials/validate-credential.ts'
import { ACHIEVEMENT_CREDENTIAL_SCHEMA_ID, VC_V1_CONTEXT, VC_V2_CONTEXT } from '../../../core/credentials/types.ts'
import type { Issue } from '../../../core/errors.ts'
import {
  TEST_COVERED_CREDENTIAL_IDS,
  TEST_ISSUER_DID,
  buildAchievementCredential,
  buildBitstringStatusListCredential,
  buildCertificationReportCredential,
  buildV1Credential,
  withValue,
} from '../../../fixtures/builders.ts'

/** Open Badges 3.0 requires a credential id; the builders leave it to the issuer, which assigns one before validating. */
const WITH_ID = { id: 'urn:uuid:7c1e4d2a-9b3f-4e8a-a6c5-1d2e3f4a5b6c' }

/** A credential of a type we do not know, with only base-model fields (what the W3C VC API suites send). */
function buildBaseCredential(): Record<string, unknown> {
  return {
    '@context': [VC_V2_CONTEXT, 'https://www.w3.org/ns/credentials/examples/v2'],
    type: ['VerifiableCredential', 'ExampleAlumniCredential'],
    issuer: 'did:key:z6MkptjaoxjyKQFSqf1dHXswP6EayYhPQBYzprVCPmGBHz9S',
    validFrom: '2023-07-01T19:23:24Z',
    credentialSubject: { id: 'did:example:ebfeb1f712ebc6f1c276e12ec21', alumniOf: { name: 'Example University' } },
  }
}

function assertIssueAt(issues: readonly Issue[], path: string): void {
  assert.ok(
    issues.some((i) => i.path === path && i.message.length > 0),
    `expected an issue at ${JSON.stringify(path)}, got ${JSON.stringify(issues, null, 1)}`,
  )
}

interface FailureCase {
  readonly name: string
  readonly pointer: string
  readonly value: unknown
  /** Where the issue must be reported; defaults to `pointer`. */
  readonly path?: string
}

function runFailureCases(build: () => unknown, cases: readonly FailureCase[]): void {
  for (const c of cases) {
    it(`when ${c.name}, then reports an issue at ${c.path ?? c.pointer}`, () => {
      const issues = validateCredential(withValue(build(), c.pointer, c.value), { model: 'v2' })
      assertIssueAt(issues, c.path ?? c.pointer)
    })
  }
}

describe('validateCredential', () => {
  describe('valid credentials', () => {
    it('when an AchievementCredential comes from the builder, then reports no issue', () => {
      assert.deepEqual(validateCredential(buildAchievementCredential(TEST_ISSUER_DID, WITH_ID), { model: 'v2' }), [])
    })

    it('when a CertificationReportCredential comes from the builder, then reports no issue', () => {
      assert.deepEqual(validateCredential(buildCertificationReportCredential(TEST_ISSUER_DID), { model: 'v2' }), [])
    })

    it('when a BitstringStatusListCredential comes from the builder, then reports no issue', () => {
      assert.deepEqual(validateCredential(buildBitstringStatusListCredential(TEST_ISSUER_DID), { model: 'v2' }), [])
    })

    it('when a credential of an unknown type has only base fields, then reports no issue', () => {
      assert.deepEqual(validateCredential(buildBaseCredential(), { model: 'v2' }), [])
    })

    it('when the subject has only an id (VCDM 2.0 fixture credential-subject-single-id-ok), then reports no issue', () => {
      const credential = withValue(buildBaseCredential(), '/credentialSubject', { id: 'did:example:subject' })
      assert.deepEqual(validateCredential(credential, { model: 'v2' }), [])
    })

    it('when optional VCDM 2.0 properties are well formed, then reports no issue', () => {
      const credential = {
        ...buildBaseCredential(),
        id: 'urn:uuid:2fe53dc9-b2ec-4939-9b2c-0d00f6663b6c',
        validUntil: '2030-01-01T08:00:00+08:00',
        name: [{ '@value': 'Alumni', '@language': 'en', '@direction': 'ltr' }],
        description: { '@value': '校友', '@language': 'zh-CN' },
        credentialStatus: [
          {
            id: 'https://bank.example/status-lists/1#94567',
            type: 'BitstringStatusListEntry',
            statusPurpose: 'revocation',
            statusListIndex: '94567',
            statusListCredential: 'https://bank.example/status-lists/1',
          },
          {
            type: 'BitstringStatusListEntry',
            statusPurpose: 'suspension',
            statusListIndex: '12',
            statusListCredential: 'https://bank.example/status-lists/2',
          },
        ],
        credentialSchema: { id: 'https://example.org/schemas/alumni.json', type: 'JsonSchema' },
        evidence: [{ id: 'https://bank.example/evidence/1', type: ['Evidence'] }],
        termsOfUse: { type: 'TrustFrameworkPolicy' },
        refreshService: { type: 'VerifiableCredentialRefreshService2021', id: 'https://bank.example/refresh' },
        relatedResource: [{ id: 'https://example.org/logo.png', digestMultibase: 'uEiBZlVztZpfWHgPyslVv6-UwirFoQoRvW1htfx963sknNA' }],
        proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022' },
      }
      assert.deepEqual(validateCredential(credential, { model: 'v2' }), [])
    })

    it('when an AchievementCredential uses OpenBadgeCredential and an ext: achievement type, then reports no issue', () => {
      let credential = buildAchievementCredential(TEST_ISSUER_DID, { ...WITH_ID, type: ['VerifiableCredential', 'OpenBadgeCredential'] })
      credential = withValue(credential, '/credentialSubject/achievement/achievementType', 'ext:VocationalSkill')
      assert.deepEqual(validateCredential(credential, { model: 'v2' }), [])
    })

    it('when the subject has identifier but no id, or id but no identifier, then reports no issue', () => {
      const base = buildAchievementCredential(TEST_ISSUER_DID, WITH_ID)
      assert.deepEqual(validateCredential(withValue(base, '/credentialSubject/id', undefined), { model: 'v2' }), [])
      assert.deepEqual(validateCredential(withValue(base, '/credentialSubject/identifier', undefined), { model: 'v2' }), [])
    })
  })

  describe('robustness', () => {
    it('when given anything that is not an object, then returns an issue at the root and does not throw', () => {
      for (const input of [undefined, null, 4, 'credential', true, [], [{}]]) {
        assert.deepEqual(
          validateCredential(input, { model: 'v2' }).map((i) => i.path),
          [''],
          `input ${JSON.stringify(input)}`,
        )
      }
    })

    it('when the document nests 10,000 levels deep, then returns issues without overflowing the stack', () => {
      let deep: unknown = 'leaf'
      for (let i = 0; i < 10_000; i++) deep = { nested: deep }
      const issues = validateCredential({ ...buildBaseCredential(), evidence: deep }, { model: 'v2' })
      assertIssueAt(issues, '/evidence/type')
    })

    it('when the document contains a cycle, then returns without looping forever', () => {
      const credential: Record<string, unknown> = buildBaseCredential()
      const subject = credential.credentialSubject as Record<string, unknown>
      subject.self = subject
      assert.deepEqual(validateCredential(credential, { model: 'v2' }), [])
    })

    it('when validating, then never mutates the input', () => {
      const valid = buildCertificationReportCredential(TEST_ISSUER_DID)
      const invalid = withValue(buildAchievementCredential(TEST_ISSUER_DID, WITH_ID), '/credentialSubject/achievement/frameworkLevel', '9')
      for (const credential of [valid, invalid]) {
        const before = structuredClone(credential)
        validateCredential(credential, { model: 'v2' })
        assert.deepEqual(credential, before)
      }
    })

    it('when a builder is called twice, then each call returns a fresh object', () => {
      const first = buildAchievementCredential(TEST_ISSUER_DID)
      ;(first.credentialSubject.achievement as { frameworkLevel: number }).frameworkLevel = 9
      assert.equal(buildAchievementCredential(TEST_ISSUER_DID).credentialSubject.achievement.frameworkLevel, 5)
    })

    it('when builders are called, then they return no id, proof or credentialStatus unless overridden', () => {
      for (const credential of [buildAchievementCredential(TEST_ISSUER_DID), buildCertificationReportCredential(TEST_ISSUER_DID)]) {
        assert.equal('id' in credential || 'proof' in credential || 'credentialStatus' in credential, false)
      }
      assert.equal(buildAchievementCredential(TEST_ISSUER_DID, { id: 'urn:uuid:1' }).id, 'urn:uuid:1')
      assert.equal('validFrom' in buildAchievementCredential(TEST_ISSUER_DID, { validFrom: undefined }), false)
    })
  })

  describe('#34 @context', () => {
    runFailureCases(buildBaseCredential, [
      { name: '@context is missing', pointer: '/@context', value: undefined },
      { name: '@context is a string', pointer: '/@context', value: VC_V2_CONTEXT },
      { name: '@context is an object', pointer: '/@context', value: { '@vocab': 'https://example.org/#' } },
      { name: '@context is 4', pointer: '/@context', value: 4 },
      { name: '@context is false', pointer: '/@context', value: false },
      { name: '@context is null', pointer: '/@context', value: null },
      { name: '@context is an empty array', pointer: '/@context', value: [] },
      { name: 'a context item is []', pointer: '/@context/1', value: [] },
      { name: 'a context item is null', pointer: '/@context/1', value: null },
      { name: 'a context item is 10', pointer: '/@context/1', value: 10 },
      { name: 'a context item is true', pointer: '/@context/1', value: true },
      { name: 'a context item is an empty string', pointer: '/@context/1', value: '' },
      { name: 'a context item is not a URL', pointer: '/@context/1', value: 'examples-v2' },
      {
        name: 'the first item is not the base context',
        pointer: '/@context',
        value: ['https://www.w3.org/ns/credentials/examples/v2', VC_V2_CONTEXT],
        path: '/@context/0',
      },
      { name: 'v1 comes before v2', pointer: '/@context', value: [VC_V1_CONTEXT, VC_V2_CONTEXT], path: '/@context/0' },
      { name: 'v1 is mixed in after v2', pointer: '/@context', value: [VC_V2_CONTEXT, VC_V1_CONTEXT], path: '/@context/1' },
    ])
  })

  describe('#35 type', () => {
    runFailureCases(buildBaseCredential, [
      { name: 'type is missing', pointer: '/type', value: undefined },
      { name: 'type is 4', pointer: '/type', value: 4 },
      { name: 'type is a string', pointer: '/type', value: 'VerifiableCredential' },
      { name: 'type is an object', pointer: '/type', value: {} },
      { name: 'a type item is null', pointer: '/type', value: ['VerifiableCredential', null], path: '/type/1' },
      { name: 'a type item is true', pointer: '/type', value: ['VerifiableCredential', true], path: '/type/1' },
      { name: 'a type item is []', pointer: '/type', value: ['VerifiableCredential', []], path: '/type/1' },
      { name: 'type lacks VerifiableCredential', pointer: '/type', value: ['ExampleAlumniCredential'] },
    ])
  })

  describe('#36 issuer', () => {
    runFailureCases(buildBaseCredential, [
      { name: 'issuer is missing', pointer: '/issuer', value: undefined },
      { name: 'issuer is null', pointer: '/issuer', value: null },
      { name: 'issuer is true', pointer: '/issuer', value: true },
      { name: 'issuer is 4', pointer: '/issuer', value: 4 },
      { name: 'issuer is []', pointer: '/issuer', value: [] },
      { name: 'issuer is not a URL', pointer: '/issuer', value: 'bank.example' },
      { name: 'issuer is an object without id', pointer: '/issuer', value: { name: 'Bank' }, path: '/issuer/id' },
      { name: 'issuer.id is not a URL', pointer: '/issuer', value: { id: 'not a url' }, path: '/issuer/id' },
      { name: 'issuer.id is null', pointer: '/issuer', value: { id: null }, path: '/issuer/id' },
      { name: 'issuer.id is an http URL without a host', pointer: '/issuer', value: { id: 'https://' }, path: '/issuer/id' },
      { name: 'issuer.id is a malformed DID', pointer: '/issuer', value: { id: 'did:web:' }, path: '/issuer/id' },
    ])
  })

  describe('#37 credentialSubject', () => {
    runFailureCases(buildBaseCredential, [
      { name: 'credentialSubject is missing', pointer: '/credentialSubject', value: undefined },
      { name: 'credentialSubject is null', pointer: '/credentialSubject', value: null },
      { name: 'credentialSubject is a string', pointer: '/credentialSubject', value: 'did:example:subject' },
      { name: 'credentialSubject is []', pointer: '/credentialSubject', value: [] },
      { name: 'credentialSubject has no claims', pointer: '/credentialSubject', value: {} },
      {
        name: 'credentialSubject is an array of empty objects',
        pointer: '/credentialSubject',
        value: [{}, {}],
        path: '/credentialSubject/1',
      },
      { name: 'credentialSubject.id is not a URL', pointer: '/credentialSubject/id', value: 'learner-42' },
      { name: 'credentialSubject.id is given twice', pointer: '/credentialSubject/id', value: ['did:example:a', 'did:example:b'] },
    ])
  })

  describe('#38 dates', () => {
    runFailureCases(buildBaseCredential, [
      { name: 'validFrom has no timezone', pointer: '/validFrom', value: '2025-01-01T00:00:00' },
      { name: 'validFrom has month 13', pointer: '/validFrom', value: '2025-13-01T00:00:00Z' },
      { name: 'validFrom is 30 February', pointer: '/validFrom', value: '2025-02-30T00:00:00Z' },
      { name: 'validFrom is a date only', pointer: '/validFrom', value: '2025-01-01' },
      { name: 'validFrom is a number', pointer: '/validFrom', value: 1735689600 },
      { name: 'validUntil has an impossible offset', pointer: '/validUntil', value: '2026-01-01T00:00:00+15:00' },
      { name: 'validUntil is before validFrom', pointer: '/validUntil', value: '2023-07-01T19:23:23Z' },
    ])

    it('when validUntil equals validFrom in another timezone, then reports no issue', () => {
      const credential = { ...buildBaseCredential(), validFrom: '2025-01-01T08:00:00+08:00', validUntil: '2025-01-01T00:00:00Z' }
      assert.deepEqual(validateCredential(credential, { model: 'v2' }), [])
    })
  })

  describe('#39 ids', () => {
    const status = {
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '1',
      statusListCredential: 'https://bank.example/sl/1',
    }
    runFailureCases(buildBaseCredential, [
      { name: 'id is not a URL', pointer: '/id', value: 'credential-1' },
      { name: 'id is given twice', pointer: '/id', value: ['urn:uuid:1', 'urn:uuid:2'] },
      {
        name: 'credentialStatus.id is not a URL',
        pointer: '/credentialStatus',
        value: { ...status, id: 'status 1' },
        path: '/credentialStatus/id',
      },
      {
        name: 'credentialStatus.id is given twice',
        pointer: '/credentialStatus',
        value: { ...status, id: ['https://bank.example/sl/1#1', 'https://bank.example/sl/1#2'] },
        path: '/credentialStatus/id',
      },
      {
        name: 'two credentialStatus entries share an id',
        pointer: '/credentialStatus',
        value: [
          { ...status, id: 'https://bank.example/sl/1#1' },
          { ...status, id: 'https://bank.example/sl/1#1' },
        ],
        path: '/credentialStatus/1/id',
      },
      { name: 'evidence.id is not a URL', pointer: '/evidence', value: { type: 'Evidence', id: 'evidence 1' }, path: '/evidence/id' },
    ])
  })

  describe('#40 typed resources', () => {
    runFailureCases(buildBaseCredential, [
      {
        name: 'credentialStatus has no type',
        pointer: '/credentialStatus',
        value: { id: 'https://bank.example/sl/1#1' },
        path: '/credentialStatus/type',
      },
      { name: 'evidence has no type', pointer: '/evidence', value: [{ id: 'https://bank.example/e/1' }], path: '/evidence/0/type' },
      { name: 'termsOfUse has no type', pointer: '/termsOfUse', value: { id: 'https://bank.example/tou' }, path: '/termsOfUse/type' },
      {
        name: 'refreshService has no type',
        pointer: '/refreshService',
        value: { id: 'https://bank.example/r' },
        path: '/refreshService/type',
      },
      {
        name: 'credentialSchema has no type',
        pointer: '/credentialSchema',
        value: { id: 'https://example.org/s.json' },
        path: '/credentialSchema/type',
      },
      { name: 'credentialSchema has no id', pointer: '/credentialSchema', value: { type: 'JsonSchema' }, path: '/credentialSchema/id' },
      {
        name: 'credentialSchema.id is not a URL',
        pointer: '/credentialSchema',
        value: { id: 'alumni.json', type: 'JsonSchema' },
        path: '/credentialSchema/id',
      },
      { name: 'evidence type is an empty array', pointer: '/evidence', value: { type: [] }, path: '/evidence/type' },
      { name: 'evidence is a string', pointer: '/evidence', value: 'https://bank.example/e/1' },
      { name: 'termsOfUse is an empty array', pointer: '/termsOfUse', value: [] },
      { name: 'proof is a string', pointer: '/proof', value: 'eyJhbGciOiJFZERTQSJ9' },
      { name: 'proof is null', pointer: '/proof', value: null },
      { name: 'proof is a number', pointer: '/proof', value: 4 },
      { name: 'proof is an empty array', pointer: '/proof', value: [] },
      { name: 'proof has no type', pointer: '/proof', value: { proofValue: 'z58DAdFfa9' }, path: '/proof/type' },
    ])
  })

  describe('#41 name and description', () => {
    runFailureCases(buildBaseCredential, [
      { name: 'name is a number', pointer: '/name', value: 5 },
      { name: 'name is an object without @value', pointer: '/name', value: { '@language': 'en' } },
      { name: 'name is a language object with an extra property', pointer: '/name', value: { '@value': 'x', '@language': 'en', extra: 1 } },
      { name: 'name has a malformed language tag', pointer: '/name', value: { '@value': 'x', '@language': 'english language' } },
      { name: 'name has a bad direction', pointer: '/name', value: { '@value': 'x', '@direction': 'up' } },
      { name: 'description is an empty array', pointer: '/description', value: [] },
      { name: 'description is an array of strings', pointer: '/description', value: ['a', 'b'] },
      { name: 'issuer.name is a number', pointer: '/issuer', value: { id: TEST_ISSUER_DID, name: 5 }, path: '/issuer/name' },
      {
        name: 'issuer.description is an object with extra keys',
        pointer: '/issuer',
        value: { id: TEST_ISSUER_DID, description: { text: 'x' } },
        path: '/issuer/description',
      },
    ])

    it('when name is wrong, then reports exactly one issue for it', () => {
      const issues = validateCredential(withValue(buildAchievementCredential(TEST_ISSUER_DID, WITH_ID), '/name', { '@value': 1, x: 2 }), {
        model: 'v2',
      })
      assert.deepEqual(
        issues.map((i) => i.path),
        ['/name'],
      )
    })
  })

  describe('#43 relatedResource', () => {
    runFailureCases(buildBaseCredential, [
      {
        name: 'relatedResource items are strings',
        pointer: '/relatedResource',
        value: ['https://example.org/a'],
        path: '/relatedResource/0',
      },
      {
        name: 'two relatedResource entries share an id',
        pointer: '/relatedResource',
        value: [
          { id: 'https://example.org/a', digestSRI: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' },
          { id: 'https://example.org/a', digestSRI: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' },
        ],
        path: '/relatedResource/1/id',
      },
      {
        name: 'a relatedResource has no digest',
        pointer: '/relatedResource',
        value: [{ id: 'https://example.org/a' }],
        path: '/relatedResource/0',
      },
      {
        name: 'a relatedResource has no id',
        pointer: '/relatedResource',
        value: [{ digestSRI: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' }],
        path: '/relatedResource/0/id',
      },
      {
        name: 'digestSRI uses md5',
        pointer: '/relatedResource',
        value: [{ id: 'https://example.org/a', digestSRI: 'md5-1B2M2Y8AsgTpgAmY7PhCfg==' }],
        path: '/relatedResource/0/digestSRI',
      },
      {
        name: 'digestMultibase is not multibase',
        pointer: '/relatedResource',
        value: [{ id: 'https://example.org/a', digestMultibase: '%%%' }],
        path: '/relatedResource/0/digestMultibase',
      },
    ])
  })

  describe('#52 prototype pollution', () => {
    for (const [name, json, path] of [
      ['__proto__ at the top', '{"__proto__": {"admin": true}}', '/__proto__'],
      [
        '__proto__ inside the subject',
        '{"credentialSubject": {"id": "did:example:a", "__proto__": {"admin": true}}}',
        '/credentialSubject/__proto__',
      ],
      [
        'constructor.prototype inside evidence',
        '{"evidence": [{"type": "E", "constructor": {"prototype": {"x": 1}}}]}',
        '/evidence/0/constructor',
      ],
      ['prototype as a claim', '{"credentialSubject": {"id": "did:example:a", "prototype": 1}}', '/credentialSubject/prototype'],
    ] as const) {
      it(`when the document has ${name}, then reports an issue at ${path}`, () => {
        const credential = { ...buildBaseCredential(), ...(JSON.parse(json) as Record<string, unknown>) }
        assertIssueAt(validateCredential(credential, { model: 'v2' }), path)
        assert.equal(({} as Record<string, unknown>).admin, undefined)
      })
    }

    it('when constructor.prototype is nested, then reports the inner key too', () => {
      const credential = { ...buildBaseCredential(), evidence: JSON.parse('{"type": "E", "constructor": {"prototype": {}}}') as unknown }
      assertIssueAt(validateCredential(credential, { model: 'v2' }), '/evidence/constructor/prototype')
    })

    it('when an object is not a plain JSON object, then reports an issue', () => {
      const credential = { ...buildBaseCredential(), evidence: { type: 'E', at: new Date(0) } }
      assertIssueAt(validateCredential(credential, { model: 'v2' }), '/evidence/at')
    })
  })

  describe('AchievementCredential (#44 and our terms)', () => {
    const build = () => buildAchievementCredential(TEST_ISSUER_DID, WITH_ID)
    const hashed = {
      type: 'IdentityObject',
      hashed: true,
      identityHash: 'sha256$5d0b4a1b3c5f7e9d2a4c6e8f0b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d',
      identityType: 'nationalIdentityNumber',
      salt: 'q3F0Yq1oZ3Jx',
    }
    runFailureCases(build, [
      { name: 'the OB 3.0 context is missing', pointer: '/@context', value: [VC_V2_CONTEXT, 'https://w3id.org/credit-bank/v1'] },
      { name: 'validFrom is missing', pointer: '/validFrom', value: undefined },
      { name: 'name is missing', pointer: '/name', value: undefined },
      { name: 'awardedDate is missing', pointer: '/awardedDate', value: undefined },
      { name: 'awardedDate has no timezone', pointer: '/awardedDate', value: '2025-01-20T08:00:00' },
      { name: 'issuer is a bare DID instead of a Profile', pointer: '/issuer', value: TEST_ISSUER_DID },
      { name: 'issuer type lacks Profile', pointer: '/issuer/type', value: ['Organization'] },
      { name: 'issuer has no name', pointer: '/issuer/name', value: undefined },
      {
        name: 'the subject has neither id nor identifier',
        pointer: '/credentialSubject',
        value: { ...build().credentialSubject, id: undefined, identifier: undefined },
      },
      { name: 'the subject identifier list is empty', pointer: '/credentialSubject/identifier', value: [] },
      { name: 'the subject type lacks AchievementSubject', pointer: '/credentialSubject/type', value: ['CredentialSubject'] },
      {
        name: 'an identifier is not hashed',
        pointer: '/credentialSubject/identifier/0',
        value: { ...hashed, hashed: false },
        path: '/credentialSubject/identifier/0/hashed',
      },
      {
        name: 'identityHash is a resident id in the clear',
        pointer: '/credentialSubject/identifier/0/identityHash',
        value: '11010519491231002X',
      },
      {
        name: 'identityHash is an 18-digit resident id',
        pointer: '/credentialSubject/identifier/0/identityHash',
        value: '320102199001011234',
      },
      {
        name: 'identityHash has no algorithm',
        pointer: '/credentialSubject/identifier/0/identityHash',
        value: '5d0b4a1b3c5f7e9d2a4c6e8f0b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d',
      },
      { name: 'an identifier has no salt', pointer: '/credentialSubject/identifier/0/salt', value: undefined },
      { name: 'an identifier has the wrong type', pointer: '/credentialSubject/identifier/0/type', value: 'Identity' },
      { name: 'identityType is unknown', pointer: '/credentialSubject/identifier/0/identityType', value: 'idCard' },
      { name: 'achievement type lacks Achievement', pointer: '/credentialSubject/achievement/type', value: ['Course'] },
      { name: 'achievement id is not a URL', pointer: '/credentialSubject/achievement/id', value: 'cs-201' },
      { name: 'achievementType is unknown', pointer: '/credentialSubject/achievement/achievementType', value: 'Lecture' },
      { name: 'achievementType is missing', pointer: '/credentialSubject/achievement/achievementType', value: undefined },
      { name: 'criteria has neither narrative nor id', pointer: '/credentialSubject/achievement/criteria', value: {} },
      { name: 'creditsAvailable is a string', pointer: '/credentialSubject/achievement/creditsAvailable', value: '3' },
      { name: 'frameworkLevel is 0', pointer: '/credentialSubject/achievement/frameworkLevel', value: 0 },
      { name: 'frameworkLevel is 8', pointer: '/credentialSubject/achievement/frameworkLevel', value: 8 },
      { name: 'frameworkLevel is 2.5', pointer: '/credentialSubject/achievement/frameworkLevel', value: 2.5 },
      { name: 'outcomeCategory is unknown', pointer: '/credentialSubject/achievement/outcomeCategory', value: 'leisure' },
      { name: 'inLanguage is not a language tag', pointer: '/credentialSubject/achievement/inLanguage', value: 'Chinese (Simplified)' },
      { name: 'achievement name is a number', pointer: '/credentialSubject/achievement/name', value: 7 },
      { name: 'creditsEarned is negative', pointer: '/credentialSubject/creditsEarned', value: -1 },
      { name: 'creditsEarned is missing', pointer: '/credentialSubject/creditsEarned', value: undefined },
      { name: 'a result type lacks Result', pointer: '/credentialSubject/result/0/type', value: ['Grade'] },
      { name: 'a result value is a number', pointer: '/credentialSubject/result/0/value', value: 87 },
      { name: 'term is a number', pointer: '/credentialSubject/term', value: 2024 },
      { name: 'activityStartDate is a date only', pointer: '/credentialSubject/activityStartDate', value: '2024-09-01' },
      { name: 'recognizingInstitution is missing', pointer: '/credentialSubject/recognizingInstitution', value: undefined },
      { name: 'recognizingInstitution type lacks Profile', pointer: '/credentialSubject/recognizingInstitution/type', value: [] },
      {
        name: 'recognizingInstitution id is not a URL',
        pointer: '/credentialSubject/recognizingInstitution/id',
        value: 'Example University',
      },
    ])

    it('when the subject has neither id nor identifier, then the issue says which is needed', () => {
      let credential = withValue(build(), '/credentialSubject/id', undefined)
      credential = withValue(credential, '/credentialSubject/identifier', undefined)
      const issues = validateCredential(credential, { model: 'v2' })
      assert.deepEqual(
        issues.map((i) => i.path),
        ['/credentialSubject'],
      )
      assert.match(issues[0]?.message ?? '', /id .*identifier/)
    })

    it('when a credential of another type names our schema in credentialSchema, then it is held to that schema', () => {
      const credential = { ...buildBaseCredential(), credentialSchema: { id: ACHIEVEMENT_CREDENTIAL_SCHEMA_ID, type: 'JsonSchema' } }
      assertIssueAt(validateCredential(credential, { model: 'v2' }), '/awardedDate')
    })

    it('when an identityHash is a resident id, then the message never repeats the value', () => {
      const credential = withValue(build(), '/credentialSubject/identifier/0/identityHash', '11010519491231002X')
      const issues = validateCredential(credential, { model: 'v2' })
      assert.equal(issues.length, 1)
      assert.doesNotMatch(JSON.stringify(issues), /11010519491231002X/)
    })
  })

  describe('CertificationReportCredential', () => {
    const build = () => buildCertificationReportCredential(TEST_ISSUER_DID)
    runFailureCases(build, [
      { name: 'the credit bank context is missing', pointer: '/@context', value: [VC_V2_CONTEXT] },
      { name: 'the subject type lacks CertificationReport', pointer: '/credentialSubject/type', value: ['Report'] },
      { name: 'the subject has neither id nor identifier', pointer: '/credentialSubject/id', value: undefined, path: '/credentialSubject' },
      { name: 'reportNumber is lower case', pointer: '/credentialSubject/reportNumber', value: 'cb-7k3m-9q2w-x4rt-8hjn' },
      { name: 'reportNumber uses the letter O', pointer: '/credentialSubject/reportNumber', value: 'CB-7K3M-9Q2W-X4RT-8HJO' },
      { name: 'reportNumber uses the letter U', pointer: '/credentialSubject/reportNumber', value: 'CB-UK3M-9Q2W-X4RT-8HJN' },
      { name: 'reportNumber has three groups', pointer: '/credentialSubject/reportNumber', value: 'CB-7K3M-9Q2W-X4RT' },
      { name: 'reportNumber has another prefix', pointer: '/credentialSubject/reportNumber', value: 'XX-7K3M-9Q2W-X4RT-8HJN' },
      { name: 'learner has no name', pointer: '/credentialSubject/learner', value: {}, path: '/credentialSubject/learner/name' },
      { name: 'coveredCredentials is empty', pointer: '/credentialSubject/coveredCredentials', value: [] },
      { name: 'a covered credential id is not a URL', pointer: '/credentialSubject/coveredCredentials/0/id', value: 'cs-201' },
      { name: 'a covered credential has frameworkLevel 8', pointer: '/credentialSubject/coveredCredentials/1/frameworkLevel', value: 8 },
      {
        name: 'a covered credential has no outcomeCategory',
        pointer: '/credentialSubject/coveredCredentials/1/outcomeCategory',
        value: undefined,
      },
      { name: 'a covered credential has negative credits', pointer: '/credentialSubject/coveredCredentials/0/creditsEarned', value: -3 },
      { name: 'creditTotals has no totalCredits', pointer: '/credentialSubject/creditTotals/totalCredits', value: undefined },
      { name: 'byCategory has an unknown category', pointer: '/credentialSubject/creditTotals/byCategory/leisure', value: 1 },
      { name: 'byLevel lacks level 7', pointer: '/credentialSubject/creditTotals/byLevel/7', value: undefined },
      { name: 'byLevel has level 8', pointer: '/credentialSubject/creditTotals/byLevel/8', value: 0 },
      { name: 'relatedResource is missing', pointer: '/relatedResource', value: undefined },
      {
        name: 'a covered credential has no relatedResource entry',
        pointer: '/relatedResource',
        value: [{ id: TEST_COVERED_CREDENTIAL_IDS[0], digestSRI: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' }],
        path: '/credentialSubject/coveredCredentials/1/id',
      },
      {
        name: 'a relatedResource entry has only digestMultibase',
        pointer: '/relatedResource/0',
        value: { id: TEST_COVERED_CREDENTIAL_IDS[0], digestMultibase: 'uEiBZlVztZpfWHgPyslVv6-UwirFoQoRvW1htfx963sknNA' },
        path: '/relatedResource/0/digestSRI',
      },
      {
        name: 'a covered credential is listed twice',
        pointer: '/credentialSubject/coveredCredentials/1/id',
        value: TEST_COVERED_CREDENTIAL_IDS[0],
      },
    ])
  })

  describe('BitstringStatusListCredential', () => {
    runFailureCases(
      () => buildBitstringStatusListCredential(TEST_ISSUER_DID),
      [
        { name: 'statusPurpose is unknown', pointer: '/credentialSubject/statusPurpose', value: 'expiry' },
        { name: 'encodedList is not multibase base64url', pointer: '/credentialSubject/encodedList', value: 'H4sIAAAAAAAA' },
        { name: 'the subject type is wrong', pointer: '/credentialSubject/type', value: 'StatusList2021' },
        { name: 'the subject has no id', pointer: '/credentialSubject/id', value: undefined },
        { name: 'validFrom is missing', pointer: '/validFrom', value: undefined },
        {
          name: 'a type item is a number',
          pointer: '/type',
          value: ['VerifiableCredential', 'BitstringStatusListCredential', 3],
          path: '/type/2',
        },
      ],
    )
  })

  describe('model v1 (VCDM 1.1 JWTs from outside)', () => {
    it('when a v1 credential is checked as v1, then reports no issue', () => {
      assert.deepEqual(validateCredential(buildV1Credential(TEST_ISSUER_DID), { model: 'v1' }), [])
    })

    it('when a v1 credential is checked as v2, then reports the base context', () => {
      assertIssueAt(validateCredential(buildV1Credential(TEST_ISSUER_DID), { model: 'v2' }), '/@context/0')
    })

    it('when a v2 credential is checked as v1, then reports the base context', () => {
      assertIssueAt(validateCredential(buildBaseCredential(), { model: 'v1' }), '/@context/0')
    })

    it('when issuanceDate has no timezone, then reports no issue (XSD dateTime)', () => {
      const credential = buildV1Credential(TEST_ISSUER_DID, { issuanceDate: '2024-07-01T00:00:00' })
      assert.deepEqual(validateCredential(credential, { model: 'v1' }), [])
    })

    for (const c of [
      { name: 'issuanceDate is not a date-time', pointer: '/issuanceDate', value: '2024-13-01T00:00:00Z' },
      { name: 'expirationDate is not a date-time', pointer: '/expirationDate', value: 'tomorrow' },
      { name: 'the v2 context is mixed in', pointer: '/@context', value: [VC_V1_CONTEXT, VC_V2_CONTEXT], path: '/@context/1' },
      { name: 'type lacks VerifiableCredential', pointer: '/type', value: ['UniversityDegreeCredential'] },
      { name: 'issuer is not a URL', pointer: '/issuer', value: 'Example University' },
      { name: 'issuer has no id', pointer: '/issuer', value: {}, path: '/issuer/id' },
      { name: 'credentialSubject is a string', pointer: '/credentialSubject', value: 'did:example:a' },
      { name: 'credentialSubject.id is not a URL', pointer: '/credentialSubject/id', value: 'learner' },
    ] satisfies FailureCase[]) {
      it(`when ${c.name}, then reports an issue at ${c.path ?? c.pointer}`, () => {
        const issues = validateCredential(withValue(buildV1Credential(TEST_ISSUER_DID), c.pointer, c.value), { model: 'v1' })
        assertIssueAt(issues, c.path ?? c.pointer)
      })
    }
  })
})

describe('isDataModelV2', () => {
  it('when the first @context item is the v2 context, then returns true', () => {
    assert.equal(isDataModelV2(buildBaseCredential()), true)
  })

  it('when the document is v1, not an object, or has no @context array, then returns false', () => {
    for (const doc of [
      buildV1Credential(TEST_ISSUER_DID),
      null,
      'x',
      { '@context': VC_V2_CONTEXT },
      { '@context': ['x', VC_V2_CONTEXT] },
    ]) {
      assert.equal(isDataModelV2(doc), false)
    }
  })
})
