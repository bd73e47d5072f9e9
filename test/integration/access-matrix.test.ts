// The access matrix (issue 7 item 9): every route the issuer registers names an operation of the access table, every
// operation is served by a route, and each route answers each kind of caller — nobody, a learner, institution staff,
// a reviewer, an expert, an admin, and an API client of each scope — exactly as the table says: 401 for nobody where
// the operation is not public, 403 for a caller the table leaves out, and past the guard (whatever the request's own
// fate) for a caller it lets in. Whose records each caller then sees is tested with each capability, and below.
import assert from 'node:assert/strict'
import { listRoutes } from '../../http/openapi.ts'
import { ACCESS, OPERATIONS, type Access, type Operation } from '../../issuer/accounts/access-policy.ts'
import { allows } from '../../issuer/accounts/authorize.ts'
import { ROLES, type Principal, type Role } from '../../issuer/accounts/principal.ts'
import { createApiClient, SCOPES, type Scope } from '../../issuer/clients/api-clients.ts'
import { createIssuerApp } from '../../issuer/app.ts'
import { request, signUp, verifyLearner, type SessionAgent } from '../../fixtures/accounts.ts'
import { assertProblem, auth, post, startTestSystem, TEST_IDENTITIES, type TestSystem } from '../../fixtures/test-system.ts'

/** Routes that are not operations of the bank: liveness, readiness, the service index and the API's own description. */
const INFRASTRUCTURE = /^\/(healthz|readyz|openapi\.json|docs(\/.*)?)?$/

type Caller = { name: string; kind: 'nobody' } | { name: string; kind: 'user'; role: Role } | { name: string; kind: 'client'; scope: Scope }

const CALLERS: Caller[] = [
  { name: 'nobody', kind: 'nobody' },
  ...ROLES.map((role) => ({ name: role, kind: 'user' as const, role })),
  ...SCOPES.map((scope) => ({ name: `client(${scope})`, kind: 'client' as const, scope })),
]

const GUARD_CODES = new Set(['unauthorized', 'forbidden', 'csrf_failed'])

/** What the table says a caller gets: 'pass' (past the guard), 401 or 403. */
function expected(access: Access, caller: Caller): 'pass' | 401 | 403 {
  if (access.public) return 'pass'
  if (caller.kind === 'nobody') return 401
  const principal: Principal =
    caller.kind === 'user'
      ? { kind: 'user', id: 'x', username: 'x', role: caller.role, institutionId: null, sessionId: 'x' }
      : { kind: 'client', id: 'x', name: 'x', scopes: [caller.scope], institutionId: null }
  return allows(access, principal) ? 'pass' : 403
}

