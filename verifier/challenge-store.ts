// Single-use, short-lived presentation challenges, kept in the verifier's database so any instance can check them.
// The only SQL over cb_challenge.
import { randomBytes } from 'node:crypto'
import type { DataSource } from 'typeorm'
import type { Clock } from '../core/clock.ts'
import { forUpdate, sql, transaction } from '../core/store/sql.ts'
import type { ConsumeChallenge } from '../core/verification/verify-presentation.ts'

export class ChallengeStore {
  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  async create(domain?: string): Promise<{ challenge: string; expiresAt: string }> {
    const challenge = randomBytes(32).toString('base64url')
    const expiresAt = new Date(this.clock().getTime() + this.ttlSeconds * 1000).toISOString()
    await sql(this.ds, 'INSERT INTO cb_challenge (id, domain, expires_at) VALUES (?, ?, ?)', [challenge, domain ?? null, expiresAt])
    return { challenge, expiresAt }
  }

  /** Marks the challenge used; exactly one caller, on any instance, gets 'ok'. */
  consume: ConsumeChallenge = (challenge) =>
    transaction(this.ds, async (m) => {
      const [row] = await sql<{ expires_at: string; used_at: string | null; domain: string | null }>(
        m,
        `SELECT expires_at, used_at, domain FROM cb_challenge WHERE id = ?${forUpdate(m)}`,
        [challenge],
      )
      if (!row) return { state: 'unknown' as const }
      if (row.used_at) return { state: 'used' as const }
      const now = this.clock().toISOString()
      if (row.expires_at <= now) return { state: 'expired' as const }
      await sql(m, 'UPDATE cb_challenge SET used_at = ? WHERE id = ?', [now, challenge])
      return { state: 'ok' as const, ...(row.domain === null ? {} : { domain: row.domain }) }
    })

  /** Drops challenges that expired more than a day ago. */
  async prune(): Promise<void> {
    await sql(this.ds, 'DELETE FROM cb_challenge WHERE expires_at < ?', [new Date(this.clock().getTime() - 86_400_000).toISOString()])
  }
}
