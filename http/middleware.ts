// Express middleware shared by the issuer, verifier and wallet: request ids and access logs, JSON bodies with
// size and depth caps, rate limits, problem+json errors. It lives outside core/ so that core never imports express.
import { randomUUID } from 'node:crypto'
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express'
import express from 'express'
import { AppError } from '../core/errors.ts'
import { errorFields, type Logger } from '../core/log.ts'
import { toProblem } from './problem.ts'
import { describe } from './route-meta.ts'
import type { RateLimiter } from './rate-limit.ts'

declare module 'express-serve-static-core' {
  interface Request {
    id: string
    log: Logger
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/

/** Request id (from X-Request-Id when well-formed), a per-request logger, one access-log line, baseline headers. */
export function requestContext(log: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id')
    req.id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    req.log = log.child({ requestId: req.id })
    res.setHeader('X-Request-Id', req.id)
    res.setHeader('X-Content-Type-Options', 'nosniff')
    const started = process.hrtime.bigint()
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      req.log.info('request', { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 })
    })
    next()
  }
}

/** JSON bodies only, capped in bytes (413) and nesting depth (400), `__proto__` keys refused, before any crypto. */
export function jsonBody(opts: { maxBytes: number; maxDepth: number }): RequestHandler[] {
  const parse = express.json({
    limit: opts.maxBytes,
    type: ['application/json', 'application/ld+json', 'application/*+json'],
    strict: false,
  })
  const check: RequestHandler = (req, _res, next) => {
    if (req.method === 'POST' && !req.is(['application/json', 'application/ld+json', 'application/*+json'])) {
      return next(new AppError('unsupported_media_type', 'send the body as application/json'))
    }
    const problem = inspectJson(req.body, opts.maxDepth)
    if (problem) return next(new AppError('invalid_request', problem))
    next()
  }
  // For the OpenAPI document (http/openapi.ts): what a JSON body may be answered with.
  describe(check, { errors: ['invalid_json', 'invalid_request', 'payload_too_large', 'unsupported_media_type'] })
  return [parse, check]
}

/** Iterative walk (no recursion to blow up): depth cap and prototype-pollution keys (SECURITY.md #52, #53). */
export function inspectJson(value: unknown, maxDepth: number): string | undefined {
  const stack: [unknown, number][] = [[value, 1]]
  while (stack.length) {
    const [v, depth] = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    if (depth > maxDepth) return `JSON nesting deeper than ${maxDepth} levels`
    for (const [k, child] of Object.entries(v)) {
      if (k === '__proto__') return 'JSON key "__proto__" is not allowed'
      stack.push([child, depth + 1])
    }
  }
  return undefined
}

export function rateLimit(limiter: RateLimiter, bucketOf: (req: Request) => string, factor = 1): RequestHandler {
  const limit: RequestHandler = async (req, res, next) => {
    const { allowed, retryAfterSeconds } = await limiter.hit(bucketOf(req), factor)
    if (allowed) return next()
    next(
      new AppError('rate_limited', `too many requests; try again in ${retryAfterSeconds} s`, {
        headers: { 'Retry-After': String(retryAfterSeconds) },
      }),
    )
  }
  return describe(limit, { errors: ['rate_limited'] })
}

export const notFound: RequestHandler = (req, _res, next) => next(new AppError('not_found', `no route for ${req.method} ${req.path}`))

/** Maps body-parser errors to our codes, logs 5xx with stack (never in the response), sends problem+json. */
export function problemHandler(): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const mapped = fromHttpError(err) ?? err
    const { status, headers, body } = toProblem(mapped, req.id)
    if (status >= 500) req.log?.error('request failed', errorFields(err))
    if (res.headersSent) return res.end()
    res.status(status).set(headers).type('application/problem+json').send(JSON.stringify(body))
  }
}

/** Errors that body-parser and serve-static raise (http-errors with a 4xx status) as our codes. */
function fromHttpError(err: unknown): AppError | undefined {
  const e = err as { type?: string; status?: number }
  if (!e || err instanceof AppError || (typeof e.type !== 'string' && typeof e.status !== 'number')) return undefined
  if (e.status === 404) return new AppError('not_found', 'not found')
  if (e.type === 'entity.too.large') return new AppError('payload_too_large', 'request body too large')
  if (e.type === 'entity.parse.failed') return new AppError('invalid_json', 'request body is not valid JSON')
  if (e.type === 'charset.unsupported' || e.type === 'encoding.unsupported')
    return new AppError('unsupported_media_type', 'unsupported body charset or encoding')
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return new AppError('invalid_request', 'malformed request body')
  return undefined
}

/** Client address for rate-limit buckets. X-Forwarded-For is not trusted (ASVS 4.1.3); put trust settings at the proxy. */
export const clientAddress = (req: Request): string => req.socket.remoteAddress ?? 'unknown'
