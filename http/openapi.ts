// The OpenAPI 3.1 document of an express app, made from the routes the app registers and what their handlers say about
// themselves (http/route-meta.ts): request schemas from validateRequest, the operation from authorize, non-JSON bodies
// and answers from the route. Nothing here lists a route: a route added to the app is in the document, and a schema
// changed in its route file is changed in the document.
//
// OpenAPI 3.1's schema dialect is JSON Schema 2020-12, the one our request schemas are written in, so they go in as they
// are; their own keywords (x-issue, x-error-code) are legal there.
import type { Express } from 'express'
import { problemSchema } from './problem.ts'
import { mergeMeta, metaOf, type MediaMeta, type RouteMeta } from './route-meta.ts'

/** One row of an access table (issuer/accounts/access-policy.ts): who may call an operation. */
export interface OperationAccess {
  readonly summary: string
  readonly public?: true
  readonly roles?: readonly string[]
  readonly scopes?: readonly string[]
  readonly own?: string
}

/** The names of the security schemes of components.securitySchemes, by how a caller authenticates. */
export interface SecuritySchemeNames {
  /** An API client's bearer token (scopes). */
  readonly bearer: string
  /** A person's session cookie (roles). */
  readonly session: string
  /** The session's CSRF token header, sent with every change made with the cookie. */
  readonly csrf: string
}

export interface OpenApiOptions {
  readonly info: { readonly title: string; readonly version: string; readonly description?: string }
  readonly servers: readonly { readonly url: string; readonly description?: string }[]
  /** The access table: an operation's summary, security and x-roles / x-own come from its row. */
  readonly access?: Readonly<Record<string, OperationAccess>>
  readonly securitySchemes?: Readonly<Record<string, Record<string, unknown>>>
  readonly schemeNames?: SecuritySchemeNames
  /** The error codes and their statuses (core/errors.ts ERROR_STATUS). */
  readonly errorStatus: Readonly<Record<string, number>>
  /**
   * Groups of operations, in the order a reader meets them. An operation goes in the first group naming its access
   * operation's first word (`deposits` of deposits.create) or, without one, its path's first segment; a route's own
   * `tags` note wins. Undeclared groups (that first word or segment) follow the declared ones.
   */
  readonly tags?: readonly TagGroup[]
}

export interface TagGroup {
  readonly name: string
  readonly description?: string
  /** First words of access operations (`deposits`, `evidence`). */
  readonly operations?: readonly string[]
  /** First path segments (`healthz`, `openapi.json`). */
  readonly paths?: readonly string[]
}

/** A route as the app registered it: method, express path, the notes of its handlers merged in order. */
export interface RegisteredRoute {
  readonly method: string
  readonly path: string
  readonly meta: RouteMeta
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const
const SAFE = new Set(['get', 'head', 'options', 'trace'])

interface Layer {
  readonly handle?: unknown
  readonly rawPath?: unknown
  readonly route?: { readonly path: unknown; readonly methods: Record<string, boolean>; readonly stack: readonly Layer[] }
}

/**
 * Every route of `app` with its full path (the mount paths of the routers it sits in included), in registration order.
 * An app.all() route is listed once per method it serves.
 */
export function listRoutes(app: Express): RegisteredRoute[] {
  const stack = (app as unknown as { router?: { stack?: readonly Layer[] } }).router?.stack ?? []
  return walk(stack, '')
}

function walk(stack: readonly Layer[], prefix: string): RegisteredRoute[] {
  const routes: RegisteredRoute[] = []
  for (const layer of stack) {
    if (layer.route) {
      const meta = layer.route.stack.reduce<RouteMeta>((m, l) => {
        const note = metaOf(l.handle)
        return note ? mergeMeta(m, note) : m
      }, {})
      const methods = layer.route.methods['_all'] ? METHODS : METHODS.filter((m) => layer.route!.methods[m])
      for (const path of pathsOf(layer.route.path))
        for (const method of methods) routes.push({ method, path: joinPath(prefix, path), meta })
      continue
    }
    const inner = (layer.handle as { stack?: unknown } | undefined)?.stack
    // A mounted router: its routes are under the mount path (app.use(path, router)).
    if (Array.isArray(inner))
      for (const path of pathsOf(layer.rawPath ?? '/')) routes.push(...walk(inner as Layer[], joinPath(prefix, path)))
  }
  return routes
}

function pathsOf(path: unknown): string[] {
  if (typeof path === 'string') return [path]
  if (Array.isArray(path)) return path.flat(Infinity).filter((p): p is string => typeof p === 'string')
  return [] // a RegExp path has no template to document
}

function joinPath(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
  return joined.length > 1 ? joined.replace(/\/+$/, '') : '/'
}

/**
 * An express 5 path (path-to-regexp 8) as OpenAPI path templates: `:id` and `*rest` become `{id}` and `{rest}`; an
 * optional part `{…}` gives two templates, one with it and one without. Backslash escapes are kept as the character.
 */
export function toOpenApiPaths(path: string): string[] {
  let variants = ['']
  let i = 0
  const name = (): string => {
    const m = /^(?:[A-Za-z_$][\w$]*|"(?:[^"\\]|\\.)*")/.exec(path.slice(i))
    if (!m) throw new TypeError(`unsupported route path ${path}`)
    i += m[0].length
    return m[0].startsWith('"') ? (JSON.parse(m[0]) as string) : m[0]
  }
  const readUntilClose = (): string => {
    let depth = 1
    const start = i
    while (i < path.length && depth > 0) {
      if (path[i] === '\\') i++
      else if (path[i] === '{') depth++
      else if (path[i] === '}') depth--
      i++
    }
    return path.slice(start, i - 1)
  }
  while (i < path.length) {
    const c = path[i]!
    if (c === ':' || c === '*') {
      i++
      const param = `{${name()}}`
      variants = variants.map((v) => v + param)
    } else if (c === '{') {
      i++
      const optional = toOpenApiPaths(readUntilClose())
      variants = variants.flatMap((v) => [v, ...optional.map((o) => v + o)])
    } else if (c === '\\') {
      variants = variants.map((v) => v + (path[i + 1] ?? ''))
      i += 2
    } else {
      variants = variants.map((v) => v + c)
      i++
    }
  }
  return [...new Set(variants.map((v) => (v.length > 1 ? v.replace(/\/+$/, '') : v) || '/'))]
}

