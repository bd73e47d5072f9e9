// The OpenAPI generator on small express apps: paths from express 5 syntax and mount paths, parameters and bodies from
// validateRequest's schemas (a changed schema is a changed document), security from an access table, multipart bodies and
// PDF / CSV answers described by route notes, error answers from the codes the route implies.
import assert from 'node:assert/strict'
import express, { Router, type RequestHandler } from 'express'
import { buildOpenApi, listRoutes, toOpenApiPaths, type OpenApiOptions } from '../../../http/openapi.ts'
import { describe as describeRoute, metaOf } from '../../../http/route-meta.ts'
import { jsonBody, rateLimit } from '../../../http/middleware.ts'
import { validateRequest } from '../../../http/validate-request.ts'
import type { RateLimiter } from '../../../http/rate-limit.ts'
import { assertValidOpenApi31 } from '../../helpers/openapi-check.ts'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

/** A fresh handler per route: notes belong to a function, and a shared one would carry one route's notes to all. */
const ok = (): RequestHandler => (_req, res) => void res.json({})
const ERRORS = {
  invalid_request: 400,
  invalid_json: 400,
  unknown_option_provided: 400,
  unauthorized: 401,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
}
const ACCESS = {
  'things.read': { summary: 'Read things', public: true },
  'things.write': { summary: 'Write things', roles: ['staff'], scopes: ['things:write'], own: 'institution' },
  'things.mine': { summary: 'My things', roles: ['learner'], own: 'self' },
} as const
const OPTIONS: OpenApiOptions = {
  info: { title: 'test', version: '1.0.0' },
  servers: [{ url: 'https://bank.example' }],
  access: ACCESS,
  errorStatus: ERRORS,
  schemeNames: { bearer: 'bearer', session: 'session', csrf: 'csrf' },
  securitySchemes: {
    bearer: { type: 'http', scheme: 'bearer' },
    session: { type: 'apiKey', in: 'cookie', name: 'cb_session' },
    csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
  },
}
/** The document, typed for reading in tests. */
const documentOf = (app: express.Express, options: OpenApiOptions): Json => buildOpenApi(app, options)
/** A stand-in for authorize(): what the generator reads of it is the operation it notes. */
const guard = (operation: keyof typeof ACCESS): RequestHandler => describeRoute<RequestHandler>((_req, _res, next) => next(), { operation })

