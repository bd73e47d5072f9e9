// SECURITY.md B5 over HTTP: credentials that break the VC Data Model 2.0 or OB 3.0, refused by the issuer (nothing
// signed) and, when signed anyway, by the verifier's schema check.
import assert from 'node:assert/strict'
import { CredentialStore } from '../../issuer/credentials/credential-store.ts'
import {
  buildAchievementCredential,
  buildCertificationReportCredential,
  buildClientCredential,
  withValue,
} from '../../fixtures/builders.ts'
import { check, issue, issueAsBank, jwtOf, startTestSystem, verify, type TestSystem } from '../../fixtures/test-system.ts'
import { resignAsBank, type Json } from '../helpers/attacks.ts'

const V1 = 'https://www.w3.org/2018/credentials/v1'
const V2 = 'https://www.w3.org/ns/credentials/v2'
const OB3 = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'
const CB = 'https://w3id.org/credit-bank/v1'

/** One bad input: what it is, the JSON pointer edit, and the expected error code (HTTP 400 unless 422 is given). */
type Row = [what: string, pointer: string, value: unknown, code?: string]

const contextRows: Row[] = [
  ['@context missing', '/@context', undefined],
  ['@context a string', '/@context', V2],
  ['@context an object', '/@context', { '@vocab': 'https://evil.example/#' }],
  ['@context 4', '/@context', 4],
  ['@context false', '/@context', false],
  ['@context null', '/@context', null],
  ['@context empty', '/@context', []],
  ['a @context item []', '/@context', [V2, [], OB3, CB]],
  ['a @context item null', '/@context', [V2, null, OB3, CB]],
  ['a @context item 10', '/@context', [V2, 10, OB3, CB]],
  ['a @context item true', '/@context', [V2, true, OB3, CB]],
  ['a @context item that is not a URL', '/@context', [V2, 'credit bank', OB3, CB]],
  ['the first @context item not the base context', '/@context', [OB3, V2, CB]],
  ['v1 first, then v2', '/@context', [V1, V2, OB3, CB]],
  ['v2 first, then v1', '/@context', [V2, V1, OB3, CB]],
  ['the OB 3.0 context missing', '/@context', [V2, CB]],
]
const typeRows: Row[] = [
  ['type missing', '/type', undefined],
  ['type 4', '/type', 4],
  ['type a string', '/type', 'VerifiableCredential'],
  ['type an object', '/type', {}],
  ['a type item null', '/type', ['VerifiableCredential', null]],
  ['a type item true', '/type', ['VerifiableCredential', true]],
  ['a type item []', '/type', ['VerifiableCredential', []]],
  ['a type item empty', '/type', ['VerifiableCredential', '']],
  ['type lacking VerifiableCredential', '/type', ['AchievementCredential']],
]
const issuerRows: Row[] = [
  ['issuer missing', '/issuer', undefined],
  ['issuer null', '/issuer', null],
  ['issuer true', '/issuer', true],
  ['issuer 4', '/issuer', 4],
  ['issuer []', '/issuer', []],
  ['issuer a non-URL string', '/issuer', 'Jiangsu Credit Bank', 'issuer_mismatch'],
  ['issuer an object without id', '/issuer', { type: ['Profile'], name: 'Jiangsu Credit Bank' }],
  ['issuer an object whose id is not a URL', '/issuer', { id: 'bank', type: ['Profile'] }, 'issuer_mismatch'],
  ['issuer an object whose id is a number', '/issuer', { id: 4, type: ['Profile'] }, 'issuer_mismatch'],
]
const subjectRows: Row[] = [
  ['credentialSubject missing', '/credentialSubject', undefined],
  ['credentialSubject null', '/credentialSubject', null],
  ['credentialSubject a string', '/credentialSubject', 'did:example:learner'],
  ['credentialSubject []', '/credentialSubject', []],
  ['credentialSubject {}', '/credentialSubject', {}],
  ['credentialSubject an array of empty objects', '/credentialSubject', [{}, {}]],
  ['credentialSubject.id not a URL', '/credentialSubject/id', 'learner 42'],
  ['credentialSubject.id given twice (an array)', '/credentialSubject/id', ['did:example:a', 'did:example:b']],
  ['credentialSubject.id a number', '/credentialSubject/id', 42],
]
const dateRows: Row[] = [
  ['validFrom without a timezone', '/validFrom', '2025-03-01T00:00:00'],
  ['validFrom in month 13', '/validFrom', '2025-13-01T00:00:00Z'],
  ['validFrom on February 30', '/validFrom', '2025-02-30T00:00:00Z'],
  ['validFrom a date only', '/validFrom', '2025-03-01'],
  ['validFrom a number', '/validFrom', 1740787200],
  ['validFrom in words', '/validFrom', 'yesterday'],
  ['validUntil without a timezone', '/validUntil', '2030-01-01T00:00:00'],
  ['validUntil before validFrom', '/validUntil', '2025-02-28T00:00:00Z'],
]
const idRows: Row[] = [
  ['id not a URL', '/id', 'credential 1'],
  ['id a number', '/id', 42],
  ['id given twice (an array)', '/id', ['urn:uuid:0b0b6f4e-2f41-4c56-9a43-6c1b2d2f6a01', 'urn:uuid:6f7d3c2a-9e51-4b8e-8f0d-2a7c4e1b9d02']],
  ['evidence.id not a URL', '/evidence', [{ id: 'exam paper', type: ['Evidence'] }]],
  ['evidence.id given twice', '/evidence', [{ id: ['https://a.example/1', 'https://a.example/2'], type: ['Evidence'] }]],
]
const typedRows: Row[] = [
  [
    'credentialStatus (of any shape)',
    '/credentialStatus',
    { id: 'https://bank.example/status/1#5', statusPurpose: 'revocation' },
    'status_not_allowed',
  ],
  ['evidence without type', '/evidence', [{ id: 'https://bank.example/evidence/1' }]],
  ['termsOfUse without type', '/termsOfUse', { id: 'https://bank.example/terms' }],
  ['refreshService without type', '/refreshService', { id: 'https://bank.example/refresh' }],
  ['credentialSchema without type', '/credentialSchema', { id: 'https://bank.example/schema.json' }],
  ['credentialSchema.id not a URL', '/credentialSchema', { id: 'schema', type: 'JsonSchema' }],
  ['credentialSchema without id', '/credentialSchema', { type: 'JsonSchema' }],
  ['evidence a string', '/evidence', 'https://bank.example/evidence/1'],
  ['evidence an empty array', '/evidence', []],
]
const languageRows: Row[] = [
  ['name a number', '/name', 42],
  ['name an empty object', '/name', {}],
  ['name a language object whose @value is a number', '/name', { '@value': 1, '@language': 'en' }],
  ['name a language object with an extra property', '/name', { '@value': 'Data Structures', '@language': 'en', evil: true }],
  ['name a language object with a bad language tag', '/name', { '@value': 'Data Structures', '@language': 'english language' }],
  ['name an empty array', '/name', []],
  ['description an array of numbers', '/description', [1, 2]],
  ['issuer.name a number', '/issuer/name', 42],
  ['issuer.description an object', '/issuer/description', { text: 'a bank' }],
]
const ob3Rows: Row[] = [
  [
    'credentialSubject with neither id nor identifier',
    '/credentialSubject',
    withValue(withValue(buildAchievementCredential('did:web:x').credentialSubject, '/id', undefined), '/identifier', undefined),
  ],
  ['credentialSubject.type not AchievementSubject', '/credentialSubject/type', ['Person']],
  ['issuer.type not Profile', '/issuer/type', ['Organization']],
  ['result.type not Result', '/credentialSubject/result', [{ type: ['Score'], value: '87' }]],
  ['achievement.type not Achievement', '/credentialSubject/achievement/type', ['Course']],
  ['achievement missing', '/credentialSubject/achievement', undefined],
  ['creditsEarned negative', '/credentialSubject/creditsEarned', -3],
  ['creditsEarned a string', '/credentialSubject/creditsEarned', '3'],
  ['frameworkLevel out of range', '/credentialSubject/achievement/frameworkLevel', 99],
]
const jsonLdRows: Row[] = [
  ['an inline context redefining VerifiableCredential', '/@context', [V2, OB3, CB, { VerifiableCredential: 'https://evil.example/vc' }]],
  ['an inline context mapping type to a non-URL', '/@context', [V2, OB3, CB, { type: 'kind' }]],
  ['an unknown remote context', '/@context', [V2, OB3, CB, 'https://evil.example/context.jsonld']],
]
const relatedRows: Row[] = [
  [
    'relatedResource given as strings',
    '/relatedResource',
    ['urn:uuid:0b0b6f4e-2f41-4c56-9a43-6c1b2d2f6a01', 'urn:uuid:6f7d3c2a-9e51-4b8e-8f0d-2a7c4e1b9d02'],
  ],
  ['relatedResource with a duplicate id', '/relatedResource/1/id', 'urn:uuid:0b0b6f4e-2f41-4c56-9a43-6c1b2d2f6a01'],
  ['relatedResource without a digest', '/relatedResource/0/digestSRI', undefined],
  ['relatedResource with a malformed digest', '/relatedResource/0/digestSRI', 'md5-abcdef'],
  ['relatedResource with an id that is not a URL', '/relatedResource/0/id', 'report 1'],
]

