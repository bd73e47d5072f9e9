// Bearer-token authentication and scope checks for the issuer's API (SECURITY.md #45).
import type { RequestHandler } from 'express'
import type { DataSource } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import { AppError } from '../../core/errors.ts'
import { authenticateToken, type ApiClient, type Scope } from './api-clients.ts'

declare module 'express-serve-static-core' {
  interface Request {
    client?: ApiClient
  }
}

/** `clock` dates the client's "last used" (written at most once a minute, see api-clients.ts). */
export function requireScope(ds: DataSource, scope: Scope, clock: Clock): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization')
    const challenge = { 'WWW-Authenticate': 'Bearer realm="credit-bank"' }
    if (!header) return next(new AppError('unauthorized', 'send an API token: Authorization: Bearer <token>', { headers: challenge }))
    const match = /^Bearer ([^\s]+)$/i.exec(header)
    if (!match)
      return next(new AppError('unauthorized', 'only Bearer tokens are accepted (not Basic or other schemes)', { headers: challenge }))
    const client = await authenticateToken(ds, match[1]!, clock)
    if (!client) return next(new AppError('unauthorized', 'the API token is not valid or was revoked', { headers: challenge }))
    if (!client.scopes.includes(scope) && !client.scopes.includes('admin'))
      return next(new AppError('forbidden', `this API client lacks the "${scope}" scope`))
    req.client = client
    next()
  }
}