type Json = Record<string, unknown>

/** The OpenAPI 3.1.0 document of `app`'s routes. */
export function buildOpenApi(app: Express, options: OpenApiOptions): Json {
  const paths: Record<string, Record<string, Json>> = {}
  const operationIds = new Set<string>()
  for (const route of listRoutes(app)) {
    if (route.meta.hidden || route.method === 'head' || route.method === 'options') continue
    for (const template of toOpenApiPaths(route.path)) {
      const item = (paths[template] ??= {})
      if (item[route.method]) continue // the first route registered for a method and path is the one that answers
      item[route.method] = operationOf(route, template, options, operationIds)
    }
  }
  const codes = Object.keys(options.errorStatus)
  const used = new Set(Object.values(paths).flatMap((item) => Object.values(item).flatMap((op) => op['tags'] as string[])))
  const declared = (options.tags ?? []).filter((t) => used.has(t.name))
  const tags = [
    ...declared.map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}) })),
    ...[...used].filter((name) => !declared.some((t) => t.name === name)).map((name) => ({ name })),
  ]
  return {
    openapi: '3.1.0',
    info: options.info,
    servers: options.servers,
    tags,
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    components: {
      schemas: {
        Problem: problemSchema('#/components/schemas/ErrorCode'),
        ErrorCode: {
          description: 'Stable error codes: clients may switch on them. 稳定的错误代码，客户端可据此分支处理。',
          enum: codes,
          'x-status': options.errorStatus,
        },
      },
      ...(options.securitySchemes ? { securitySchemes: options.securitySchemes } : {}),
    },
  }
}

function operationOf(route: RegisteredRoute, template: string, options: OpenApiOptions, ids: Set<string>): Json {
  const { meta, method } = route
  const access = meta.operation === undefined ? undefined : options.access?.[meta.operation]
  if (meta.operation !== undefined && options.access && !access)
    throw new TypeError(`${method.toUpperCase()} ${route.path} names operation ${meta.operation}, which the access table lacks`)
  const security = securityOf(meta, access, method, options.schemeNames)
  const parameters = parametersOf(template, meta)
  const requestBody = requestBodyOf(meta)
  const summary = meta.summary ?? access?.summary
  const errors = errorCodesOf(meta, method, security, options)
  return {
    operationId: operationIdOf(method, template, ids),
    ...(summary ? { summary } : {}),
    ...(meta.description || access ? { description: descriptionOf(meta, access) } : {}),
    tags: meta.tags?.length ? [...meta.tags] : [tagOf(meta.operation, template, options.tags ?? [])],
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: mergeResponses(successResponses(meta, method), errorResponses(errors, options.errorStatus)),
    security: security.requirements,
    ...(meta.operation ? { 'x-operation': meta.operation } : {}),
    ...(access?.roles?.length ? { 'x-roles': [...access.roles] } : {}),
    ...(access?.own ? { 'x-own': access.own } : {}),
  }
}