describe('security B5: data model (HTTP)', () => {
  let sys: TestSystem
  before(async () => {
    sys = await startTestSystem()
  })
  after(() => sys.close())

  const credentialCount = (): Promise<number> => new CredentialStore(sys.issuer.ds).count()

  /** Issues `credential` and expects a problem+json 400 (or 422) with `code`, and nothing stored. */
  async function expectRefused(credential: unknown, code = 'invalid_request', options?: Json): Promise<void> {
    const stored = await credentialCount()
    const res = await issue(sys, credential, options)
    const body = res.body as unknown as { code: string; status: number; issues?: { path: string }[] }
    assert.ok(res.status === 400 || res.status === 422, `HTTP ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`)
    assert.equal(body.code, code, JSON.stringify(res.body).slice(0, 300))
    assert.equal(body.status, res.status)
    assert.match(String(res.headers.get('content-type')), /^application\/problem\+json/)
    if (code === 'invalid_request') assert.ok(body.issues?.length, 'invalid_request lists the issues')
    assert.equal(await credentialCount(), stored, 'nothing was signed or stored')
  }

  it('when the unmodified credentials are issued, then the issuer accepts them (control)', async () => {
    assert.equal((await issueAsBank(sys, buildAchievementCredential(sys.did))).status, 201)
    assert.equal((await issueAsBank(sys, buildCertificationReportCredential(sys.did))).status, 201)
  })

  const sections: [string, Row[]][] = [
    ['#34 @context', contextRows],
    ['#35 type', typeRows],
    ['#36 issuer', issuerRows],
    ['#37 credentialSubject', subjectRows],
    ['#38 dates', dateRows],
    ['#39 ids', idRows],
    ['#40 typed resources', typedRows],
    ['#41 language strings', languageRows],
    ['#44 Open Badges 3.0', ob3Rows],
  ]
  for (const [section, rows] of sections) {
    describe(`${section}: the issuer refuses before signing`, () => {
      for (const [what, pointer, value, code = 'invalid_request'] of rows) {
        it(`when the credential has ${what}, then the issuer answers ${code}`, async () => {
          await expectRefused(withValue(buildAchievementCredential(sys.did), pointer, value), code)
        })
      }
    })
  }

  describe('#42 JSON-LD tricks: refused by the issuer for both proof formats, contexts never fetched', () => {
    for (const [what, pointer, value, code = 'invalid_request'] of jsonLdRows) {
      for (const format of ['vc+jwt', 'eddsa-rdfc-2022']) {
        it(`when the credential has ${what} (${format}), then the issuer answers ${code}`, async () => {
          await expectRefused(withValue(buildAchievementCredential(sys.did), pointer, value), code, { format })
        })
      }
    }

    it('when a Data Integrity credential uses a term no context defines, then the issuer refuses it rather than dropping it silently', async () => {
      // Only the VC v2 context, no @vocab: the term is defined nowhere.
      const credential = withValue(
        buildClientCredential(sys.did, {
          '@context': ['https://www.w3.org/ns/credentials/v2'],
          credentialSubject: { id: 'did:example:learner' },
        }),
        '/undefinedTerm',
        'signed but dropped?',
      )
      await expectRefused(credential, 'invalid_request', { format: 'eddsa-rdfc-2022' })
    })
  })

  describe('#43 relatedResource', () => {
    for (const [what, pointer, value, code = 'invalid_request'] of relatedRows) {
      it(`when the credential has ${what}, then the issuer answers ${code}`, async () => {
        await expectRefused(withValue(buildCertificationReportCredential(sys.did), pointer, value), code)
      })
    }

    it('when a covered credential has no relatedResource digest pinning it, then the issuer answers invalid_request', async () => {
      await expectRefused(
        withValue(buildCertificationReportCredential(sys.did), '/relatedResource', [
          buildCertificationReportCredential(sys.did).relatedResource[0],
        ]),
      )
    })
  })

  describe('the verifier refuses the same inputs when they arrive signed (the schema check, not the signature, rejects them)', () => {
    let jwt: string
    before(async () => {
      jwt = jwtOf((await issueAsBank(sys, buildAchievementCredential(sys.did))).body.verifiableCredential)
    })

    const edits: [string, (p: Json) => void][] = [
      ['@context missing', (p) => delete p['@context']],
      ['the v1 context first', (p) => (p['@context'] = [V1, V2, OB3, CB])],
      ['type lacking VerifiableCredential', (p) => (p.type = ['AchievementCredential'])],
      ['credentialSubject an empty array', (p) => Object.assign(p, { credentialSubject: [], sub: undefined })],
      ['validFrom without a timezone', (p) => Object.assign(p, { validFrom: '2025-03-01T00:00:00', nbf: undefined })],
      ['validUntil before validFrom', (p) => (p.validUntil = '2020-01-01T00:00:00Z')],
      ['id not a URL', (p) => Object.assign(p, { id: 'credential 1', jti: undefined })],
      ['evidence without type', (p) => (p.evidence = [{ id: 'https://bank.example/evidence/1' }])],
      ['name a number', (p) => (p.name = 42)],
      ['credentialSubject.type not AchievementSubject', (p) => ((p.credentialSubject as Json).type = ['Person'])],
      [
        'a constructor.prototype key',
        (p) => Object.assign(p.credentialSubject as Json, JSON.parse('{"constructor":{"prototype":{"admin":true}}}')),
      ],
    ]
    for (const [what, edit] of edits) {
      it(`when a bank-signed credential has ${what}, then the verifier answers 400 with schema failed (schema_invalid) though the proof passes`, async () => {
        const res = await verify(
          sys,
          await resignAsBank(sys, jwt, (_h, p) => {
            edit(p)
            for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k]
          }),
        )
        assert.equal(check(res.body, 'schema'), 'failed:schema_invalid', JSON.stringify(res.body.checks))
        assert.equal(check(res.body, 'proof'), 'passed')
        assert.equal(res.status, 400)
        assert.equal(res.body.verified, false)
        assert.ok(res.body.problemDetails.some((d) => d.code === 'schema_invalid'))
      })
    }
  })
})
