// Issue 5 #3 and #14 over HTTP: what an API client may have the bank sign through POST /credentials/issue — no types
// or claims the bank keeps for itself, ids only as urn:uuid:, https: (not the bank's origin) or the client's own
// urn:credit-bank: namespace — and the W3C examples context in both proof formats.
import assert from 'node:assert/strict'
import { createApiClient } from '../../issuer/clients/api-clients.ts'
import { clientNamespace } from '../../issuer/credentials/client-issuing-policy.ts'
import { CredentialStore } from '../../issuer/credentials/credential-store.ts'
import {
  buildAchievementCredential,
  buildBitstringStatusListCredential,
  buildCertificationReportCredential,
  buildClientCredential,
} from '../../fixtures/builders.ts'
import {
  assertProblem,
  auth,
  check,
  issue,
  issueAsBank,
  post,
  startTestSystem,
  verify,
  type TestSystem,
} from '../../fixtures/test-system.ts'
import type { Json } from '../helpers/attacks.ts'

const FORMATS = ['vc+jwt', 'eddsa-rdfc-2022'] as const

describe('issue 5 #3: the generic issuing API signs only what an API client may ask for', () => {
  let sys: TestSystem
  let otherToken: string
  before(async () => {
    sys = await startTestSystem()
    otherToken = (
      await createApiClient(sys.issuer.ds, sys.clock, { name: 'Other University', scopes: ['credentials:issue', 'credentials:status'] })
    ).token
  })
  after(() => sys.close())

  const credentialCount = (): Promise<number> => new CredentialStore(sys.issuer.ds).count()

  /** Issues over HTTP as the test client and expects the problem, with nothing signed or stored. */
  async function refused(credential: unknown, status: number, code: string, options?: Json, token = sys.token): Promise<void> {
    const before = await credentialCount()
    const res = await post(`${sys.issuerUrl}/credentials/issue`, { credential, ...(options ? { options } : {}) }, auth(token))
    assertProblem(res, status, code)
    assert.equal(await credentialCount(), before, 'nothing was signed or stored')
  }

  describe('types the bank itself produces: 403 reserved_credential_type', () => {
    for (const format of FORMATS) {
      it(`when a client asks for a CertificationReportCredential with invented totals (${format}), then 403 reserved_credential_type`, async () => {
        const report = buildCertificationReportCredential(sys.did) as unknown as Json
        ;((report.credentialSubject as Json).creditTotals as Json).totalCredits = 999
        await refused(report, 403, 'reserved_credential_type', { format })
      })

      it(`when a client asks for a BitstringStatusListCredential (${format}), then 403 reserved_credential_type`, async () => {
        await refused(buildBitstringStatusListCredential(sys.did, { id: undefined }), 403, 'reserved_credential_type', { format })
      })
    }

    it("when a client asks for a status list carrying the id of the bank's real list, then 403 and the real list is untouched", async () => {
      await issueAsBank(sys, buildAchievementCredential(sys.did))
      const listUrl = `${sys.issuerUrl}/status-lists/1/revocation`
      // The bank's public URL is http on loopback here, https in production: the id is refused on either scheme.
      await refused(buildBitstringStatusListCredential(sys.did, { id: listUrl.replace(/^http:/, 'https:') }), 403, 'reserved_credential_id')
      await refused(buildBitstringStatusListCredential(sys.did, { id: listUrl }), 400, 'invalid_credential_id')
      assert.equal((await fetch(listUrl)).status, 200)
    })

    for (const [what, overrides] of [
      [
        'the report type by its full IRI',
        { type: ['VerifiableCredential', 'https://w3id.org/credit-bank/vocab#CertificationReportCredential'] },
      ],
      [
        'the status list type by its full IRI',
        { type: ['VerifiableCredential', 'https://www.w3.org/ns/credentials/status#BitstringStatusListCredential'] },
      ],
      [
        'a BitstringStatusList subject',
        {
          credentialSubject: {
            id: 'https://registrar.example.edu/lists/1#list',
            type: 'BitstringStatusList',
            statusPurpose: 'revocation',
            encodedList: 'uH4sI',
          },
        },
      ],
      [
        'a CertificationReport subject inside another credential',
        { credentialSubject: { type: ['CertificationReport'], reportNumber: 'CB-0000-0000-0000-0000' } },
      ],
    ] as const) {
      it(`when a client's credential carries ${what}, then 403 reserved_credential_type`, async () => {
        await refused(buildClientCredential(sys.did, overrides), 403, 'reserved_credential_type')
      })
    }
  })

  describe("the bank's recognition claims: 403 reserved_claim", () => {
    for (const format of FORMATS) {
      it(`when a client's achievement names another institution as recognizingInstitution (${format}), then 403 reserved_claim`, async () => {
        await refused(buildAchievementCredential(sys.did), 403, 'reserved_claim', { format })
      })
    }

    it("when a client's achievement names the bank itself as recognizingInstitution, then 403 reserved_claim (recognition is the bank's own act)", async () => {
      const credential = buildAchievementCredential(sys.did)
      await refused(
        {
          ...credential,
          credentialSubject: {
            ...credential.credentialSubject,
            recognizingInstitution: { id: sys.did, type: ['Profile'], name: 'the bank' },
          },
        },
        403,
        'reserved_claim',
      )
    })

    for (const format of FORMATS) {
      it(`when the claim is written under its full IRI, the form a Data Integrity proof signs as the same claim (${format}), then 403 reserved_claim`, async () => {
        const credential = buildClientCredential(sys.did, {
          credentialSubject: {
            id: 'did:example:learner',
            'https://w3id.org/credit-bank/vocab#recognizingInstitution': { id: 'did:web:university.example' },
          },
        })
        await refused(credential, 403, 'reserved_claim', { format })
      })
    }
  })

  describe('credential ids', () => {
    for (const [what, id, code] of [
      ['javascript:', 'javascript:alert(document.domain)', 'invalid_credential_id'],
      ['data:', 'data:text/html,alert(1)', 'invalid_credential_id'],
      ['http:', 'http://registrar.example.edu/credentials/1', 'invalid_credential_id'],
      ['another URN namespace', 'urn:isbn:9780131103627', 'invalid_credential_id'],
      ['a did:', 'did:example:credential-1', 'invalid_credential_id'],
      ['urn:uuid: that is no UUID', 'urn:uuid:not-a-uuid', 'invalid_credential_id'],
      ['an https: URL with credentials', 'https://user:secret@registrar.example.edu/credentials/1', 'invalid_credential_id'],
      ['its own namespace with nothing after it', 'urn:credit-bank:test:', 'invalid_credential_id'],
      ["another client's namespace", 'urn:credit-bank:other-university:diploma-1', 'reserved_credential_id'],
      ['a namespace the bank keeps', 'urn:credit-bank:demo:achievement-9', 'reserved_credential_id'],
    ] as const) {
      for (const where of ['credential.id', 'options.credentialId'] as const) {
        it(`when ${where} is ${what}, then ${code === 'reserved_credential_id' ? 403 : 400} ${code}`, async () => {
          const credential = buildClientCredential(sys.did, where === 'credential.id' ? { id } : {})
          await refused(
            credential,
            code === 'reserved_credential_id' ? 403 : 400,
            code,
            where === 'options.credentialId' ? { credentialId: id } : undefined,
          )
        })
      }
    }

    it("when the id is an https: URL on the bank's own host (any port, any case), then 403 reserved_credential_id", async () => {
      const bank = new URL(sys.issuerUrl)
      for (const id of [
        `https://${bank.host}/credentials/1`,
        `https://${bank.hostname.toUpperCase()}:${bank.port}/status-lists/1/revocation`,
        `https://${bank.hostname}/x`,
      ]) {
        await refused(buildClientCredential(sys.did, { id }), 403, 'reserved_credential_id')
      }
    })

    for (const [what, id] of [
      ['urn:uuid:', 'urn:uuid:1b4e28ba-2fa1-41d2-883f-0016d3cca427'],
      ['an https: URL of the client', 'https://registrar.example.edu/credentials/2026/0001'],
      ['its own namespace', 'urn:credit-bank:test:diploma/2026-0001'],
      ['its own namespace in capitals', 'URN:credit-bank:TEST:diploma-2026-0002'],
    ] as const) {
      it(`when the id is ${what}, then it is issued with that id and the client can fetch it`, async () => {
        const res = await issue(sys, buildClientCredential(sys.did, { id }))
        assert.equal(res.status, 201, JSON.stringify(res.body))
        const got = await fetch(`${sys.issuerUrl}/credentials/${encodeURIComponent(id)}`, { headers: auth(sys.token) })
        assert.equal(got.status, 200)
      })
    }

    it("when another client uses the test client's namespace, then 403; in its own namespace it is issued", async () => {
      await refused(
        buildClientCredential(sys.did, { id: 'urn:credit-bank:test:squat-1' }),
        403,
        'reserved_credential_id',
        undefined,
        otherToken,
      )
      const res = await post(
        `${sys.issuerUrl}/credentials/issue`,
        { credential: buildClientCredential(sys.did), options: { credentialId: 'urn:credit-bank:other-university:1' } },
        auth(otherToken),
      )
      assert.equal(res.status, 201, JSON.stringify(res.body))
    })
  })

  it('when the bank issues a certification report and a recognized achievement itself (its own flows), then both are signed and verify', async () => {
    for (const credential of [buildCertificationReportCredential(sys.did), buildAchievementCredential(sys.did)]) {
      const res = await issueAsBank(sys, credential, { format: 'eddsa-rdfc-2022' })
      assert.equal((await verify(sys, res.body.verifiableCredential)).body.verified, true)
    }
  })

  describe('client namespaces', () => {
    it("the namespace is the client's name, normalized; a name with no Latin letter or digit gets the client's id", () => {
      assert.equal(clientNamespace({ id: 'x', name: 'Jiangsu Open University (JOU)' }), 'jiangsu-open-university-jou')
      assert.equal(clientNamespace({ id: 'x', name: '  ＡＢＣ—Registrar ' }), 'abc-registrar')
      assert.equal(
        clientNamespace({ id: '0B8D0C1A-0000-4000-8000-000000000001', name: '江苏开放大学' }),
        '0b8d0c1a-0000-4000-8000-000000000001',
      )
    })

    it('when a client is created with a name whose namespace an active client has, or one the bank keeps, then it is refused', async () => {
      await assert.rejects(
        createApiClient(sys.issuer.ds, sys.clock, { name: 'other university', scopes: ['credentials:issue'] }),
        (e: { code?: string; message: string }) => e.code === 'invalid_request' && /other-university/.test(e.message),
      )
      await assert.rejects(
        createApiClient(sys.issuer.ds, sys.clock, { name: 'Demo', scopes: ['credentials:issue'] }),
        (e: { code?: string }) => e.code === 'invalid_request',
      )
    })
  })
})