const OWN: Record<string, string> = {
  self: "Only the caller's own records. 仅限本人的记录。",
  institution: "Only records of the caller's institution. 仅限本机构的记录。",
  queue: 'Only what is in the recognition queue the caller works. 仅限本人负责的认定队列。',
}

function descriptionOf(meta: RouteMeta, access: OperationAccess | undefined): string {
  const lines: string[] = []
  if (meta.description) lines.push(meta.description)
  if (access?.public) lines.push('Public: anyone, signed in or not. 公开：无需登录。')
  if (access?.roles?.length) lines.push(`Signed-in roles 可用角色: ${access.roles.join(', ')}.`)
  if (access?.scopes?.length) lines.push(`API client scopes 接口客户端权限范围: ${access.scopes.join(', ')} (admin holds every scope).`)
  if (access?.own) lines.push(OWN[access.own] ?? `Ownership: ${access.own}.`)
  return lines.join('\n\n')
}

interface Security {
  readonly requirements: Json[]
  readonly bearer: boolean
  readonly session: boolean
}

/** Bearer for scopes, the session cookie (and X-CSRF-Token on changes) for roles, nothing for public operations. */
function securityOf(
  meta: RouteMeta,
  access: OperationAccess | undefined,
  method: string,
  names: SecuritySchemeNames | undefined,
): Security {
  const scopes = [...(access?.scopes ?? []), ...(meta.scopes ?? [])]
  const roles = access?.roles ?? []
  const open = (access?.public ?? false) || (!scopes.length && !roles.length)
  if (open || !names) return { requirements: [], bearer: false, session: false }
  const requirements: Json[] = []
  if (scopes.length) requirements.push({ [names.bearer]: [...new Set(scopes)] })
  if (roles.length)
    requirements.push(SAFE.has(method) ? { [names.session]: [...roles] } : { [names.session]: [...roles], [names.csrf]: [] })
  return { requirements, bearer: scopes.length > 0, session: roles.length > 0 }
}

function parametersOf(template: string, meta: RouteMeta): Json[] {
  const params = schemaObject(meta.schema?.params)
  const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!)
  const path = names.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: params.properties[name] ?? { type: 'string' },
  }))
  const queryObject = schemaObject(meta.schema?.query)
  const query = Object.entries(queryObject.properties).map(([name, schema]) => {
    const description = (schema as { description?: unknown }).description
    return {
      name,
      in: 'query',
      ...(queryObject.required.includes(name) ? { required: true } : {}),
      ...(typeof description === 'string' ? { description } : {}),
      schema,
    }
  })
  return [...path, ...query]
}

function schemaObject(schema: unknown): { properties: Record<string, unknown>; required: string[] } {
  if (!schema || typeof schema !== 'object') return { properties: {}, required: [] }
  const s = schema as { properties?: Record<string, unknown>; required?: unknown }
  return { properties: s.properties ?? {}, required: Array.isArray(s.required) ? (s.required as string[]) : [] }
}

function requestBodyOf(meta: RouteMeta): Json | undefined {
  const content: Record<string, Json> = {}
  const json = meta.schema?.body
  if (json !== undefined && !meta.requestBody?.['application/json']) content['application/json'] = { schema: json }
  for (const [type, media] of Object.entries(meta.requestBody ?? {})) content[type] = mediaOf(media)
  if (!Object.keys(content).length) return undefined
  const required = Object.values(content).some((m) => {
    const s = m['schema'] as { required?: unknown } | undefined
    return s === undefined || (Array.isArray(s.required) && s.required.length > 0)
  })
  const description = mediaDescriptions(meta.requestBody)
  return { ...(description ? { description } : {}), ...(required ? { required: true } : {}), content }
}

// OpenAPI 3.1's Media Type Object has no description: a media type's description goes to the body or answer's own.
const mediaOf = (media: MediaMeta): Json => (media.schema !== undefined ? { schema: media.schema } : {})

function mediaDescriptions(content: Readonly<Record<string, MediaMeta>> | undefined): string | undefined {
  const lines = Object.entries(content ?? {})
    .filter(([, m]) => m.description)
    .map(([type, m]) => `${type}: ${m.description}`)
  return lines.length ? lines.join('\n\n') : undefined
}

function successResponses(meta: RouteMeta, method: string): Record<string, Json> {
  if (meta.responses && Object.keys(meta.responses).length) {
    return Object.fromEntries(
      Object.entries(meta.responses).map(([status, r]) => [
        status,
        {
          description: [r.description, mediaDescriptions(r.content)].filter(Boolean).join('\n\n'),
          ...(r.headers
            ? {
                headers: Object.fromEntries(Object.entries(r.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])),
              }
            : {}),
          ...(r.content
            ? {
                content: Object.fromEntries(Object.entries(r.content).map(([type, media]) => [type, mediaOf(media)])),
              }
            : {}),
        },
      ]),
    )
  }
  // A route that says nothing of its answer: a JSON answer, its status not stated beyond success for a POST (which
  // answers 201 when it creates).
  return method === 'post'
    ? { '2XX': { description: 'Success: 200, or 201 Created when a resource is created. 成功。', content: { 'application/json': {} } } }
    : { '200': { description: 'OK. 成功。', content: { 'application/json': {} } } }
}