describe('access matrix: every operation × every kind of caller (issue 7 item 9)', function () {
  let sys: TestSystem
  const tokens = new Map<Scope, string>()
  let routes: { method: string; path: string; operation?: string }[]

  before(async () => {
    sys = await startTestSystem()
    await sys.issuer.alliance.create(
      { id: 'uni-a', type: 'university', name: { zh: '甲大学', en: 'University A' }, region: 'Jiangsu' },
      { type: 'system', id: 'test' },
    )
    for (const scope of SCOPES)
      tokens.set(
        scope,
        (
          await createApiClient(sys.issuer.ds, sys.clock, {
            name: `matrix ${scope}`,
            scopes: [scope],
            ...(scope === 'imports:write' ? { institutionId: 'uni-a' } : {}),
          })
        ).token,
      )
    routes = listRoutes(createIssuerApp(sys.issuer)).map((r) => ({ method: r.method, path: r.path, operation: r.meta.operation }))
  })
  after(() => sys.close())

  it('when the routes are listed, then each names an operation of the table (infrastructure aside), and each operation has a route', () => {
    const unnamed = routes.filter((r) => !r.operation && !INFRASTRUCTURE.test(r.path)).map((r) => `${r.method.toUpperCase()} ${r.path}`)
    assert.deepEqual(unnamed, [], 'routes without an operation')
    const unknown = routes.filter((r) => r.operation && !(r.operation in ACCESS)).map((r) => r.operation)
    assert.deepEqual(unknown, [])
    const served = new Set(routes.map((r) => r.operation))
    assert.deepEqual(
      OPERATIONS.filter((op) => !served.has(op)),
      [],
      'operations without a route',
    )
  })

  it('when every caller calls every route, then each answer is what the access table says', async function () {
    this.timeout(300_000)
    const wrong: string[] = []
    let calls = 0
    for (const route of routes.filter((r) => r.operation)) {
      const access = ACCESS[route.operation as Operation] as Access
      // Path parameters get values of the right shape that name nothing: the guard answers before any look-up.
      const path = route.path.replace(/:(\w+)/g, (_m, name: string) => (name === 'level' ? '7' : `no-such-${name.toLowerCase()}`))
      for (const caller of CALLERS) {
        const want = expected(access, caller)
        const options = route.method === 'get' || route.method === 'delete' ? {} : { json: {} }
        let res
        if (caller.kind === 'nobody') res = await request(sys, route.method.toUpperCase(), path, options)
        else if (caller.kind === 'client')
          res = await request(sys, route.method.toUpperCase(), path, { ...options, headers: auth(tokens.get(caller.scope)!) })
        else {
          // A fresh account for every call: some operations sign out or close the account.
          const agent = await signUp(sys, { role: caller.role, ...(caller.role === 'staff' ? { institutionId: 'uni-a' } : {}) })
          res = await agent.request(route.method.toUpperCase(), path, options)
        }
        calls++
        const code = (res.body as { code?: string } | undefined)?.code
        const got = GUARD_CODES.has(code ?? '') ? res.status : 'pass'
        if (got !== want)
          wrong.push(
            `${route.method.toUpperCase()} ${route.path} (${route.operation}) as ${caller.name}: expected ${want}, got ${res.status} ${code ?? ''}`,
          )
      }
    }
    assert.deepEqual(wrong, [], `${wrong.length} of ${calls} answers differ from the access table`)
    assert.ok(calls >= routes.filter((r) => r.operation).length * CALLERS.length)
  })
})

