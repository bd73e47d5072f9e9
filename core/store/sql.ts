// Thin SQL helpers over typeorm: portable placeholders, serialized SQLite transactions, conflict detection.
import type { DataSource, EntityManager } from 'typeorm'

/**
 * What a store runs its SQL on: the DataSource, or the EntityManager of a transaction (so one transaction can span
 * several stores, e.g. issuing allocates status slots and inserts credentials together).
 */
export type Db = DataSource | EntityManager
type Runner = Db

const isPostgres = (r: Runner): boolean => (('connection' in r ? r.connection : r) as DataSource).options.type === 'postgres'

/** Runs SQL written with `?` placeholders on either driver (PostgreSQL wants $1, $2…). */
export async function sql<T = Record<string, unknown>>(r: Runner, text: string, params: readonly unknown[] = []): Promise<T[]> {
  let q = text
  if (isPostgres(r)) {
    let i = 0
    q = text.replace(/\?/g, () => `$${++i}`)
  }
  const rows = await r.query(q, params as unknown[])
  // typeorm returns [rows, count] for UPDATE/DELETE on postgres; callers of writes ignore the result.
  return Array.isArray(rows) ? (rows as T[]) : []
}

/** `FOR UPDATE` row lock where the database has one (PostgreSQL); SQLite transactions are already exclusive here. */
export const forUpdate = (r: Runner): string => (isPostgres(r) ? ' FOR UPDATE' : '')

const sqliteQueues = new WeakMap<DataSource, Promise<unknown>>()

/**
 * Runs `fn` in a transaction. On SQLite, transactions of one process share one connection, so they are
 * queued here (typeorm would otherwise fail with "cannot start a transaction within a transaction"), and
 * begin IMMEDIATE so that other processes wait on busy_timeout for the write lock instead of failing
 * with SQLITE_BUSY when two read-then-write transactions meet. That wait sleeps on a libuv worker thread, and
 * statements queued behind it on the same connection hold more; so a process opens one DataSource per SQLite
 * file (two in one process can starve the pool the lock holder needs to commit). On PostgreSQL, a serialization or
 * unique-key conflict between instances is retried a few times with the whole transaction re-run.
 */
export async function transaction<T>(ds: DataSource, fn: (m: EntityManager) => Promise<T>, retries = 5): Promise<T> {
  if (ds.options.type === 'postgres') {
    for (let attempt = 0; ; attempt++) {
      try {
        return await ds.transaction(fn)
      } catch (err) {
        if (attempt >= retries || !isRetryable(err)) throw err
      }
    }
  }
  const previous = sqliteQueues.get(ds) ?? Promise.resolve()
  const run = previous.catch(() => undefined).then(() => immediateTransaction(ds, fn))
  sqliteQueues.set(ds, run)
  return run
}

async function immediateTransaction<T>(ds: DataSource, fn: (m: EntityManager) => Promise<T>): Promise<T> {
  const qr = ds.createQueryRunner()
  try {
    await qr.query('BEGIN IMMEDIATE')
    try {
      const result = await fn(qr.manager)
      await qr.query('COMMIT')
      return result
    } catch (err) {
      await qr.query('ROLLBACK').catch(() => undefined)
      throw err
    }
  } finally {
    await qr.release()
  }
}

/** Unique-constraint violation, on either driver. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string }; message?: string }
  const code = e?.driverError?.code ?? e?.code
  return code === '23505' || code === 'SQLITE_CONSTRAINT' || /UNIQUE constraint failed/.test(e?.message ?? '')
}

function isRetryable(err: unknown): boolean {
  const code = (err as { driverError?: { code?: string }; code?: string })?.driverError?.code ?? (err as { code?: string })?.code
  return code === '40001' || code === '40P01' || (isUniqueViolation(err) && (err as { retryable?: boolean }).retryable !== false)
}