/**
 * The route's own answers and the problem answers by status; where both have a status (the VC API answers a credential
 * that does not verify 400 with its report, a bad request 400 with a problem) the answer holds both media types.
 */
function mergeResponses(own: Record<string, Json>, problems: Record<string, Json>): Record<string, Json> {
  const merged = { ...own }
  for (const [status, problem] of Object.entries(problems)) {
    const mine = own[status]
    merged[status] = mine
      ? {
          ...problem,
          ...mine,
          description: `${String(mine['description'])}\n\n${String(problem['description'])}`,
          content: { ...(mine['content'] as Json | undefined), ...(problem['content'] as Json) },
          'x-error-codes': problem['x-error-codes'],
        }
      : problem
  }
  return merged
}

/** The error codes a route may answer: from its schemas, its guard, the notes of its middleware; internal always. */
function errorCodesOf(meta: RouteMeta, method: string, security: Security, options: OpenApiOptions): string[] {
  const codes = new Set<string>(meta.errors ?? [])
  if (meta.schema?.body !== undefined || meta.schema?.query !== undefined) codes.add('invalid_request')
  for (const code of errorCodeKeywords([meta.schema?.body, meta.schema?.query])) codes.add(code)
  if (meta.schema?.params !== undefined) codes.add('not_found')
  if (security.bearer || security.session) codes.add('unauthorized').add('forbidden')
  if (security.session && !SAFE.has(method)) codes.add('csrf_failed')
  codes.add('internal')
  return [...codes].filter((c) => c in options.errorStatus)
}

/** The x-error-code values anywhere in the schemas. */
function errorCodeKeywords(schemas: readonly unknown[]): string[] {
  const found: string[] = []
  const stack = [...schemas]
  while (stack.length) {
    const s = stack.pop()
    if (!s || typeof s !== 'object') continue
    const code = (s as Json)['x-error-code']
    if (typeof code === 'string') found.push(code)
    stack.push(...Object.values(s))
  }
  return found
}

function errorResponses(codes: readonly string[], errorStatus: Readonly<Record<string, number>>): Record<string, Json> {
  const byStatus = new Map<number, string[]>()
  for (const code of codes) byStatus.set(errorStatus[code]!, [...(byStatus.get(errorStatus[code]!) ?? []), code])
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => [
        String(status),
        {
          description: describeProblem(status, list),
          content: {
            'application/problem+json': {
              schema: { allOf: [{ $ref: '#/components/schemas/Problem' }, { properties: { code: { enum: list } } }] },
            },
          },
          'x-error-codes': list,
        },
      ]),
  )
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request 请求有误',
  401: 'Not authenticated 未认证',
  403: 'Not allowed 无权操作',
  404: 'Not found 未找到',
  409: 'Conflict 冲突',
  413: 'Payload too large 请求体过大',
  415: 'Unsupported media type 不支持的媒体类型',
  429: 'Too many requests 请求过多',
  500: 'Internal error 内部错误',
  503: 'Unavailable 服务不可用',
}

function describeProblem(status: number, codes: readonly string[]): string {
  return `${STATUS_TEXT[status] ?? 'Error 错误'}: ${codes.join(', ')} (application/problem+json, RFC 9457)`
}

function tagOf(operation: string | undefined, template: string, groups: readonly TagGroup[]): string {
  const word = operation?.split('.')[0]
  const segment = template.split('/').find((s) => s && !s.startsWith('{'))
  const group = word
    ? groups.find((g) => g.operations?.includes(word))
    : groups.find((g) => g.paths?.includes(segment ?? '/') || (!segment && g.paths?.includes('/')))
  return group?.name ?? word ?? segment ?? 'service'
}

function operationIdOf(method: string, template: string, ids: Set<string>): string {
  const words = template
    .split(/[/.-]+/)
    .filter(Boolean)
    .map((s) => (s.startsWith('{') ? `By${capitalize(s.slice(1, -1))}` : capitalize(s.replace(/[^A-Za-z0-9]/g, ''))))
  const base = `${method}${words.join('') || 'Root'}`
  let id = base
  for (let n = 2; ids.has(id); n++) id = `${base}${n}`
  ids.add(id)
  return id
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)
