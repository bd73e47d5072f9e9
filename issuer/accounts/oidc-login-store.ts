// The only SQL over cb_oidc_login: sign-ins through the external OpenID Connect provider between their start and their
// callback. Rows are found by the SHA-256 of their state and taken (deleted) exactly once.
import { forUpdate, sql, transaction, type Db } from '../../core/store/sql.ts'
import type { DataSource } from 'typeorm'

export interface OidcLoginRecord {
  /** SHA-256 (hex) of the state sent to the provider. */
  readonly stateHash: string
  readonly nonce: string
  /** The S256 challenge of the PKCE verifier, which only the browser's cookie holds. */
  readonly codeChallenge: string
  /** A path on the bank's origin to go to after sign-in, checked when the sign-in began. */
  readonly returnTo: string | null
  readonly createdAt: string
  readonly expiresAt: string
}

interface OidcLoginRow {
  state_hash: string
  nonce: string
  code_challenge: string
  return_to: string | null
  created_at: string
  expires_at: string
}

const COLUMNS = 'state_hash, nonce, code_challenge, return_to, created_at, expires_at'

export class OidcLoginStore {
  constructor(private readonly db: Db) {}

  async insert(r: OidcLoginRecord): Promise<void> {
    await sql(this.db, `INSERT INTO cb_oidc_login (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`, [
      r.stateHash,
      r.nonce,
      r.codeChallenge,
      r.returnTo,
      r.createdAt,
      r.expiresAt,
    ])
  }

  /** Removes sign-ins that expired before `now` (ISO 8601), so abandoned ones do not pile up. */
  async deleteExpired(now: string): Promise<void> {
    await sql(this.db, 'DELETE FROM cb_oidc_login WHERE expires_at < ?', [now])
  }

  /**
   * Takes the sign-in of a state: returns it and deletes it in one transaction, so of two callbacks with the same
   * state (a replay, or the same one at two instances) exactly one gets it. Expired rows are returned too (the caller
   * says why it refuses them).
   */
  static async take(ds: DataSource, stateHash: string): Promise<OidcLoginRecord | undefined> {
    return transaction(ds, async (m) => {
      const [row] = await sql<OidcLoginRow>(m, `SELECT ${COLUMNS} FROM cb_oidc_login WHERE state_hash = ?${forUpdate(m)}`, [stateHash])
      if (!row) return undefined
      await sql(m, 'DELETE FROM cb_oidc_login WHERE state_hash = ?', [stateHash])
      return {
        stateHash: row.state_hash,
        nonce: row.nonce,
        codeChallenge: row.code_challenge,
        returnTo: row.return_to ?? null,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      }
    })
  }
}
