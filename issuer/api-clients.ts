// API clients of the issuer: scoped bearer tokens, shown once, stored only as SHA-256 hashes.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import type { DataSource } from 'typeorm'
import type { Clock } from '../core/clock.ts'
import { AppError } from '../core/errors.ts'
import { sql } from '../core/store/sql.ts'

export const SCOPES = ['credentials:issue', 'credentials:status', 'admin'] as const
export type Scope = (typeof SCOPES)[number]

export interface ApiClient {
  readonly id: string
  readonly name: string
  readonly scopes: readonly Scope[]
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest()

export async function createApiClient(ds: DataSource, clock: Clock, input: { name: string; scopes: readonly string[] }): Promise<ApiClient & { token: string }> {
  const name = input.name.trim()
  if (!name || name.length > 200) throw new AppError('invalid_request', 400, 'a client name of 1 to 200 characters is required')
  const unknown = input.scopes.filter((s) => !SCOPES.includes(s as Scope))
  if (!input.scopes.length || unknown.length) throw new AppError('invalid_request', 400, `scopes must be among ${SCOPES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`)
  const token = `cbt_${randomBytes(32).toString('base64url')}`
  const client = { id: randomUUID(), name, scopes: [...new Set(input.scopes)] as Scope[] }
  await sql(ds, 'INSERT INTO cb_api_client (id, name, token_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)', [
    client.id,
    client.name,
    sha256(token).toString('hex'),
    client.scopes.join(' '),
    clock().toISOString(),
  ])
  return { ...client, token }
}

export async function revokeApiClient(ds: DataSource, clock: Clock, id: string): Promise<void> {
  await sql(ds, 'UPDATE cb_api_client SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [clock().toISOString(), id])
}

/**
 * Finds the client of a bearer token. The lookup is by the token's SHA-256, so timing reveals nothing about the
 * token; the digests are then compared in constant time as well.
 */
export async function authenticateToken(ds: DataSource, token: string): Promise<ApiClient | undefined> {
  if (!/^cbt_[A-Za-z0-9_-]{43}$/.test(token)) return undefined
  const digest = sha256(token)
  const [row] = await sql<{ id: string; name: string; scopes: string; token_hash: string }>(
    ds,
    'SELECT id, name, scopes, token_hash FROM cb_api_client WHERE token_hash = ? AND revoked_at IS NULL',
    [digest.toString('hex')],
  )
  if (!row || !timingSafeEqual(Buffer.from(row.token_hash, 'hex'), digest)) return undefined
  return { id: row.id, name: row.name, scopes: row.scopes.split(' ') as Scope[] }
}
