// Who is calling: a person signed in with a browser session, or an API client with a bearer token. Every route that
// needs a caller reads `req.principal`, set by authorize() (issuer/accounts/authorize.ts).
import type { AuditActor } from '../audit/audit-trail.ts'
import type { Scope } from '../clients/api-clients.ts'

/** DOMAIN.md's roles. Staff are bound to one institution; the others are the bank's own people or learners. */
export const ROLES = ['learner', 'staff', 'reviewer', 'expert', 'admin'] as const
export type Role = (typeof ROLES)[number]

export interface UserPrincipal {
  readonly kind: 'user'
  readonly id: string
  readonly username: string
  readonly role: Role
  /** Staff: the institution they act for; null for every other role. */
  readonly institutionId: string | null
  /** The session's id (its hash's prefix is never needed: sign-out deletes by this id). */
  readonly sessionId: string
}

export interface ClientPrincipal {
  readonly kind: 'client'
  readonly id: string
  readonly name: string
  readonly scopes: readonly Scope[]
  /** An institution's own system: it acts only for that institution (imports). Null: a bank-wide client. */
  readonly institutionId: string | null
}

export type Principal = UserPrincipal | ClientPrincipal

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal
  }
}

/** The audit trail's "who" for a principal. */
export const actorOf = (p: Principal): AuditActor =>
  p.kind === 'user' ? { type: 'user', id: p.id, name: p.username } : { type: 'api_client', id: p.id, name: p.name }

/** The API client of a route only API clients reach (its operation has scopes and no roles); a programmer error otherwise. */
export function clientOf(req: { principal?: Principal }): ClientPrincipal {
  const p = req.principal
  if (p?.kind !== 'client') throw new Error('this route is guarded for API clients only')
  return p
}