describe('issue 5 #14: the W3C examples context; client-supplied status and proofs', () => {
  let sys: TestSystem
  before(async () => {
    sys = await startTestSystem()
  })
  after(() => sys.close())

  for (const format of FORMATS) {
    it(`when a credential uses https://www.w3.org/ns/credentials/examples/v2 (${format}), then it is issued and verifies`, async () => {
      const res = await issue(sys, buildClientCredential(sys.did), { format })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      const report = (await verify(sys, res.body.verifiableCredential)).body
      assert.equal(report.verified, true, JSON.stringify(report.checks))
      assert.equal(check(report, 'proof'), 'passed')
    })

    it(`when the examples context is given inline as an object (${format}), then 400 invalid_request`, async () => {
      const res = await issue(
        sys,
        buildClientCredential(sys.did, {
          '@context': ['https://www.w3.org/ns/credentials/v2', { '@vocab': 'https://www.w3.org/ns/credentials/examples#' }],
        }),
        { format },
      )
      assertProblem(res, 400, 'invalid_request')
    })

    it(`when the client supplies credentialStatus (${format}), then 400 status_not_allowed; a proof stays proof_not_allowed`, async () => {
      const status = {
        id: `${sys.issuerUrl}/status-lists/1/revocation#1`,
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: '1',
        statusListCredential: `${sys.issuerUrl}/status-lists/1/revocation`,
      }
      assertProblem(await issue(sys, buildClientCredential(sys.did, { credentialStatus: status }), { format }), 400, 'status_not_allowed')
      assertProblem(
        await issue(sys, buildClientCredential(sys.did, { proof: { type: 'DataIntegrityProof' } }), { format }),
        400,
        'proof_not_allowed',
      )
    })
  }
})
