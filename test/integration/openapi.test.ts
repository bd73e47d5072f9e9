// GET /openapi.json and /docs/ on the issuer and the verifier (issue 7): the document holds every route the app registers
// (walked here independently of the generator), validates as OpenAPI 3.1, carries each access-table operation with its
// security, roles and ownership rule, and the request schemas of the route files as they are; the docs page and each of
// its assets answer 200 from the bank itself.
import assert from 'node:assert/strict'
import { createIssuerApp } from '../../issuer/app.ts'
import { ACCESS, type Access, type Operation } from '../../issuer/accounts/access-policy.ts'
import { institutionCreateSchema, institutionListSchema } from '../../issuer/alliance/routes/institutions.ts'
import { ERROR_STATUS } from '../../core/errors.ts'
import { metaOf } from '../../http/route-meta.ts'
import { assertProblem, startTestSystem, type TestSystem } from '../../fixtures/test-system.ts'
import { assertValidOpenApi31 } from '../helpers/openapi-check.ts'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

interface WalkedRoute {
  method: string
  path: string
  notes: ReturnType<typeof metaOf>[]
}

/** The app's routes read straight off express's router: the test's own walk, not the generator's. */
function walkRoutes(stack: readonly Json[], prefix = ''): WalkedRoute[] {
  const out: WalkedRoute[] = []
  for (const layer of stack) {
    if (layer.route) {
      const path = (prefix + layer.route.path).replace(/\/$/, '') || '/'
      for (const method of Object.keys(layer.route.methods))
        out.push({ method, path, notes: layer.route.stack.map((l: Json) => metaOf(l.handle)) })
    } else if (Array.isArray(layer.handle?.stack)) {
      out.push(...walkRoutes(layer.handle.stack, prefix + String(layer.rawPath).replace(/\/$/, '')))
    }
  }
  return out
}

const template = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}')
const operationOf = (route: WalkedRoute) => route.notes.find((n) => n?.operation)?.operation as Operation | undefined
const hidden = (route: WalkedRoute) => route.notes.some((n) => n?.hidden)

async function fetchJson(url: string): Promise<{ status: number; headers: Headers; body: Json }> {
  const res = await fetch(url)
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json }
}

