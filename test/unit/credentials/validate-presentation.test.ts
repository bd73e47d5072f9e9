import assert from 'node:assert/strict'
import { validatePresentation } from '../../../core/credentials/validate-presentation.ts'
import { VC_V1_CONTEXT, VC_V2_CONTEXT } from '../../../core/credentials/types.ts'
import type { Issue } from '../../../core/errors.ts'
import {
  TEST_ISSUER_DID,
  TEST_LEARNER_DID,
  buildAchievementCredential,
  buildPresentation,
  buildV1Credential,
  withValue,
} from '../../../fixtures/builders.ts'

// A syntactically valid compact JWS (header.payload.signature); its signature is not checked here.
const JWT = 'eyJhbGciOiJFZERTQSIsInR5cCI6InZjK2p3dCJ9.eyJpc3MiOiJkaWQ6d2ViOmJhbmsuZXhhbXBsZSJ9.c2lnbmF0dXJl'

function envelope(id: unknown = `data:application/vc+jwt,${JWT}`): Record<string, unknown> {
  return { '@context': [VC_V2_CONTEXT], type: 'EnvelopedVerifiableCredential', id }
}

function assertIssueAt(issues: readonly Issue[], path: string): void {
  assert.ok(
    issues.some((i) => i.path === path),
    `expected an issue at ${JSON.stringify(path)}, got ${JSON.stringify(issues, null, 1)}`,
  )
}

