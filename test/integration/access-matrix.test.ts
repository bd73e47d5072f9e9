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
import { request, signUp } from '../../fixtures/accounts.ts'
import { auth, startTestSystem, type TestSystem } from '../../fixtures/test-system.ts'

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
