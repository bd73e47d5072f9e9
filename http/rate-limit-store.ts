// The only SQL over the rate-limit tables: per-bucket hit counts of fixed one-minute windows, one table per service.
import type { DataSource } from 'typeorm'
import { sql } from '../core/store/sql.ts'

/** The issuer's and the verifier's tables (each service has its own database). */
export type RateLimitTable = 'cb_rate_limit' | 'cb_verifier_rate_limit'

export class RateLimitStore {
  constructor(
    private readonly ds: DataSource,
    private readonly table: RateLimitTable,
  ) {}

  /** Adds `hits` to a bucket's window and answers the window's total, every instance's hits included. */
  async add(bucket: string, window: number, hits: number): Promise<number> {
    await sql(
      this.ds,
      `INSERT INTO ${this.table} (bucket, window_start, count) VALUES (?, ?, ?) ON CONFLICT (bucket, window_start) DO UPDATE SET count = ${this.table}.count + excluded.count`,
      [bucket, window, hits],
    )
    return this.count(bucket, window)
  }

  /** A bucket's total in a window (0 if nothing was counted). */
  async count(bucket: string, window: number): Promise<number> {
    const [row] = await sql<{ count: number | string }>(this.ds, `SELECT count FROM ${this.table} WHERE bucket = ? AND window_start = ?`, [
      bucket,
      window,
    ])
    return Number(row?.count ?? 0)
  }

  /** Drops the windows before `window`. */
  async pruneBefore(window: number): Promise<void> {
    await sql(this.ds, `DELETE FROM ${this.table} WHERE window_start < ?`, [window])
  }
}
