// API clients of the issuer: scoped bearer tokens, shown once, stored only as SHA-256 hashes.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import type { DataSource } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import { AppError } from '../../core/errors.ts'
import { transaction } from '../../core/store/sql.ts'
import { CLI_ACTOR, record, type AuditActor } from '../audit/audit-trail.ts'
import { clientNamespace, RESERVED_NAMESPACES } from '../credentials/client-issuing-policy.ts'
import { ApiClientStore } from './api-client-store.ts'

export const SCOPES = ['credentials:issue', 'credentials:status', 'alliance:manage', 'catalogue:manage', 'imports:write', 'admin'] as const
export type Scope = (typeof SCOPES)[number]

export interface ApiClient {
  readonly id: string
  readonly name: string
  readonly scopes: readonly Scope[]
  /** An institution's own system (e.g. its student-records system importing outcomes) acts only for that institution. */
  readonly institutionId: string | null
}

/** What `clients list` shows: never the token or its hash. */
export interface ApiClientInfo extends ApiClient {
  /** Its credential ids may be urn:credit-bank:<namespace>:… (issuer/credentials/client-issuing-policy.ts). */
  readonly namespace: string
  readonly createdAt: string
  /** Updated at most once a minute (LAST_USED_RESOLUTION_MS), so a busy client costs no write per request. */
  readonly lastUsedAt: string | null
  readonly revokedAt: string | null
}

/** `last_used_at` is written when it is older than this: at most one write a minute per client, on any instance. */
export const LAST_USED_RESOLUTION_MS = 60_000

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest()

/** `actor`: who creates it, for the audit trail (the operator at the command line by default). */
export async function createApiClient(
  ds: DataSource,
  clock: Clock,
  input: { name: string; scopes: readonly string[]; institutionId?: string },
  actor: AuditActor = CLI_ACTOR,
): Promise<ApiClient & { namespace: string; token: string }> {
  const name = input.name.trim()
  if (!name || name.length > 200) throw new AppError('invalid_request', 'a client name of 1 to 200 characters is required')
  const unknown = input.scopes.filter((s) => !SCOPES.includes(s as Scope))
  if (!input.scopes.length || unknown.length)
    throw new AppError(
      'invalid_request',
      `scopes must be among ${SCOPES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`,
    )
  const token = `cbt_${randomBytes(32).toString('base64url')}`
  const client = { id: randomUUID(), name, scopes: [...new Set(input.scopes)] as Scope[], institutionId: input.institutionId ?? null }
  // Credential ids of the namespace urn:credit-bank:<namespace>: belong to one client: no two active clients share one.
  const namespace = clientNamespace(client)
  if (RESERVED_NAMESPACES.has(namespace))
    throw new AppError(
      'invalid_request',
      `the name "${name}" gives the namespace urn:credit-bank:${namespace}:, which the bank keeps for itself; choose another name`,
    )
  // One transaction: the namespace check, the row and its audit entry (api_client_created) commit together.
  await transaction(ds, async (m) => {
    const store = new ApiClientStore(m)
    const active = await store.list({ active: true })
    const holder = active.find((c) => clientNamespace(c) === namespace)
    if (holder)
      throw new AppError(
        'invalid_request',
        `the name "${name}" gives the namespace urn:credit-bank:${namespace}:, which active client ${holder.id} (${holder.name}) has; choose another name or revoke that client`,
      )
    const createdAt = clock()
    await store.insert({ ...client, tokenHash: sha256(token).toString('hex'), createdAt })
    await record(m, {
      at: createdAt,
      actor,
      action: 'api_client_created',
      subject: { type: 'api_client', id: client.id },
      after: { name: client.name, namespace, scopes: client.scopes, institutionId: client.institutionId },
    })
  })
  return { ...client, namespace, token }
}

/**
 * Revokes a client's token at once on every instance (authentication reads the database on every request). False if no
 * such client. A first revocation is audited (api_client_revoked) in its transaction; revoking again changes nothing.
 */
export async function revokeApiClient(ds: DataSource, clock: Clock, id: string, actor: AuditActor = CLI_ACTOR): Promise<boolean> {
  return transaction(ds, async (m) => {
    const store = new ApiClientStore(m)
    const client = await store.find(id)
    if (!client) return false
    if (client.revokedAt !== null) return true
    const at = clock()
    await store.revoke(id, at)
    await record(m, {
      at,
      actor,
      action: 'api_client_revoked',
      subject: { type: 'api_client', id },
      before: { revokedAt: null },
      after: { revokedAt: at.toISOString() },
    })
    return true
  })
}

/** Every client, oldest first, revoked ones included; never the token or its hash. */
export async function listApiClients(ds: DataSource): Promise<ApiClientInfo[]> {
  const records = await new ApiClientStore(ds).list()
  return records.map((r) => ({
    id: r.id,
    name: r.name,
    scopes: r.scopes as Scope[],
    institutionId: r.institutionId,
    namespace: clientNamespace(r),
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
    revokedAt: r.revokedAt,
  }))
}

/**
 * Finds the client of a bearer token. The lookup is by the token's SHA-256, so timing reveals nothing about the
 * token; the digests are then compared in constant time as well.
 */
export async function authenticateToken(ds: DataSource, token: string, clock: Clock): Promise<ApiClient | undefined> {
  if (!/^cbt_[A-Za-z0-9_-]{43}$/.test(token)) return undefined
  const digest = sha256(token)
  const store = new ApiClientStore(ds)
  const row = await store.findActiveByTokenHash(digest.toString('hex'))
  if (!row || !timingSafeEqual(Buffer.from(row.tokenHash, 'hex'), digest)) return undefined
  await touchLastUsed(store, row.id, row.lastUsedAt, clock())
  return { id: row.id, name: row.name, scopes: row.scopes as Scope[], institutionId: row.institutionId }
}

/**
 * Records when a client was last seen, at minute resolution: nothing is written while the stored time is less than
 * a minute old, and the conditional UPDATE keeps instances racing on the same minute to one write. A failed write
 * never fails the request.
 */
async function touchLastUsed(store: ApiClientStore, id: string, lastUsedAt: string | null, now: Date): Promise<void> {
  if (lastUsedAt !== null && now.getTime() - Date.parse(lastUsedAt) < LAST_USED_RESOLUTION_MS) return
  await store.touchLastUsed(id, now, new Date(now.getTime() - LAST_USED_RESOLUTION_MS)).catch(() => undefined)
}
