// SECURITY.md B6 over HTTP: authentication and authorization, impersonation, mass assignment, duplicates, injection,
// prototype pollution, size/depth/rate limits and generic 500s with clean logs.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createLogger } from '../../core/log.ts'
import { createApiClient, revokeApiClient } from '../../issuer/clients/api-clients.ts'
import { createIssuerApp } from '../../issuer/app.ts'
import { CredentialStore } from '../../issuer/credentials/credential-store.ts'
import { createVerifierApp } from '../../verifier/app.ts'
import { buildAchievementCredential, buildClientCredential } from '../../fixtures/builders.ts'
import {
  assertProblem,
  auth,
  check,
  issue,
  jwtOf,
  post,
  startTestSystem,
  verify,
  type Problem,
  type Report,
  type TestSystem,
} from '../../fixtures/test-system.ts'
import { decodeJwt, rawPost, type Json } from '../helpers/attacks.ts'

const statusBody = (credentialId: unknown, statusPurpose: string, status: unknown) => ({
  credentialId,
  credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose },
  status,
})

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://localhost:${(server.address() as AddressInfo).port}` }
}

describe('security B6: issuer API, authorization and business rules (HTTP)', () => {
  let sys: TestSystem
  /** A second API client (another institution) with every scope but admin. */
  let otherToken: string
  let issueOnlyToken: string

  const credentialCount = (): Promise<number> => new CredentialStore(sys.issuer.ds).count()
  const issued = async (overrides: Json = {}, token = sys.token) => {
    const res = await post<{ verifiableCredential: Json }>(
      `${sys.issuerUrl}/credentials/issue`,
      { credential: buildClientCredential(sys.did, overrides) },
      auth(token),
    )
    assert.equal(res.status, 201, JSON.stringify(res.body))
    const jwt = jwtOf(res.body.verifiableCredential)
    return { jwt, id: String(decodeJwt(jwt).payload.id), vc: res.body.verifiableCredential }
  }

  before(async () => {
    sys = await startTestSystem({ CB_STATUS_LIST_TTL_SECONDS: '0' })
    otherToken = (
      await createApiClient(sys.issuer.ds, sys.clock, { name: 'other university', scopes: ['credentials:issue', 'credentials:status'] })
    ).token
    issueOnlyToken = (await createApiClient(sys.issuer.ds, sys.clock, { name: 'issue only', scopes: ['credentials:issue'] })).token
  })
  after(() => sys.close())

  describe('#45 authentication', () => {
    const credential = () => ({ credential: buildClientCredential(sys.did) })
    const headerCases: [string, Record<string, string>][] = [
      ['no Authorization header', {}],
      ['HTTP Basic', { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }],
      ['a non-Bearer scheme', { authorization: 'Token abc' }],
      ['Bearer without a token', { authorization: 'Bearer' }],
      ['Bearer with two tokens', { authorization: 'Bearer a b' }],
      ['a wrong, well-formed token', { authorization: `Bearer cbt_${'A'.repeat(43)}` }],
      ['a malformed token', { authorization: "Bearer ' OR '1'='1" }],
    ]
    for (const [what, headers] of headerCases) {
      for (const path of ['/credentials/issue', '/credentials/status']) {
        it(`when ${path} is called with ${what}, then the answer is 401 unauthorized with a Bearer challenge and nothing changes`, async () => {
          const before = await credentialCount()
          const res = await post(
            `${sys.issuerUrl}${path}`,
            path.endsWith('issue') ? credential() : statusBody('urn:x', 'revocation', true),
            headers,
          )
          assertProblem(res, 401, 'unauthorized')
          assert.match(String(res.headers.get('www-authenticate')), /^Bearer /)
          assert.equal(await credentialCount(), before)
        })
      }
    }

    it('when the token is sent in the query string instead of the header, then it is ignored (401)', async () => {
      assertProblem(await post(`${sys.issuerUrl}/credentials/issue?access_token=${sys.token}`, credential()), 401, 'unauthorized')
    })

    it('when the API client was revoked, then its token answers 401 unauthorized', async () => {
      const client = await createApiClient(sys.issuer.ds, sys.clock, { name: 'revoked', scopes: ['credentials:issue'] })
      assert.equal((await post(`${sys.issuerUrl}/credentials/issue`, credential(), auth(client.token))).status, 201)
      await revokeApiClient(sys.issuer.ds, sys.clock, client.id)
      assertProblem(await post(`${sys.issuerUrl}/credentials/issue`, credential(), auth(client.token)), 401, 'unauthorized')
    })

    it('when a token lacks the scope of the endpoint, then the answer is 403 forbidden', async () => {
      const { id } = await issued({}, issueOnlyToken)
      assertProblem(
        await post(`${sys.issuerUrl}/credentials/status`, statusBody(id, 'revocation', true), auth(issueOnlyToken)),
        403,
        'forbidden',
      )
    })
  })

  describe('#46 #47 #48 what the caller may set', () => {
    for (const [what, issuer] of [
      ['another DID as issuer', 'did:web:bank.example'],
      ['another DID as issuer.id', { id: 'did:web:evil.example', type: ['Profile'], name: 'Jiangsu Credit Bank' }],
      ['our DID in upper case', () => sys.did.toUpperCase()],
      ['our DID with a path', () => `${sys.did}:branch`],
      ['an https URL of our origin', () => sys.issuerUrl],
    ] as const) {
      it(`when the credential names ${what}, then the issuer answers 400 issuer_mismatch and signs nothing`, async () => {
        const before = await credentialCount()
        const value = typeof issuer === 'function' ? issuer() : issuer
        assertProblem(await issue(sys, buildClientCredential(sys.did, { issuer: value })), 400, 'issuer_mismatch')
        assert.equal(await credentialCount(), before)
      })
    }

    const supplied: [string, Json, string][] = [
      ['a proof', { proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofValue: 'z111' } }, 'proof_not_allowed'],
      ['a JwtProof2020 proof', { proof: { type: 'JwtProof2020', jwt: 'eyJ.eyJ.sig' } }, 'proof_not_allowed'],
      ['a null proof', { proof: null }, 'proof_not_allowed'],
      [
        'a credentialStatus in another list',
        {
          credentialStatus: {
            id: 'https://bank.example/status-lists/1/revocation#7',
            type: 'BitstringStatusListEntry',
            statusPurpose: 'revocation',
            statusListIndex: '7',
            statusListCredential: 'https://bank.example/status-lists/1/revocation',
          },
        },
        'status_not_allowed',
      ],
      ['a credentialStatus array', { credentialStatus: [] }, 'status_not_allowed'],
    ]
    for (const [what, overrides, code] of supplied) {
      for (const format of ['vc+jwt', 'eddsa-rdfc-2022']) {
        it(`when the caller supplies ${what} (${format}), then the issuer answers 400 ${code}`, async () => {
          assertProblem(await issue(sys, buildClientCredential(sys.did, overrides), { format }), 400, code)
        })
      }
    }

    for (const [what, options] of [
      ['an unknown option', { credentialId: 'urn:uuid:8b8f2d4e-1111-4c56-9a43-6c1b2d2f6a01', mandatoryPointers: ['/issuer'] }],
      ['a status option', { credentialStatus: { type: 'BitstringStatusListEntry' } }],
      ['options null', null],
      ['options an array', ['vc+jwt']],
      ['options a string', 'vc+jwt'],
      ['options a number', 1],
    ] as const) {
      it(`when the request has ${what}, then the issuer answers 400 unknown_option_provided`, async () => {
        const res = await post(
          `${sys.issuerUrl}/credentials/issue`,
          { credential: buildClientCredential(sys.did), options },
          auth(sys.token),
        )
        assertProblem(res, 400, 'unknown_option_provided')
      })
    }

    for (const [what, body] of [
      ['an unsupported format', { credential: {}, options: { format: 'ldp_vc' } }],
      ['a credentialId that is not a URL', { credential: {}, options: { credentialId: 'my credential' } }],
      ['an extra top-level field', { credential: {}, issuer: 'did:web:evil.example' }],
      ['a JSON array body', [{ credential: {} }]],
      ['a JSON string body', JSON.stringify('credential')],
      ['credential a string', { credential: 'eyJ...' }],
      ['no credential', {}],
    ] as const) {
      it(`when the request has ${what}, then the issuer answers 400 invalid_request`, async () => {
        const res = await post(`${sys.issuerUrl}/credentials/issue`, body, auth(sys.token))
        assertProblem(res, 400, 'invalid_request')
      })
    }
  })

  describe('#49 duplicates', () => {
    it('when the same credential.id is issued twice, then the second answer is 409 duplicate_credential and one credential exists', async () => {
      const id = 'urn:uuid:3f1c6f1e-49a5-4f0e-9a55-0d6b0d1b1a01'
      assert.equal((await issue(sys, buildClientCredential(sys.did, { id }))).status, 201)
      assertProblem(await issue(sys, buildClientCredential(sys.did, { id, name: 'Another name' })), 409, 'duplicate_credential')
      assert.notEqual(await new CredentialStore(sys.issuer.ds).find(id), undefined)
    })

    it('when the same options.credentialId is issued twice, then the second answer is 409 duplicate_credential', async () => {
      const credentialId = 'urn:uuid:3f1c6f1e-49a5-4f0e-9a55-0d6b0d1b1a02'
      assert.equal((await issue(sys, buildClientCredential(sys.did), { credentialId })).status, 201)
      assertProblem(await issue(sys, buildClientCredential(sys.did), { credentialId }), 409, 'duplicate_credential')
    })

    it('when one id is issued eight times in parallel, then exactly one answer is 201, the rest 409, and one credential exists', async () => {
      const id = 'urn:uuid:3f1c6f1e-49a5-4f0e-9a55-0d6b0d1b1a03'
      const answers = await Promise.all(Array.from({ length: 8 }, () => issue(sys, buildClientCredential(sys.did, { id }))))
      assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409])
      for (const a of answers.filter((x) => x.status === 409)) assert.equal((a.body as unknown as Problem).code, 'duplicate_credential')
      assert.notEqual(await new CredentialStore(sys.issuer.ds).find(id), undefined)
    })

    it('when credential.id and options.credentialId differ, then the issuer answers 400 invalid_request', async () => {
      assertProblem(
        await issue(sys, buildClientCredential(sys.did, { id: 'urn:uuid:3f1c6f1e-49a5-4f0e-9a55-0d6b0d1b1a04' }), {
          credentialId: 'urn:uuid:3f1c6f1e-49a5-4f0e-9a55-0d6b0d1b1a05',
        }),
        400,
        'invalid_request',
      )
    })
  })

  describe('#50 #51 status changes: ownership, unknown ids, injection', () => {
    const setStatus = (body: unknown, token = sys.token) => post(`${sys.issuerUrl}/credentials/status`, body, auth(token))

    it('when an unknown credential is revoked or suspended, then the answer is 404 not_found', async () => {
      for (const purpose of ['revocation', 'suspension'])
        assertProblem(await setStatus(statusBody('urn:uuid:00000000-0000-4000-8000-000000000000', purpose, true)), 404, 'not_found')
    })

    it('when another API client revokes or suspends our credential, then the answer is 404 not_found, as for an unknown id, and it still verifies', async () => {
      const { id, vc } = await issued()
      for (const purpose of ['revocation', 'suspension']) {
        const res = await setStatus(statusBody(id, purpose, true), otherToken)
        assertProblem(res, 404, 'not_found')
        // The same answer as for an id never issued: a client cannot learn which ids exist.
        const unknown = await setStatus(statusBody(`${id}0`, purpose, true), otherToken)
        assert.equal((res.body as unknown as Problem).title, (unknown.body as unknown as Problem).title)
      }
      const res = await verify(sys, vc)
      assert.equal(check(res.body, 'status'), 'passed')
      assert.equal(res.body.verified, true)
    })

    it('when a revoked credential is un-revoked, then the answer is 400 revocation_irreversible and it stays revoked', async () => {
      const { id, vc } = await issued()
      assert.equal((await setStatus(statusBody(id, 'revocation', true))).status, 200)
      assertProblem(await setStatus(statusBody(id, 'revocation', false)), 400, 'revocation_irreversible')
      assert.equal(check((await verify(sys, vc)).body, 'status'), 'failed:revoked')
    })

    it('when a credential is revoked twice, then the second answer is 200 with changed false', async () => {
      const { id } = await issued()
      assert.equal((await setStatus(statusBody(id, 'revocation', true))).body.changed, true)
      const again = await setStatus(statusBody(id, 'revocation', true))
      assert.equal(again.status, 200)
      assert.equal(again.body.changed, false)
    })

    for (const [what, body] of [
      ['no credentialId', { credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' }, status: true }],
      ['a numeric credentialId', statusBody(42, 'revocation', true)],
      ['an unknown purpose', statusBody('urn:x', 'refresh', true)],
      ['a status string', statusBody('urn:x', 'revocation', 'true')],
      [
        'another status type',
        { credentialId: 'urn:x', credentialStatus: { type: 'StatusList2021Entry', statusPurpose: 'revocation' }, status: true },
      ],
    ] as const) {
      it(`when the status request has ${what}, then the answer is 400 invalid_request`, async () => {
        assertProblem(await setStatus(body), 400, 'invalid_request')
      })
    }

    it('when credentialId carries SQL, then the answer is 404 and no other credential changes', async () => {
      const { vc } = await issued()
      const revokedBefore = await new CredentialStore(sys.issuer.ds).count({ revoked: true })
      for (const id of ["' OR '1'='1", "x'; UPDATE cb_credential SET revoked = 1; --", '%', '*'])
        assertProblem(await setStatus(statusBody(id, 'revocation', true)), 404, 'not_found')
      assert.equal(check((await verify(sys, vc)).body, 'status'), 'passed')
      assert.equal(await new CredentialStore(sys.issuer.ds).count({ revoked: true }), revokedBefore)
    })

    it('when a credential id itself holds SQL, then it is stored and revoked as plain data, touching no other credential', async () => {
      const id = "urn:credit-bank:test:'OR'1'='1;--"
      const hostile = await issued({ id })
      const bystander = await issued()
      assert.equal((await setStatus(statusBody(id, 'revocation', true))).status, 200)
      assert.equal(check((await verify(sys, hostile.vc)).body, 'status'), 'failed:revoked')
      assert.equal(check((await verify(sys, bystander.vc)).body, 'status'), 'passed')
    })

    it('when the status-list path carries SQL, traversal or odd numbers, then the answer is 404 not_found', async () => {
      for (const path of [
        "1'%20OR%20'1'='1/revocation",
        '1;DROP%20TABLE%20cb_credential/revocation',
        '..%2F..%2Fetc/revocation',
        '0/revocation',
        '-1/revocation',
        '1e3/revocation',
        '99999999999/revocation',
        '1/revocation%00',
        '1/constructor',
      ]) {
        const res = await fetch(`${sys.issuerUrl}/status-lists/${path}`)
        assert.equal(res.status, 404, path)
        assert.equal(((await res.json()) as Problem).code, 'not_found')
      }
      assert.ok((await credentialCount()) > 0, 'the table is still there')
    })
  })

  describe('#52 prototype pollution', () => {
    const bodies: [string, () => string][] = [
      ['a top-level __proto__ key', () => `{"__proto__":{"admin":true},"credential":${JSON.stringify(buildClientCredential(sys.did))}}`],
      [
        'a __proto__ key inside the credential',
        () => JSON.stringify({ credential: buildClientCredential(sys.did) }).replace('"type":', '"__proto__":{"admin":true},"type":'),
      ],
      [
        'a __proto__ key inside options',
        () => `{"credential":${JSON.stringify(buildClientCredential(sys.did))},"options":{"__proto__":{"admin":true}}}`,
      ],
      [
        'constructor.prototype inside the credential subject',
        () =>
          JSON.stringify({ credential: buildAchievementCredential(sys.did) }).replace(
            '"creditsEarned":',
            '"constructor":{"prototype":{"admin":true}},"creditsEarned":',
          ),
      ],
    ]
    for (const [what, body] of bodies) {
      it(`when the body has ${what}, then the issuer answers 400 invalid_request, signs nothing and no prototype is polluted`, async () => {
        const before = await credentialCount()
        const res = await rawPost(`${sys.issuerUrl}/credentials/issue`, body(), { 'content-type': 'application/json', ...auth(sys.token) })
        assertProblem({ ...res, body: JSON.parse(res.text) }, 400, 'invalid_request')
        assert.equal(await credentialCount(), before)
        assert.equal(({} as Record<string, unknown>).admin, undefined)
        assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'admin'), false)
      })
    }

    it('when the verifier gets a __proto__ key, then it answers 400 invalid_request and no prototype is polluted', async () => {
      const res = await rawPost(`${sys.verifierUrl}/credentials/verify`, '{"verifiableCredential":{"__proto__":{"admin":true}}}', {
        'content-type': 'application/json',
      })
      assertProblem({ ...res, body: JSON.parse(res.text) }, 400, 'invalid_request')
      assert.equal(({} as Record<string, unknown>).admin, undefined)
    })
  })

  describe('#53 size, depth and media type (before any crypto)', () => {
    const targets = () => [
      { name: 'issuer', url: `${sys.issuerUrl}/credentials/issue`, headers: auth(sys.token) },
      { name: 'verifier', url: `${sys.verifierUrl}/credentials/verify`, headers: {} },
    ]
    const deep = (depth: number): string => `{"credential":${'['.repeat(depth)}${']'.repeat(depth)},"verifiableCredential":1}`

    it('when the body is larger than 256 KB, then issuer and verifier answer 413 payload_too_large', async () => {
      for (const t of targets()) {
        const credential = buildClientCredential(sys.did, { description: 'x'.repeat(262_144) })
        const res = await rawPost(t.url, JSON.stringify({ credential, verifiableCredential: credential }), {
          'content-type': 'application/json',
          ...t.headers,
        })
        assertProblem({ ...res, body: JSON.parse(res.text) }, 413, 'payload_too_large')
      }
    })

    it('when the body nests 10,000 levels deep, then issuer and verifier answer 400 invalid_request (no stack overflow)', async () => {
      for (const t of targets()) {
        const res = await rawPost(t.url, deep(10_000), { 'content-type': 'application/json', ...t.headers })
        assertProblem({ ...res, body: JSON.parse(res.text) }, 400, 'invalid_request')
        assert.match((JSON.parse(res.text) as Problem).title, /nesting/)
      }
    })

    it('when the body nests 33 levels (one past the cap), then the answer is 400 invalid_request about nesting', async () => {
      for (const t of targets()) {
        const res = await rawPost(t.url, deep(32), { 'content-type': 'application/json', ...t.headers })
        assertProblem({ ...res, body: JSON.parse(res.text) }, 400, 'invalid_request')
        assert.match((JSON.parse(res.text) as Problem).title, /nesting/)
      }
    })

    // 16,000 items (~50 KB, well under the body cap). Linear validation takes milliseconds; the bound is generous.
    const longType = () => ['VerifiableCredential', 'AchievementCredential', ...new Array<number>(16_000).fill(0)]

    it('when a credential carries a 16,000-item type array, then the issuer answers 400 invalid_request listing at most 100 issues', async () => {
      const res = await issue(sys, buildClientCredential(sys.did, { type: longType() }))
      assertProblem(res, 400, 'invalid_request')
      const issues = (res.body as unknown as { issues: unknown[] }).issues
      assert.ok(issues.length > 0 && issues.length <= 100, `${issues.length} issues`)
    })

    it('when the verifier gets an unsigned credential with a 16,000-item type array, then it answers 400 schema_invalid listing at most 100 issues', async () => {
      const res = await verify(sys, buildClientCredential(sys.did, { type: longType() }))
      assert.equal(res.status, 400)
      assert.equal(check(res.body, 'schema'), 'failed:schema_invalid')
      const issues = (res.body.checks.find((c) => c.id === 'schema')?.details as { issues: unknown[] }).issues
      assert.ok(issues.length > 0 && issues.length <= 100, `${issues.length} issues`)
    })

    it('when the verifier gets a 60,000-item array as the credential, then it answers 400 credential_malformed', async () => {
      const res = await verify(sys, new Array<number>(60_000).fill(0))
      assert.equal(res.status, 400)
      assert.equal(check(res.body, 'format'), 'failed:credential_malformed')
    })

    it('when the body is not JSON, then the answer is 400 invalid_json', async () => {
      for (const t of targets()) {
        const res = await rawPost(t.url, '{"credential": ', { 'content-type': 'application/json', ...t.headers })
        assertProblem({ ...res, body: JSON.parse(res.text) }, 400, 'invalid_json')
      }
    })

    it('when the body is sent as form data or text, then the answer is 415 unsupported_media_type', async () => {
      for (const t of targets()) {
        for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
          const res = await rawPost(t.url, 'credential=1', { 'content-type': type, ...t.headers })
          assertProblem({ ...res, body: JSON.parse(res.text) }, 415, 'unsupported_media_type')
        }
      }
    })

    it('when the body is gzip-encoded, then the answer is 415 unsupported_media_type (no decompression bombs)', async () => {
      const { gzipSync } = await import('node:zlib')
      for (const t of targets()) {
        const res = await rawPost(t.url, gzipSync(Buffer.from('{"a":"' + 'x'.repeat(1_000_000) + '"}')), {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          ...t.headers,
        })
        assert.ok(res.status === 415 || res.status === 413, `HTTP ${res.status}`)
      }
    })
  })
})