describe('validatePresentation', () => {
  describe('model v2', () => {
    it('when it carries an embedded credential and an enveloped one, then reports no issue', () => {
      const presentation = buildPresentation(
        TEST_LEARNER_DID,
        [buildAchievementCredential(TEST_ISSUER_DID, { id: 'urn:uuid:7c1e4d2a-9b3f-4e8a-a6c5-1d2e3f4a5b6c' }), envelope()],
        {
          id: 'urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5',
          proof: { type: 'DataIntegrityProof', proofPurpose: 'authentication' },
        },
      )
      assert.deepEqual(validatePresentation(presentation, { model: 'v2' }), [])
    })

    it('when it has no verifiableCredential and no holder, then reports no issue', () => {
      const presentation = buildPresentation(TEST_LEARNER_DID, [], { verifiableCredential: undefined, holder: undefined })
      assert.deepEqual(validatePresentation(presentation, { model: 'v2' }), [])
    })

    it('when the holder is an object with a URL id and the envelope type is an array, then reports no issue', () => {
      const presentation = buildPresentation(TEST_LEARNER_DID, [{ ...envelope(), type: ['EnvelopedVerifiableCredential'] }], {
        holder: { id: TEST_LEARNER_DID },
      })
      assert.deepEqual(validatePresentation(presentation, { model: 'v2' }), [])
    })

    it('when given anything that is not an object, then returns an issue at the root', () => {
      for (const input of [null, 'eyJ...', 4, []])
        assert.deepEqual(
          validatePresentation(input, { model: 'v2' }).map((i) => i.path),
          [''],
        )
    })

    const cases: readonly { name: string; presentation: () => unknown; path: string }[] = [
      {
        name: '@context is missing',
        presentation: () => buildPresentation(TEST_LEARNER_DID, [], { '@context': undefined }),
        path: '/@context',
      },
      {
        name: '@context starts with v1',
        presentation: () => buildPresentation(TEST_LEARNER_DID, [], { '@context': [VC_V1_CONTEXT] }),
        path: '/@context/0',
      },
      { name: 'type is missing', presentation: () => buildPresentation(TEST_LEARNER_DID, [], { type: undefined }), path: '/type' },
      {
        name: 'type lacks VerifiablePresentation',
        presentation: () => buildPresentation(TEST_LEARNER_DID, [], { type: ['Presentation'] }),
        path: '/type',
      },
      { name: 'id is not a URL', presentation: () => buildPresentation(TEST_LEARNER_DID, [], { id: 'vp-1' }), path: '/id' },
      { name: 'holder is not a URL', presentation: () => buildPresentation('Zhang San', []), path: '/holder' },
      { name: 'holder is a number', presentation: () => buildPresentation(TEST_LEARNER_DID, [], { holder: 4 }), path: '/holder' },
      {
        name: 'holder.id is not a URL',
        presentation: () => buildPresentation(TEST_LEARNER_DID, [], { holder: { id: 'me' } }),
        path: '/holder/id',
      },
      { name: 'proof is a string', presentation: () => buildPresentation(TEST_LEARNER_DID, [], { proof: 'abc' }), path: '/proof' },
      {
        name: 'a credential is a bare JWT string',
        presentation: () => buildPresentation(TEST_LEARNER_DID, [JWT]),
        path: '/verifiableCredential/0',
      },
      {
        name: 'a credential is a number',
        presentation: () => buildPresentation(TEST_LEARNER_DID, [envelope(), 4]),
        path: '/verifiableCredential/1',
      },
      {
        name: 'a credential is a URL',
        presentation: () => buildPresentation(TEST_LEARNER_DID, ['https://bank.example/credentials/1']),
        path: '/verifiableCredential/0',
      },
      {
        name: 'verifiableCredential is a single string',
        presentation: () => buildPresentation(TEST_LEARNER_DID, [], { verifiableCredential: JWT }),
        path: '/verifiableCredential',
      },
      {
        name: 'an envelope has another media type',
        presentation: () => buildPresentation(TEST_LEARNER_DID, [envelope(`data:application/vc+sd-jwt,${JWT}`)]),
        path: '/verifiableCredential/0/id',
      },
      {
        name: 'an envelope id is an https URL',
        presentation: () => buildPresentation(TEST_LEARNER_DID, [envelope('https://bank.example/credentials/1')]),
        path: '/verifiableCredential/0/id',
      },
      {
        name: 'an envelope id is missing',
        presentation: () => buildPresentation(TEST_LEARNER_DID, [{ ...envelope(), id: undefined }]),
        path: '/verifiableCredential/0/id',
      },
      {
        name: 'an envelope holds no JWT',
        presentation: () => buildPresentation(TEST_LEARNER_DID, [envelope('data:application/vc+jwt,hello')]),
        path: '/verifiableCredential/0/id',
      },
      {
        name: 'an envelope has no type',
        presentation: () => buildPresentation(TEST_LEARNER_DID, [{ ...envelope(), type: undefined }]),
        path: '/verifiableCredential/0/type',
      },
      {
        name: 'an envelope has the wrong type',
        presentation: () => buildPresentation(TEST_LEARNER_DID, [{ ...envelope(), type: ['VerifiableCredential'] }]),
        path: '/verifiableCredential/0/type',
      },
      {
        name: 'an envelope has no @context',
        presentation: () => buildPresentation(TEST_LEARNER_DID, [{ ...envelope(), '@context': undefined }]),
        path: '/verifiableCredential/0/@context',
      },
      {
        name: 'an embedded credential is invalid',
        presentation: () =>
          buildPresentation(TEST_LEARNER_DID, [
            withValue(
              buildAchievementCredential(TEST_ISSUER_DID, { id: 'urn:uuid:7c1e4d2a-9b3f-4e8a-a6c5-1d2e3f4a5b6c' }),
              '/credentialSubject/achievement/frameworkLevel',
              9,
            ),
          ]),
        path: '/verifiableCredential/0/credentialSubject/achievement/frameworkLevel',
      },
      {
        name: 'the single embedded credential has no subject',
        presentation: () =>
          buildPresentation(TEST_LEARNER_DID, [], {
            verifiableCredential: { ...buildAchievementCredential(TEST_ISSUER_DID), credentialSubject: undefined },
          }),
        path: '/verifiableCredential/credentialSubject',
      },
      {
        name: 'an embedded credential is v1 inside a v2 presentation',
        presentation: () => buildPresentation(TEST_LEARNER_DID, [buildV1Credential(TEST_ISSUER_DID)]),
        path: '/verifiableCredential/0/@context/0',
      },
    ]
    for (const c of cases) {
      it(`when ${c.name}, then reports an issue at ${c.path}`, () => {
        assertIssueAt(validatePresentation(c.presentation(), { model: 'v2' }), c.path)
      })
    }

    it('when an embedded credential carries __proto__, then reports it once', () => {
      const credential = {
        ...buildAchievementCredential(TEST_ISSUER_DID, { id: 'urn:uuid:7c1e4d2a-9b3f-4e8a-a6c5-1d2e3f4a5b6c' }),
        ...(JSON.parse('{"__proto__": {"admin": true}}') as object),
      }
      const issues = validatePresentation(buildPresentation(TEST_LEARNER_DID, [credential]), { model: 'v2' })
      assert.deepEqual(
        issues.map((i) => i.path),
        ['/verifiableCredential/0/__proto__'],
      )
    })

    it('when validating, then never mutates the input', () => {
      const presentation = buildPresentation(TEST_LEARNER_DID, [
        buildAchievementCredential(TEST_ISSUER_DID, { id: 'urn:uuid:7c1e4d2a-9b3f-4e8a-a6c5-1d2e3f4a5b6c' }),
        JWT,
      ])
      const before = structuredClone(presentation)
      validatePresentation(presentation, { model: 'v2' })
      assert.deepEqual(presentation, before)
    })
  })

  describe('model v1 (the vp claim of a Veramo VP JWT)', () => {
    const buildV1Presentation = (credentials: readonly unknown[]) =>
      buildPresentation(TEST_LEARNER_DID, credentials, { '@context': [VC_V1_CONTEXT] })

    it('when it carries JWT strings and a v1 credential object, then reports no issue', () => {
      assert.deepEqual(validatePresentation(buildV1Presentation([JWT, buildV1Credential(TEST_ISSUER_DID)]), { model: 'v1' }), [])
    })

    it('when a string item is not a compact JWT, then reports an issue at it', () => {
      assertIssueAt(validatePresentation(buildV1Presentation([JWT, 'not-a-jwt']), { model: 'v1' }), '/verifiableCredential/1')
    })

    it('when an unsigned JWT (empty signature) is carried, then reports an issue at it', () => {
      assertIssueAt(
        validatePresentation(buildV1Presentation([`${JWT.split('.').slice(0, 2).join('.')}.`]), { model: 'v1' }),
        '/verifiableCredential/0',
      )
    })

    it('when a number is carried, then reports an issue at it', () => {
      assertIssueAt(validatePresentation(buildV1Presentation([7]), { model: 'v1' }), '/verifiableCredential/0')
    })

    it('when a v2 presentation is checked as v1, then reports the base context', () => {
      assertIssueAt(validatePresentation(buildPresentation(TEST_LEARNER_DID, []), { model: 'v1' }), '/@context/0')
    })
  })
})
