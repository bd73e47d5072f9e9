// The only SQL over cb_api_client: the issuer's API clients, their token hashes (never tokens), scopes and dates.
import { sql, type Db } from '../../core/store/sql.ts'

export interface ApiClientRecord {
  readonly id: string
  readonly name: string
  /** Hex SHA-256 of the bearer token. */
  readonly tokenHash: string
  readonly scopes: readonly string[]
  /** An institution's own system acts only for that institution; null for bank-wide clients. */
  readonly institutionId: string | null
  readonly createdAt: string
  readonly lastUsedAt: string | null
  readonly revokedAt: string | null
}

interface ApiClientRow {
  id: string
  name: string
  token_hash: string
  scopes: string
  institution_id: string | null
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}

const COLUMNS = 'id, name, token_hash, scopes, institution_id, created_at, last_used_at, revoked_at'

const toRecord = (r: ApiClientRow): ApiClientRecord => ({
  id: r.id,
  name: r.name,
  tokenHash: r.token_hash,
  scopes: r.scopes.split(' '),
  institutionId: r.institution_id ?? null,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at ?? null,
  revokedAt: r.revoked_at ?? null,
})

/** Over a DataSource, or over a transaction's EntityManager to take part in it. */
export class ApiClientStore {
  constructor(private readonly db: Db) {}

  async insert(c: {
    id: string
    name: string
    tokenHash: string
    scopes: readonly string[]
    institutionId: string | null
    createdAt: Date
  }): Promise<void> {
    await sql(this.db, 'INSERT INTO cb_api_client (id, name, token_hash, scopes, institution_id, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      c.id,
      c.name,
      c.tokenHash,
      c.scopes.join(' '),
      c.institutionId,
      c.createdAt.toISOString(),
    ])
  }

  async find(id: string): Promise<ApiClientRecord | undefined> {
    const [row] = await sql<ApiClientRow>(this.db, `SELECT ${COLUMNS} FROM cb_api_client WHERE id = ?`, [id])
    return row && toRecord(row)
  }

  /** The unrevoked client holding this token hash. */
  async findActiveByTokenHash(tokenHash: string): Promise<ApiClientRecord | undefined> {
    const [row] = await sql<ApiClientRow>(this.db, `SELECT ${COLUMNS} FROM cb_api_client WHERE token_hash = ? AND revoked_at IS NULL`, [
      tokenHash,
    ])
    return row && toRecord(row)
  }

  /** Every client, oldest first, revoked ones included (`active`: only unrevoked ones). */
  async list(filter: { active?: boolean } = {}): Promise<ApiClientRecord[]> {
    const rows = await sql<ApiClientRow>(
      this.db,
      `SELECT ${COLUMNS} FROM cb_api_client${filter.active ? ' WHERE revoked_at IS NULL' : ''} ORDER BY created_at, id`,
    )
    return rows.map(toRecord)
  }

  /** Revokes an unrevoked client (a revoked one keeps its first revocation date). */
  async revoke(id: string, at: Date): Promise<void> {
    await sql(this.db, 'UPDATE cb_api_client SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at.toISOString(), id])
  }

  /** Sets `last_used_at` to `at` unless it is already later than `staleBefore`: instances racing on one minute write once. */
  async touchLastUsed(id: string, at: Date, staleBefore: Date): Promise<void> {
    await sql(this.db, 'UPDATE cb_api_client SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)', [
      at.toISOString(),
      id,
      staleBefore.toISOString(),
    ])
  }
}
