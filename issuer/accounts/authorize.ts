// Authentication and authorization for every non-public route: a bearer token (API clients) or the session cookie
// (people, with CSRF protection on changes), then the access table's verdict for the route's operation.
import type { Request, RequestHandler, Response } from 'express'
import { timingSafeEqual } from 'node:crypto'
import type { DataSource } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import { AppError } from '../../core/errors.ts'
import { describe } from '../../http/route-meta.ts'
import { authenticateToken, type Scope } from '../clients/api-clients.ts'
import { ACCESS, type Access, type Operation } from './access-policy.ts'
import type { Accounts, NewSession } from './accounts.ts'
import type { Principal } from './principal.ts'

export const SESSION_COOKIE = 'cb_session'
export const CSRF_HEADER = 'X-CSRF-Token'

export interface AuthorizeDeps {
  readonly ds: DataSource
  readonly clock: Clock
  readonly accounts: Accounts
  readonly config: { readonly publicUrl: URL; readonly walletUrl: URL; readonly verifierUrl: URL }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const BEARER_CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="credit-bank"' }

/** The value of one cookie from the Cookie header (no parser dependency for one name). */
export function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim())
  }
  return undefined
}

/** Whether a role or scope of `principal` is allowed by `access` (the admin scope holds every scope). */
export function allows(access: Access, principal: Principal): boolean {
  if (access.public) return true
  if (principal.kind === 'user') return (access.roles ?? []).includes(principal.role)
  const scopes = access.scopes ?? []
  return scopes.length > 0 && (principal.scopes.includes('admin') || principal.scopes.some((s) => scopes.includes(s)))
}

/**
 * Sets the session cookie: httpOnly, Secure on https, scoped to the bank's path, SameSite=Lax — not Strict, because a
 * sign-in through the OpenID Connect provider ends in a redirect chain that began on the provider's site, and a Strict
 * cookie would be left off the first page after it. Lax still keeps the cookie off other sites' POSTs, PUTs and
 * DELETEs, and every change needs the CSRF token besides.
 */
export function setSessionCookie(res: Response, session: NewSession, publicUrl: URL): void {
  res.cookie(SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: publicUrl.protocol === 'https:',
    path: publicUrl.pathname,
    expires: new Date(session.record.expiresAt),
  })
}

export function clearSessionCookie(res: Response, publicUrl: URL): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: publicUrl.protocol === 'https:', path: publicUrl.pathname })
}

/** Finds the caller (token or cookie) without judging it; undefined when there is none. Throws 401 for a bad credential. */
export async function authenticate(deps: AuthorizeDeps, req: Request): Promise<Principal | undefined> {
  const header = req.get('authorization')
  if (header !== undefined) {
    const match = /^Bearer ([^\s]+)$/i.exec(header)
    if (!match)
      throw new AppError('unauthorized', 'only Bearer tokens are accepted (not Basic or other schemes)', { headers: BEARER_CHALLENGE })
    const client = await authenticateToken(deps.ds, match[1]!, deps.clock)
    if (!client) throw new AppError('unauthorized', 'the API token is not valid or was revoked', { headers: BEARER_CHALLENGE })
    return { kind: 'client', id: client.id, name: client.name, scopes: client.scopes, institutionId: client.institutionId }
  }
  const token = cookieOf(req, SESSION_COOKIE)
  if (token === undefined) return undefined
  const found = await deps.accounts.authenticateSession(token)
  if (!found) throw new AppError('unauthorized', 'your session has ended; sign in again (会话已过期，请重新登录)')
  if (!SAFE_METHODS.has(req.method)) checkCsrf(deps, req, found.session.csrfToken)
  const { user, session } = found
  return { kind: 'user', id: user.id, username: user.username, role: user.role, institutionId: user.institutionId, sessionId: session.id }
}

/**
 * A change made with the session cookie must carry the session's CSRF token in X-CSRF-Token (a page of another site
 * cannot read it), and, when the browser names its Origin, come from the bank's own pages. SameSite=Lax already
 * keeps the cookie off cross-site requests; this holds even where a browser ignores SameSite.
 */
function checkCsrf(deps: AuthorizeDeps, req: Request, expected: string): void {
  const origin = req.get('origin')
  const own = [deps.config.publicUrl, deps.config.walletUrl, deps.config.verifierUrl].map((u) => u.origin)
  if (origin !== undefined && !own.includes(origin))
    throw new AppError('csrf_failed', `changes are accepted only from the bank's own pages, not from ${origin}`)
  const sent = Buffer.from(req.get(CSRF_HEADER) ?? '')
  const want = Buffer.from(expected)
  if (sent.length !== want.length || !timingSafeEqual(sent, want))
    throw new AppError('csrf_failed', `send the session's CSRF token in the ${CSRF_HEADER} header (GET /session gives it)`)
}

/**
 * The guard of one operation of the access table: sets req.principal, or answers 401 (no caller) / 403 (a caller the
 * table does not allow). A public operation passes anyone without looking the caller up: no public route reads a
 * principal, and the hot public paths (status lists, report lookups, the DID document) stay free of session reads.
 */
export function authorize(deps: AuthorizeDeps, operation: Operation): RequestHandler {
  const access: Access = ACCESS[operation]
  if (access.public) return describe((_req, _res, next) => next(), { operation })
  return describe(
    async (req, _res, next) => {
      const principal = await authenticate(deps, req)
      if (!principal) {
        const how = access.roles?.length ? 'sign in' : 'send an API token: Authorization: Bearer <token>'
        return next(new AppError('unauthorized', `${how} to ${access.summary.toLowerCase()}`, { headers: BEARER_CHALLENGE }))
      }
      req.principal = principal
      if (!allows(access, principal)) return next(new AppError('forbidden', forbiddenMessage(access, principal)))
      next()
    },
    { operation },
  )
}

function forbiddenMessage(access: Access, p: Principal): string {
  if (p.kind === 'user')
    return access.roles?.length
      ? `this operation is for ${access.roles.join(', ')} accounts; yours is ${p.role} (无权执行此操作)`
      : 'this operation is for API clients, not signed-in accounts'
  return access.scopes?.length
    ? `this API client lacks the "${access.scopes.join('" or "')}" scope`
    : 'this operation is for signed-in accounts, not API clients'
}

/** The scopes an operation accepts, for places that still speak in scopes. */
export const scopesOf = (operation: Operation): readonly Scope[] => (ACCESS[operation] as Access).scopes ?? []
