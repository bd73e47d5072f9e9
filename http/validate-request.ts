// One way to validate a request: its body, query and path parameters are described by JSON Schemas (2020-12), which
// also give their TypeScript types (json-schema-to-ts) and are what the OpenAPI document is made from. A request that
// does not match answers 400 with the same `issues[]` shape everywhere.
import type { RequestHandler } from 'express'
import type { ErrorObject } from 'ajv/dist/2020.js'
import type { FromSchema, JSONSchema } from 'json-schema-to-ts'
import { AppError, ERROR_STATUS, type ErrorCode, type Issue } from '../core/errors.ts'
import { createAjv, toIssues } from '../core/json-schema.ts'
import { describe } from './route-meta.ts'

/**
 * The schemas of one route's request. An object schema may carry `x-error-code`: the code a request gets when the value
 * there is not an object or has a member the schema does not know — the VC API's unknown_option_provided for `options`
 * (SECURITY.md #48). Any other problem, a missing member included, is invalid_request.
 */
export interface RequestSchemas {
  readonly body?: JSONSchema
  readonly query?: JSONSchema
  readonly params?: JSONSchema
}

/** The TypeScript type a schema describes: `const body = req.body as Valid<typeof schema>` after validateRequest. */
export type Valid<S extends JSONSchema> = FromSchema<S>

const PARTS = ['body', 'query', 'params'] as const

/**
 * Validates the parts of a request that `schemas` describe, compiled once when the route is built. Body issues keep
 * their path in the body (`/options/challenge`); query and path issues are under `/query` and `/params`. A path that
 * does not match its schema names nothing here: 404, not 400.
 */
export function validateRequest(schemas: RequestSchemas): RequestHandler {
  const ajv = createAjv()
  const validators = PARTS.filter((part) => schemas[part] !== undefined).map((part) => ({
    part,
    validate: ajv.compile(schemas[part] as object),
  }))
  const middleware: RequestHandler = (req, _res, next) => {
    const issues: Issue[] = []
    let code: ErrorCode = 'invalid_request'
    for (const { part, validate } of validators) {
      if (part === 'params' && !validate({ ...req.params })) return next(new AppError('not_found', `no such resource: ${req.path}`))
      // express 5 leaves req.body undefined when nothing was sent; the schema then sees an empty object.
      if (part === 'params') continue
      const value: unknown = part === 'body' ? (req.body ?? {}) : { ...req.query }
      if (validate(value)) continue
      const errors = (validate.errors ?? []).slice(0, 100)
      code = errorCodeOf(errors) ?? code
      const prefix = part === 'body' ? '' : `/${part}`
      issues.push(...toIssues(errors).map((i) => ({ path: `${prefix}${i.path}`, message: i.message })))
    }
    if (!issues.length) return next()
    next(new AppError(code, `the request does not match its schema: ${issues[0]!.path || '/'} ${issues[0]!.message}`, { issues }))
  }
  // The OpenAPI document (http/openapi.ts) reads the route's parameters and body from here.
  return describe(middleware, { schema: schemas })
}

function errorCodeOf(errors: readonly ErrorObject[]): ErrorCode | undefined {
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties' && e.keyword !== 'type') continue
    const code = (e.parentSchema as Record<string, unknown> | undefined)?.['x-error-code']
    if (typeof code === 'string' && code in ERROR_STATUS) return code as ErrorCode
  }
  return undefined
}