describe('security B6 #53: request bursts (CB_RATE_LIMIT_PER_MINUTE = 5)', () => {
  let sys: TestSystem
  before(async () => {
    sys = await startTestSystem({ CB_RATE_LIMIT_PER_MINUTE: '5' })
  })
  after(() => sys.close())

  it('when one API client sends a burst of issue requests, then the sixth answer is 429 rate_limited with Retry-After, other clients are unaffected, and the next window is open again', async () => {
    const answers = []
    for (let i = 0; i < 7; i++) answers.push(await issue(sys, buildClientCredential(sys.did)))
    assert.deepEqual(
      answers.map((a) => a.status),
      [201, 201, 201, 201, 201, 429, 429],
    )
    const limited = answers[5]!
    assertProblem(limited, 429, 'rate_limited')
    const retryAfter = Number(limited.headers.get('retry-after'))
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${limited.headers.get('retry-after')}`)

    const other = await createApiClient(sys.issuer.ds, sys.clock, { name: 'other', scopes: ['credentials:issue'] })
    assert.equal(
      (await post(`${sys.issuerUrl}/credentials/issue`, { credential: buildClientCredential(sys.did) }, auth(other.token))).status,
      201,
    )

    sys.clock.advance(retryAfter)
    assert.equal((await issue(sys, buildClientCredential(sys.did))).status, 201)
  })

  it('when one address sends a burst of verify requests, then the sixth answer is 429 rate_limited with Retry-After', async () => {
    const statuses = []
    let last
    for (let i = 0; i < 7; i++) {
      last = await verify(sys, 'not-a-jwt')
      statuses.push(last.status)
    }
    assert.deepEqual(statuses, [400, 400, 400, 400, 400, 429, 429])
    assertProblem(last!, 429, 'rate_limited')
    assert.ok(Number(last!.headers.get('retry-after')) >= 1)
  })
})

describe('security B6 #54: provoked 500s and log hygiene', () => {
  let sys: TestSystem
  const lines: string[] = []
  let issuerUrl: string
  let verifierUrl: string
  const servers: Server[] = []

  before(async () => {
    sys = await startTestSystem()
    // The same nodes behind a second pair of servers whose logs we capture (debug: everything is written).
    const log = createLogger('debug', {}, (line) => lines.push(line))
    const issuerServer = await listen(createIssuerApp({ ...sys.issuer, log }))
    const verifierServer = await listen(createVerifierApp({ ...sys.verifier, log }))
    servers.push(issuerServer.server, verifierServer.server)
    issuerUrl = issuerServer.url
    verifierUrl = verifierServer.url
  })
  after(async () => {
    for (const s of servers) {
      s.closeAllConnections()
      await new Promise((resolve) => s.close(resolve))
    }
    await sys.close()
  })

  it('when credentials are issued, revoked and verified, then the logs hold no JWT, bearer token or private key', async () => {
    const res = await post<{ verifiableCredential: Json }>(
      `${issuerUrl}/credentials/issue`,
      { credential: buildClientCredential(sys.did) },
      auth(sys.token),
    )
    assert.equal(res.status, 201)
    const jwt = jwtOf(res.body.verifiableCredential)
    const id = String(decodeJwt(jwt).payload.id)
    assert.equal((await post(`${issuerUrl}/credentials/status`, statusBody(id, 'suspension', true), auth(sys.token))).status, 200)
    const suspended = await post<Report>(`${verifierUrl}/credentials/verify`, { verifiableCredential: jwt })
    assert.equal(suspended.status, 400)
    assert.equal(check(suspended.body, 'status'), 'failed:suspended')
    assert.equal((await post(`${verifierUrl}/credentials/verify`, { verifiableCredential: `${jwt}x.y` })).status, 400)
    const { privateKey } = await sys.issuer.identity.activeKey()
    const d = String(privateKey.export({ format: 'jwk' }).d)
    const all = lines.join('\n')
    assert.ok(lines.length >= 4, 'requests were logged')
    for (const secret of [jwt, jwt.split('.')[2]!, sys.token, d, 'eyJ'])
      assert.equal(all.includes(secret), false, `the logs contain ${secret.slice(0, 12)}…`)
  })

  it('when the database is in a bad state, then the issuer answers a generic 500 (no stack, SQL or table names) and logs the cause without secrets', async () => {
    await sys.issuer.ds.query('DROP TABLE cb_status_list_credential')
    await sys.issuer.ds.query('ALTER TABLE cb_status_list RENAME TO cb_status_list_broken')
    lines.length = 0
    const res = await rawPost(`${issuerUrl}/credentials/issue`, JSON.stringify({ credential: buildClientCredential(sys.did) }), {
      'content-type': 'application/json',
      ...auth(sys.token),
    })
    assert.equal(res.status, 500)
    const body = JSON.parse(res.text) as Problem & Record<string, unknown>
    assert.equal(body.code, 'internal')
    assert.equal(body.title, 'Internal Server Error')
    assert.deepEqual(Object.keys(body).sort(), ['code', 'requestId', 'status', 'title', 'type'])
    for (const leak of ['SQLITE', 'sqlite', 'cb_status', 'SELECT', ' at ', 'Error:', '.ts:'])
      assert.equal(res.text.includes(leak), false, `the body leaks ${leak}`)
    const errors = lines.map((l) => JSON.parse(l) as { level: string; msg: string; requestId?: string }).filter((l) => l.level === 'error')
    assert.equal(errors.length, 1, 'the cause is logged once')
    assert.equal(errors[0]!.requestId, body.requestId, 'the log line can be found from the answer')
    assert.equal(lines.join('\n').includes(sys.token), false)
  })
})
