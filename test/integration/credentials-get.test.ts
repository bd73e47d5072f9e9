// GET /credentials/{id}: a credential as issued, for the API client that issued it — also after a retry got 409.
import assert from 'node:assert/strict'
import { createApiClient } from '../../issuer/clients/api-clients.ts'
import { buildClientCredential } from '../../fixtures/builders.ts'
import { assertProblem, auth, issue, startTestSystem, type HttpResult, type TestSystem } from '../../fixtures/test-system.ts'

describe('GET /credentials/{id}', () => {
  let sys: TestSystem
  before(async () => {
    sys = await startTestSystem()
  })
  after(() => sys.close())

  async function get(path: string, token?: string): Promise<HttpResult> {
    const res = await fetch(`${sys.issuerUrl}${path}`, { headers: token ? auth(token) : {} })
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> }
  }
  const pathOf = (id: string) => `/credentials/${encodeURIComponent(id)}`

  it('when the issuing client follows the 201 Location, then it gets the very credential it was given, not cacheable', async () => {
    const id = 'urn:uuid:9e0d1c2b-0000-4000-8000-000000000001'
    const issued = await issue(sys, buildClientCredential(sys.did, { id }))
    assert.equal(issued.status, 201)
    assert.equal(issued.headers.get('location'), pathOf(id))
    const res = await get(issued.headers.get('location')!, sys.token)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { verifiableCredential: issued.body.verifiableCredential })
    assert.equal(res.headers.get('cache-control'), 'no-store')
  })

  it('when a Data Integrity credential is fetched, then it comes back as the secured JSON it was issued as', async () => {
    const id = 'urn:uuid:9e0d1c2b-0000-4000-8000-000000000002'
    const issued = await issue(sys, buildClientCredential(sys.did, { id }), { format: 'eddsa-rdfc-2022' })
    assert.equal(issued.status, 201)
    const res = await get(pathOf(id), sys.token)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { verifiableCredential: issued.body.verifiableCredential })
    assert.equal((res.body.verifiableCredential as { proof: { cryptosuite: string } }).proof.cryptosuite, 'eddsa-rdfc-2022')
  })

  it('when a retried request gets 409 because the first one was stored, then the client fetches the stored credential', async () => {
    const id = 'urn:uuid:9e0d1c2b-0000-4000-8000-000000000003'
    const first = await issue(sys, buildClientCredential(sys.did, { id }))
    const retry = await issue(sys, buildClientCredential(sys.did, { id }))
    assertProblem(retry, 409, 'duplicate_credential')
    assert.deepEqual((await get(pathOf(id), sys.token)).body, { verifiableCredential: first.body.verifiableCredential })
  })

  it('when another API client asks, then 404 not_found, the answer an unknown id gets (no telling which ids exist); an admin gets it', async () => {
    const id = 'urn:uuid:9e0d1c2b-0000-4000-8000-000000000004'
    const issued = await issue(sys, buildClientCredential(sys.did, { id }))
    const other = await createApiClient(sys.issuer.ds, sys.clock, { name: 'other registrar', scopes: ['credentials:issue'] })
    const theirs = await get(pathOf(id), other.token)
    assertProblem(theirs, 404, 'not_found')
    const unknown = await get(pathOf('urn:uuid:9e0d1c2b-0000-4000-8000-0000000000fe'), other.token)
    assert.equal(theirs.body.title, unknown.body.title)
    const admin = await createApiClient(sys.issuer.ds, sys.clock, { name: 'operator', scopes: ['admin'] })
    assert.deepEqual((await get(pathOf(id), admin.token)).body, { verifiableCredential: issued.body.verifiableCredential })
  })

  it('when the caller has no token, a wrong token, or only the status scope, then 401 or 403 and nothing of the credential', async () => {
    const id = 'urn:uuid:9e0d1c2b-0000-4000-8000-000000000005'
    await issue(sys, buildClientCredential(sys.did, { id }))
    assertProblem(await get(pathOf(id)), 401, 'unauthorized')
    assertProblem(await get(pathOf(id), 'cbt_' + 'A'.repeat(43)), 401, 'unauthorized')
    const statusOnly = await createApiClient(sys.issuer.ds, sys.clock, { name: 'status desk', scopes: ['credentials:status'] })
    const res = await get(pathOf(id), statusOnly.token)
    assertProblem(res, 403, 'forbidden')
    assert.doesNotMatch(JSON.stringify(res.body), /eyJ/)
  })

  it('when no credential has the id, then 404 not_found', async () => {
    assertProblem(await get(pathOf('urn:uuid:9e0d1c2b-0000-4000-8000-0000000000ff'), sys.token), 404, 'not_found')
    assertProblem(await get(`/credentials/${encodeURIComponent("x' OR '1'='1")}`, sys.token), 404, 'not_found')
  })
})
