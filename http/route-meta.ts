// What a route's handlers say about themselves, for the OpenAPI document (http/openapi.ts): validateRequest() records
// its request schemas, authorize() its operation, a route its summary, non-JSON bodies and answers. The document is made
// from the routes the app registers and these notes on their handlers, never written by hand.
//
// A WeakMap keyed by the handler function, not a property on it: nothing is added to the function, and a handler that is
// dropped takes its note with it.
import type { JSONSchema } from 'json-schema-to-ts'

/** The JSON Schemas (2020-12) of a request's parts, as validateRequest() takes them. */
export interface RequestSchemasMeta {
  readonly body?: JSONSchema
  readonly query?: JSONSchema
  readonly params?: JSONSchema
}

/**
 * One media type of a request body or answer; `schema` absent: any content of that type (a PDF, a CSV file). Its
 * `description` joins the body's or the answer's (OpenAPI 3.1 media types have none of their own).
 */
export interface MediaMeta {
  readonly schema?: JSONSchema
  readonly description?: string
}

export interface ResponseMeta {
  readonly description: string
  /** By media type: `{ 'application/json': { schema } }`, `{ 'application/pdf': {} }`, `{ 'text/csv': {} }`. */
  readonly content?: Readonly<Record<string, MediaMeta>>
  /** Response headers by name, e.g. `{ Location: 'the new resource' }`. */
  readonly headers?: Readonly<Record<string, string>>
}

export interface RouteMeta {
  /** The request's schemas (set by validateRequest). */
  readonly schema?: RequestSchemasMeta
  /** The access-table operation the route performs (set by authorize; e.g. 'deposits.create'). */
  readonly operation?: string
  /** API-client scopes a bearer token needs, for a route guarded by a scope check of its own rather than an operation. */
  readonly scopes?: readonly string[]
  readonly summary?: string
  readonly description?: string
  readonly tags?: readonly string[]
  /**
   * A body that is not (only) JSON, by media type: `{ 'multipart/form-data': { schema: { type: 'object', properties:
   * { file: { type: 'string', contentMediaType: 'application/pdf' } } } } }`. A JSON body schema from validateRequest is
   * added as application/json unless this names application/json itself.
   */
  readonly requestBody?: Readonly<Record<string, MediaMeta>>
  /**
   * Answers by status ('200', '201', '204', '302'…). Absent: one JSON success answer (201 for POST that creates is the
   * route's to say). Error answers (problem+json) are added by the generator from the error codes.
   */
  readonly responses?: Readonly<Record<string, ResponseMeta>>
  /** Error codes (core/errors.ts) the route may answer besides the ones its schema and guard imply. */
  readonly errors?: readonly string[]
  /** Left out of the document (e.g. the document itself, static assets). */
  readonly hidden?: boolean
}

const notes = new WeakMap<object, RouteMeta>()

/**
 * Notes `meta` on `handler` and returns the handler, so a route reads `describe(async (req, res) => …, { summary })`.
 * Describing a handler again merges: later members win, `errors` and `tags` accumulate. The note belongs to the function:
 * describe a handler made for its route (a factory's fresh closure); a handler several routes share carries its note to
 * all of them, which suits what every use of it says (jsonBody's error codes), not one route's summary.
 */
export function describe<H extends object>(handler: H, meta: RouteMeta): H {
  const before = notes.get(handler)
  notes.set(handler, before ? mergeMeta(before, meta) : { ...meta })
  return handler
}

/** What was noted on `handler`, if anything. */
export function metaOf(handler: unknown): RouteMeta | undefined {
  return typeof handler === 'function' || (typeof handler === 'object' && handler !== null) ? notes.get(handler) : undefined
}

/** One route's notes from all its handlers, in order: later handlers add to earlier ones. */
export function mergeMeta(a: RouteMeta, b: RouteMeta): RouteMeta {
  const errors = [...new Set([...(a.errors ?? []), ...(b.errors ?? [])])]
  const tags = [...new Set([...(a.tags ?? []), ...(b.tags ?? [])])]
  const scopes = [...new Set([...(a.scopes ?? []), ...(b.scopes ?? [])])]
  return {
    ...a,
    ...b,
    ...(a.schema || b.schema ? { schema: { ...a.schema, ...b.schema } } : {}),
    ...(a.requestBody || b.requestBody ? { requestBody: { ...a.requestBody, ...b.requestBody } } : {}),
    ...(a.responses || b.responses ? { responses: { ...a.responses, ...b.responses } } : {}),
    ...(errors.length ? { errors } : {}),
    ...(tags.length ? { tags } : {}),
    ...(scopes.length ? { scopes } : {}),
  }
}