describe('OpenAPI document and /docs', () => {
  let sys: TestSystem
  let doc: Json
  let routes: WalkedRoute[]
  before(async () => {
    sys = await startTestSystem()
    const res = await fetchJson(`${sys.issuerUrl}/openapi.json`)
    assert.equal(res.status, 200)
    assert.match(String(res.headers.get('content-type')), /^application\/json/)
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300')
    doc = res.body
    const app = createIssuerApp(sys.issuer) as unknown as { router: { stack: Json[] } }
    routes = walkRoutes(app.router.stack).filter((r) => r.method !== '_all')
  })
  after(() => sys.close())

  it('is a valid OpenAPI 3.1 document: official schema, every $ref resolved, every schema JSON Schema 2020-12', async () => {
    await assertValidOpenApi31(doc)
    assert.equal(doc.openapi, '3.1.0')
    assert.match(doc.info.title, /学分银行/)
    assert.match(doc.info.title, /Credit bank/)
    assert.match(doc.info.description, /CSRF 令牌/)
    assert.match(doc.info.description, /bearer token/)
    assert.deepEqual(doc.servers, [{ url: sys.issuerUrl, description: 'this bank 本银行' }])
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['bearerToken', 'csrfToken', 'sessionCookie'])
    assert.deepEqual(doc.components.schemas.ErrorCode.enum, Object.keys(ERROR_STATUS))
    // Grouped as the access table is, in its order; the health checks and this description last.
    const tags = doc.tags.map((t: Json) => t.name)
    assert.deepEqual(tags.slice(0, 2), ['accounts', 'personal-data'])
    assert.equal(tags.at(-1), 'service')
    for (const t of doc.tags) assert.match(t.description, /[\u4e00-\u9fff].* · [A-Z]/, t.name)
    assert.deepEqual(doc.paths['/session'].post.tags, ['accounts'])
    assert.deepEqual(doc.paths['/healthz'].get.tags, ['service'])
  })

  it('holds every route the issuer registers, and nothing else', () => {
    assert.ok(routes.length >= 30, `only ${routes.length} routes walked`)
    const shown = routes.filter((r) => !hidden(r))
    for (const r of shown) assert.ok(doc.paths[template(r.path)]?.[r.method], `${r.method.toUpperCase()} ${r.path} is not in the document`)
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item as Json).map((m) => `${m} ${path}`))
    assert.deepEqual(documented.sort(), [...new Set(shown.map((r) => `${r.method} ${template(r.path)}`))].sort())
    // The ones that matter to a web page are there by name.
    for (const key of ['post /credentials/issue', 'get /institutions/{id}', 'patch /catalogue/{id}', 'get /openapi.json', 'get /docs'])
      assert.ok(documented.includes(key), key)
    assert.equal(new Set(documented.map((k) => k.split(' ')[0])).has('head'), false)
  })

  it('gives each route of the access table its operation, summary, security, x-roles and x-own', () => {
    const guarded = routes.filter((r) => operationOf(r))
    assert.ok(guarded.length >= 10, `only ${guarded.length} routes name an operation`)
    for (const r of guarded) {
      const name = operationOf(r)!
      const access: Access = ACCESS[name]
      const op = doc.paths[template(r.path)][r.method]
      const at = `${r.method.toUpperCase()} ${r.path} (${name})`
      assert.equal(op['x-operation'], name, at)
      // The access table's summary, unless the route says more of itself.
      assert.equal(op.summary, r.notes.find((n) => n?.summary)?.summary ?? access.summary, at)
      const changes = !['get', 'head'].includes(r.method)
      const expected = access.public
        ? []
        : [
            ...(access.scopes?.length ? [{ bearerToken: [...access.scopes] }] : []),
            ...(access.roles?.length ? [{ sessionCookie: [...access.roles], ...(changes ? { csrfToken: [] } : {}) }] : []),
          ]
      assert.deepEqual(op.security, expected, at)
      assert.deepEqual(op['x-roles'], access.public || !access.roles?.length ? undefined : [...access.roles], at)
      assert.equal(op['x-own'], access.own, at)
      if (!access.public) {
        assert.ok(op.responses['401']['x-error-codes'].includes('unauthorized'), at)
        assert.ok(op.responses['403']['x-error-codes'].includes('forbidden'), at)
      }
    }
    // Routes no guard protects are open, and the document says so.
    for (const r of routes.filter((x) => !operationOf(x) && !hidden(x)))
      assert.deepEqual(doc.paths[template(r.path)][r.method].security, [], `${r.method} ${r.path}`)
    // The operationIds are unique.
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item as Json).map((o: Json) => o.operationId))
    assert.equal(new Set(ids).size, ids.length)
  })

  it('shows the route files’ request schemas as they are: body, path and query parameters', () => {
    const create = doc.paths['/institutions'].post
    assert.deepEqual(create.requestBody, { required: true, content: { 'application/json': { schema: institutionCreateSchema.body } } })
    assert.deepEqual(
      create.responses['400']['x-error-codes'].sort(),
      ['invalid_json', 'invalid_request'],
      'a JSON body that is no JSON, or does not match',
    )
    const list = doc.paths['/institutions'].get
    assert.deepEqual(
      list.parameters.map((p: Json) => [p.name, p.in, p.required ?? false, p.schema]),
      Object.entries(institutionListSchema.query.properties).map(([name, schema]) => [name, 'query', false, schema]),
    )
    const scope = doc.paths['/institutions/{id}/scopes/{scopeId}'].patch
    assert.deepEqual(
      scope.parameters.map((p: Json) => [p.name, p.in, p.required]),
      [
        ['id', 'path', true],
        ['scopeId', 'path', true],
      ],
    )
    assert.deepEqual(scope.responses['404']['x-error-codes'], ['not_found'])
    // Problem answers point at one Problem schema with the stable codes.
    assert.deepEqual(scope.responses['404'].content['application/problem+json'].schema.allOf[0], { $ref: '#/components/schemas/Problem' })
  })

  it('answers the same document again from memory', async () => {
    const again = await fetchJson(`${sys.issuerUrl}/openapi.json`)
    assert.deepEqual(again.body, doc)
  })

  it('serves /docs/ and every file it loads from the bank itself, nothing from a CDN', async () => {
    const redirect = await fetch(`${sys.issuerUrl}/docs`, { redirect: 'manual' })
    assert.equal(redirect.status, 301)
    assert.equal(redirect.headers.get('location'), 'docs/')
    const page = await fetch(`${sys.issuerUrl}/docs/`)
    assert.equal(page.status, 200)
    assert.match(String(page.headers.get('content-type')), /^text\/html/)
    assert.match(String(page.headers.get('content-security-policy')), /default-src 'none'; script-src 'self'/)
    const html = await page.text()
    assert.match(html, /学分银行 API 文档 · Credit bank API/)
    const refs = [...html.matchAll(/(?:src|href|data-url)="([^"]+)"/g)].map((m) => m[1]!)
    assert.deepEqual([...new Set(refs)].sort(), [
      '../openapi.json',
      'assets/favicon-32x32.png',
      'assets/swagger-ui-bundle.js',
      'assets/swagger-ui.css',
      'init.js',
    ])
    const types: Record<string, RegExp> = {
      '../openapi.json': /^application\/json/,
      'assets/favicon-32x32.png': /^image\/png/,
      'assets/swagger-ui-bundle.js': /^(text|application)\/javascript/,
      'assets/swagger-ui.css': /^text\/css/,
      'init.js': /^text\/javascript/,
    }
    for (const ref of new Set(refs)) {
      const res = await fetch(new URL(ref, `${sys.issuerUrl}/docs/`))
      assert.equal(res.status, 200, ref)
      assert.match(String(res.headers.get('content-type')), types[ref]!, ref)
      assert.ok((await res.arrayBuffer()).byteLength > 100, ref)
    }
    const init = await (await fetch(`${sys.issuerUrl}/docs/init.js`)).text()
    assert.match(init, /validatorUrl: null/)
    // Only the files the page uses: not swagger-ui-dist's demo page and its initializer (they load a demo API).
    for (const other of ['index.html', 'swagger-initializer.js', '../package.json']) {
      const res = await fetch(`${sys.issuerUrl}/docs/assets/${other}`)
      const text = await res.text()
      assertProblem({ status: res.status, headers: res.headers, body: JSON.parse(text) }, 404, 'not_found')
    }
  })

  it('the verifier serves its own document and docs page', async () => {
    const res = await fetchJson(`${sys.verifierUrl}/openapi.json`)
    assert.equal(res.status, 200)
    await assertValidOpenApi31(res.body)
    assert.match(res.body.info.title, /验证服务/)
    assert.deepEqual(Object.keys(res.body.paths).sort(), [
      '/',
      '/challenges',
      '/credentials/verify',
      '/docs',
      '/healthz',
      '/openapi.json',
      '/presentations/verify',
      '/readyz',
    ])
    const verify = res.body.paths['/credentials/verify'].post
    assert.deepEqual(verify.security, [])
    assert.match(verify.summary, /核验凭证/)
    // 400 is both the VC API's report of a credential that does not verify and the problem of a bad request.
    assert.deepEqual(Object.keys(verify.responses['400'].content).sort(), ['application/json', 'application/problem+json'])
    assert.deepEqual(verify.responses['400']['x-error-codes'].sort(), ['invalid_json', 'invalid_request', 'unknown_option_provided'])
    assert.deepEqual(Object.keys(verify.responses).sort(), ['200', '400', '413', '415', '429', '500', '503'])
    const page = await fetch(`${sys.verifierUrl}/docs/`)
    assert.equal(page.status, 200)
    assert.equal((await fetch(`${sys.verifierUrl}/docs/assets/swagger-ui-bundle.js`)).status, 200)
  })
})

describe('OpenAPI document of a bank served under a path', () => {
  it('keeps the mount path in the paths and the origin as the server', async () => {
    const sys = await startTestSystem({ CB_PUBLIC_URL: 'https://bank.example/branch' })
    try {
      const res = await fetchJson(`${sys.issuerUrl}/branch/openapi.json`)
      assert.equal(res.status, 200)
      assert.deepEqual(res.body.servers, [{ url: 'https://bank.example', description: 'this bank 本银行' }])
      assert.ok(res.body.paths['/branch/did.json']?.get)
      assert.ok(res.body.paths['/branch/institutions/{id}']?.get)
      assert.ok(res.body.paths['/healthz']?.get, 'the health checks stay at the root')
      const redirect = await fetch(`${sys.issuerUrl}/branch/docs`, { redirect: 'manual' })
      assert.equal(redirect.status, 301)
      assert.equal(new URL(String(redirect.headers.get('location')), `${sys.issuerUrl}/branch/docs`).pathname, '/branch/docs/')
      assert.equal((await fetch(`${sys.issuerUrl}/branch/docs/assets/swagger-ui.css`)).status, 200)
    } finally {
      await sys.close()
    }
  })
})