describe('OpenAPI document from the routes (http/openapi.ts)', () => {
  it('turns express 5 paths into OpenAPI templates: parameters, wildcards, optional parts, escapes', () => {
    assert.deepEqual(toOpenApiPaths('/'), ['/'])
    assert.deepEqual(toOpenApiPaths('/institutions/:id/scopes/:scopeId'), ['/institutions/{id}/scopes/{scopeId}'])
    assert.deepEqual(toOpenApiPaths('/files/*path'), ['/files/{path}'])
    assert.deepEqual(toOpenApiPaths('/reports{/:year}'), ['/reports', '/reports/{year}'])
    assert.deepEqual(toOpenApiPaths('/a{/:b{/:c}}'), ['/a', '/a/{b}', '/a/{b}/{c}'])
    assert.deepEqual(toOpenApiPaths('/v1\\:batch'), ['/v1:batch'])
    assert.deepEqual(toOpenApiPaths('/:"quoted name"'), ['/{quoted name}'])
  })

  it('lists every route with its mount path, its methods and the notes of all its handlers', () => {
    const app = express()
    const api = Router()
    const inner = Router()
    inner.get('/:id', validateRequest({ params: { type: 'object', properties: { id: { type: 'string' } } } }), ok())
    api.use('/things', inner)
    api.route('/both').get(ok()).post(ok())
    app.use('/bank', api)
    app.get('/healthz', ok())
    const routes = listRoutes(app).map((r) => ({ method: r.method, path: r.path, hasSchema: r.meta.schema !== undefined }))
    assert.deepEqual(routes, [
      { method: 'get', path: '/bank/things/:id', hasSchema: true },
      { method: 'get', path: '/bank/both', hasSchema: false },
      { method: 'post', path: '/bank/both', hasSchema: false },
      { method: 'get', path: '/healthz', hasSchema: false },
    ])
  })

  it('takes parameters and the body from validateRequest, so a changed schema is a changed document', async () => {
    const documentFor = (schemas: Parameters<typeof validateRequest>[0]): Json => {
      const app = express()
      app.post('/things/:id', guard('things.write'), ...jsonBody({ maxBytes: 1000, maxDepth: 5 }), validateRequest(schemas), ok())
      return documentOf(app, OPTIONS)
    }
    const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[a-z]+$' } } } as const
    const v1 = { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string' } } } as const
    const before = documentFor({ params, body: v1 })
    const op = before.paths['/things/{id}'].post
    assert.deepEqual(op.parameters, [{ name: 'id', in: 'path', required: true, schema: params.properties.id }])
    assert.deepEqual(op.requestBody, { required: true, content: { 'application/json': { schema: v1 } } })

    // The route file changes its schema (a new member, a query parameter, an options object with x-error-code): the
    // document follows, the generator untouched.
    const v2 = {
      ...v1,
      properties: {
        ...v1.properties,
        credits: { type: 'number', minimum: 0, 'x-issue': 'must be 0 or more' },
        options: { type: 'object', additionalProperties: false, 'x-error-code': 'unknown_option_provided', properties: {} },
      },
    } as const
    const query = {
      type: 'object',
      required: ['dryRun'],
      properties: { dryRun: { enum: ['true', 'false'], description: 'only check' } },
    } as const
    const after = documentFor({ params, body: v2, query })
    const changed = after.paths['/things/{id}'].post
    assert.deepEqual(changed.requestBody.content['application/json'].schema, v2)
    assert.deepEqual(changed.parameters[1], {
      name: 'dryRun',
      in: 'query',
      required: true,
      description: 'only check',
      schema: query.properties.dryRun,
    })
    assert.deepEqual(changed.responses['400']['x-error-codes'], ['invalid_json', 'invalid_request', 'unknown_option_provided'])
    assert.deepEqual(before.paths['/things/{id}'].post.responses['400']['x-error-codes'], ['invalid_json', 'invalid_request'])
    await assertValidOpenApi31(after)
  })

  it('gives each operation its summary, security, x-roles and x-own from the access table, and the errors its guard implies', async () => {
    const app = express()
    app.get('/things', guard('things.read'), ok())
    app.get('/things/mine', guard('things.mine'), ok())
    app.post('/things', guard('things.write'), ok())
    app.delete('/things/mine', guard('things.mine'), ok())
    app.get('/plain', ok())
    const doc = documentOf(app, OPTIONS)
    const read = doc.paths['/things'].get
    assert.equal(read.summary, 'Read things')
    assert.equal(read['x-operation'], 'things.read')
    assert.deepEqual(read.security, [])
    assert.deepEqual(Object.keys(read.responses), ['200', '500'])
    const write = doc.paths['/things'].post
    assert.deepEqual(write.security, [{ bearer: ['things:write'] }, { session: ['staff'], csrf: [] }])
    assert.deepEqual(write['x-roles'], ['staff'])
    assert.equal(write['x-own'], 'institution')
    assert.deepEqual(write.responses['401']['x-error-codes'], ['unauthorized'])
    assert.deepEqual(write.responses['403']['x-error-codes'], ['forbidden', 'csrf_failed'])
    // Reads with the cookie need no CSRF token; changes do.
    assert.deepEqual(doc.paths['/things/mine'].get.security, [{ session: ['learner'] }])
    assert.deepEqual(doc.paths['/things/mine'].delete.security, [{ session: ['learner'], csrf: [] }])
    assert.deepEqual(doc.paths['/things/mine'].get.responses['403']['x-error-codes'], ['forbidden'])
    assert.match(doc.paths['/things/mine'].get.description, /Only the caller's own records/)
    // A route nothing guards is open, and says so.
    assert.deepEqual(doc.paths['/plain'].get.security, [])
    assert.equal(doc.paths['/plain'].get['x-operation'], undefined)
    assert.deepEqual(
      new Set(Object.values(doc.paths as Record<string, Json>).flatMap((item: Json) => Object.values(item).map((o: Json) => o.operationId)))
        .size,
      5,
    )
    await assertValidOpenApi31(doc)
  })

  it('groups operations under declared tags in their order, by operation word or path segment; a route note wins', () => {
    const app = express()
    app.get('/healthz', ok())
    app.get('/things', guard('things.read'), ok())
    app.get('/things/special', guard('things.read'), describeRoute<RequestHandler>(ok(), { tags: ['special'] }))
    app.get('/other', ok())
    const doc = documentOf(app, {
      ...OPTIONS,
      tags: [
        { name: 'stuff', description: '东西 · Things', operations: ['things'] },
        { name: 'unused', operations: ['nothing'] },
        { name: 'service', paths: ['healthz'] },
      ],
    })
    assert.deepEqual(doc.tags, [
      { name: 'stuff', description: '东西 · Things' },
      { name: 'service' },
      { name: 'special' },
      { name: 'other' },
    ])
    assert.deepEqual(doc.paths['/things'].get.tags, ['stuff'])
    assert.deepEqual(doc.paths['/things/special'].get.tags, ['special'])
    assert.deepEqual(doc.paths['/healthz'].get.tags, ['service'])
    assert.deepEqual(doc.paths['/other'].get.tags, ['other'])
  })

  it('refuses an operation the access table lacks: the document never invents one', () => {
    const app = express()
    app.get('/x', describeRoute<RequestHandler>(ok(), { operation: 'things.unknown' }))
    assert.throws(() => documentOf(app, OPTIONS), /names operation things\.unknown, which the access table lacks/)
  })

  it('describes multipart uploads, PDF and CSV answers, headers and rate limits from route notes', async () => {
    const app = express()
    const upload = {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', contentMediaType: 'application/pdf', description: 'PDF, JPEG or PNG' },
        note: { type: 'string', maxLength: 200 },
      },
    } as const
    app.post(
      '/deposits/:id/evidence',
      rateLimit({} as RateLimiter, () => 'x'), // never called: the document is read, no request made
      guard('things.mine'),
      describeRoute<RequestHandler>(ok(), {
        summary: 'Attach evidence',
        requestBody: { 'multipart/form-data': { schema: upload, description: 'one file and a note' } },
        responses: { '201': { description: 'Attached', headers: { Location: 'the evidence' }, content: { 'application/json': {} } } },
        errors: ['payload_too_large', 'unsupported_media_type'],
      }),
    )
    app.get(
      '/reports/:id.pdf',
      describeRoute<RequestHandler>(ok(), {
        responses: { '200': { description: 'The report', content: { 'application/pdf': { description: 'signed, A4' } } } },
      }),
    )
    app.get(
      '/imports/:id/errors',
      describeRoute<RequestHandler>(ok(), {
        responses: { '200': { description: 'Rejected rows', content: { 'text/csv': { schema: { type: 'string' } } } } },
      }),
    )
    app.get('/hidden', describeRoute<RequestHandler>(ok(), { hidden: true }))
    const doc = documentOf(app, OPTIONS)
    const post = doc.paths['/deposits/{id}/evidence'].post
    assert.equal(post.summary, 'Attach evidence')
    assert.deepEqual(post.requestBody, {
      description: 'multipart/form-data: one file and a note',
      required: true,
      content: { 'multipart/form-data': { schema: upload } },
    })
    assert.deepEqual(post.responses['201'], {
      description: 'Attached',
      headers: { Location: { description: 'the evidence', schema: { type: 'string' } } },
      content: { 'application/json': {} },
    })
    assert.deepEqual(
      Object.fromEntries(Object.entries(post.responses as Json).map(([status, r]) => [status, r['x-error-codes'] ?? null])),
      {
        '201': null,
        '401': ['unauthorized'],
        '403': ['forbidden', 'csrf_failed'],
        '413': ['payload_too_large'],
        '415': ['unsupported_media_type'],
        '429': ['rate_limited'],
        '500': ['internal'],
      },
    )
    assert.deepEqual(post.parameters, [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }])
    assert.deepEqual(doc.paths['/reports/{id}.pdf'].get.responses['200'], {
      description: 'The report\n\napplication/pdf: signed, A4',
      content: { 'application/pdf': {} },
    })
    assert.deepEqual(doc.paths['/imports/{id}/errors'].get.responses['200'].content, { 'text/csv': { schema: { type: 'string' } } })
    assert.equal(doc.paths['/hidden'], undefined)
    await assertValidOpenApi31(doc)
  })

  it('the check it is tested with refuses a document that is not OpenAPI 3.1 or holds a schema that is not JSON Schema', async () => {
    const app = express()
    app.get('/things/:id', validateRequest({ params: { type: 'object', properties: { id: { type: 'string' } } } }), ok())
    const doc = documentOf(app, OPTIONS)
    await assertValidOpenApi31(doc)
    const wrongPlace = structuredClone(doc)
    wrongPlace.paths['/things/{id}'].get.parameters[0].in = 'body' // OpenAPI 2's
    await assert.rejects(assertValidOpenApi31(wrongPlace), /not a valid OpenAPI 3\.1 document/)
    const badSchema = structuredClone(doc)
    badSchema.paths['/things/{id}'].get.parameters[0].schema = { type: 'text' }
    await assert.rejects(assertValidOpenApi31(badSchema), /parameter id is not a JSON Schema 2020-12/)
    const dangling = structuredClone(doc)
    dangling.paths['/things/{id}'].get.responses['404'].content['application/problem+json'].schema.allOf[0].$ref =
      '#/components/schemas/Nope'
    await assert.rejects(assertValidOpenApi31(dangling), /Nope/)
  })

  it('merges notes: later handlers add to earlier ones, errors accumulate', () => {
    const a: RequestHandler = (_req, _res, next) => next()
    describeRoute(a, { summary: 'one', errors: ['rate_limited'] })
    describeRoute(a, { description: 'two', errors: ['not_found'] })
    assert.deepEqual(metaOf(a), { summary: 'one', description: 'two', errors: ['rate_limited', 'not_found'] })
    assert.equal(metaOf(ok()), undefined)
    assert.equal(metaOf(undefined), undefined)
  })
})