describe("access matrix: someone else's records (issue 7 item 9)", function () {
  let sys: TestSystem
  let learnerA: SessionAgent
  let learnerB: SessionAgent
  let staffA: SessionAgent
  let staffB: SessionAgent
  let reviewer: SessionAgent
  let expert: SessionAgent
  let deposit: { id: string; outcomeId: string; evidence: { sha256: string }[] }
  let jobId: string
  const PDF = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n')

  before(async () => {
    sys = await startTestSystem()
    for (const id of ['uni-a', 'uni-b'])
      await sys.issuer.alliance.create(
        { id, type: 'university', name: { zh: `${id}大学`, en: `${id} University` }, region: 'Jiangsu' },
        {
          type: 'system',
          id: 'test',
        },
      )
    learnerA = await signUp(sys)
    learnerB = await signUp(sys)
    await verifyLearner(sys, learnerA, TEST_IDENTITIES[0])
    await verifyLearner(sys, learnerB, TEST_IDENTITIES[1])
    staffA = await signUp(sys, { role: 'staff', institutionId: 'uni-a' })
    staffB = await signUp(sys, { role: 'staff', institutionId: 'uni-b' })
    reviewer = await signUp(sys, { role: 'reviewer' })
    expert = await signUp(sys, { role: 'expert' })
    const form = new FormData()
    form.append(
      'deposit',
      JSON.stringify({
        claim: {
          name: { zh: '实训', en: 'Practicum' },
          issuerName: '某公司',
          category: 'non_academic',
          level: 3,
          field: 'software',
          credits: 1,
        },
        awardedDate: '2025-12-20',
      }),
    )
    form.append('evidence', new Blob([PDF], { type: 'application/pdf' }), 'certificate.pdf')
    const made = await learnerA.request<typeof deposit>('POST', '/deposits', { body: form })
    assert.equal(made.status, 201, made.text)
    deposit = made.body
    const csv =
      'record_key,id_number,name,course_code,credits,awarded_date\r\nA-1,' + TEST_IDENTITIES[2].idNumber + ',王芳,NOPE,1,2025-06-01\r\n'
    const job = await staffA.request<{ id: string }>('POST', '/imports', { body: csv, headers: { 'content-type': 'text/csv' } })
    assert.equal(job.status, 202, job.text)
    jobId = job.body.id
  })
  after(() => sys.close())

  it("when a learner asks for another learner's deposit, outcome or evidence, then 404, and their own lists and export hold none of it", async () => {
    const evidence = `/deposits/${deposit.id}/evidence/${deposit.evidence[0]!.sha256}`
    assertProblem(await learnerB.get(`/deposits/${deposit.id}`), 404, 'not_found')
    assertProblem(await learnerB.post(`/deposits/${deposit.id}/withdraw`), 404, 'not_found')
    assertProblem(await learnerB.get(evidence), 404, 'not_found')
    assertProblem(await learnerB.get(`/me/outcomes/${deposit.outcomeId}`), 404, 'not_found')
    const lists = [await learnerB.get('/deposits'), await learnerB.get('/me/outcomes'), await learnerB.get('/me/export')]
    for (const res of lists) {
      assert.equal(res.status, 200)
      assert.ok(!res.text.includes(deposit.id) && !res.text.includes(deposit.outcomeId), 'nothing of learner A')
    }
    // The owner reads all of it.
    assert.equal((await learnerA.get(`/deposits/${deposit.id}`)).status, 200)
    assert.equal((await learnerA.get(evidence)).status, 200)
    assert.equal((await learnerA.get(`/me/outcomes/${deposit.outcomeId}`)).status, 200)
  })

  it("when staff of another institution ask for an institution's import job or import for it, then 404 and 403; its own staff read it", async () => {
    assertProblem(await staffB.get(`/imports/${jobId}`), 404, 'not_found')
    assertProblem(await staffB.get(`/imports/${jobId}/errors`), 404, 'not_found')
    const listed = await staffB.get('/imports')
    assert.ok(!listed.text.includes(jobId))
    assertProblem(
      await staffB.request('POST', '/imports?institution=uni-a', { body: 'record_key\r\n', headers: { 'content-type': 'text/csv' } }),
      403,
      'forbidden',
    )
    const bound = await createApiClient(sys.issuer.ds, sys.clock, {
      name: 'uni-b records',
      scopes: ['imports:write'],
      institutionId: 'uni-b',
    })
    assertProblem(await request(sys, 'GET', `/imports/${jobId}`, { headers: auth(bound.token) }), 404, 'not_found')
    assert.equal((await staffA.get(`/imports/${jobId}`)).status, 200)
  })

  it('when reviewers and experts reach outside their queue, then evidence is 404 and decisions are refused; staff never read evidence', async () => {
    const evidence = `/deposits/${deposit.id}/evidence/${deposit.evidence[0]!.sha256}`
    assertProblem(await staffA.get(evidence), 403, 'forbidden')
    assertProblem(await expert.get(evidence), 404, 'not_found')
    assertProblem(
      await expert.post(`/recognition/outcomes/${deposit.outcomeId}/expert-decision`, { decision: 'approve' }),
      409,
      'outcome_not_in_queue',
    )
    assert.equal((await reviewer.get(evidence)).status, 200, 'pending: in the reviewer queue')
    const approved = await reviewer.post(`/recognition/outcomes/${deposit.outcomeId}/decision`, { decision: 'approve' })
    assert.equal(approved.status, 200, approved.text)
    assertProblem(await reviewer.get(evidence), 404, 'not_found')
    assertProblem(
      await reviewer.post(`/recognition/outcomes/${deposit.outcomeId}/decision`, { decision: 'reject', reason: 'x' }),
      409,
      'outcome_already_decided',
    )
    assert.equal((await learnerA.get(evidence)).status, 200, 'still the learner’s own')
  })

  it("when an API client asks for another client's credential, then 404 for reading and for its status", async () => {
    const issued = await post(
      `${sys.issuerUrl}/credentials/issue`,
      {
        credential: {
          '@context': ['https://www.w3.org/ns/credentials/v2'],
          type: ['VerifiableCredential'],
          issuer: sys.did,
          credentialSubject: { id: 'did:example:x' },
        },
      },
      auth(sys.token),
    )
    assert.equal(issued.status, 201)
    const location = issued.headers.get('location')!
    const other = await createApiClient(sys.issuer.ds, sys.clock, {
      name: 'other client',
      scopes: ['credentials:issue', 'credentials:status'],
    })
    assertProblem(await request(sys, 'GET', location, { headers: auth(other.token) }), 404, 'not_found')
    const credentialId = decodeURIComponent(location.split('/credentials/')[1]!)
    assertProblem(
      await post(
        `${sys.issuerUrl}/credentials/status`,
        { credentialId, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' }, status: true },
        auth(other.token),
      ),
      404,
      'not_found',
    )
  })
})
