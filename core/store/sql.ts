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

/**
 * Bound parameters a statement may hold: under SQLite's limit (32,766) and PostgreSQL's (65,535), whatever the table.
 */
export const MAX_PARAMETERS = 30_000

/**
 * Inserts `rows` (each its values in `columns` order) into `table`, in as few statements as {@link MAX_PARAMETERS}
 * allows (or `rowsPerStatement` at a time). Few large statements cost less than many small ones: an import's chunk of
 * 2,000 outcomes and 2,000 credentials took ~35 µs of CPU a row more in statements of 250-500 rows than in one or two
 * a table, and held the connection in more turns of the event loop (bench/README.md). A column with the same value in
 * every row of a statement is bound once, not once a row:
 *   INSERT INTO t (a, b, c) SELECT v.column1, k.b, v.column2 FROM (VALUES (?, ?), (?, ?)) AS v CROSS JOIN (SELECT ? AS b) AS k
 * node-sqlite3 binds each value on the event loop (~1 µs), and a batch's rows share most of their columns (an
 * import's job, institution, state and times): an import's outcome rows bind 12 values instead of 26. `integers`: the
 * columns to CAST, as PostgreSQL takes a VALUES list's and a subquery's parameters for text.
 */
export async function insertRows(
  db: Runner,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  opts: { readonly rowsPerStatement?: number; readonly integers?: readonly string[] } = {},
): Promise<void> {
  if (!rows.length) return
  // Parameters a row: the columns that differ somewhere (a part of the rows binds at most those a row, and the rest once).
  const head = rows[0]!
  const varying = columns.filter((_, j) => rows.some((r) => r[j] !== head[j])).length
  const perStatement = Math.min(opts.rowsPerStatement ?? Infinity, Math.floor((MAX_PARAMETERS - columns.length) / Math.max(1, varying)))
  const placeholder = columns.map((c) => (opts.integers?.includes(c) ? 'CAST(? AS integer)' : '?'))
  for (let at = 0; at < rows.length; at += perStatement) {
    const part = rows.slice(at, at + perStatement)
    const first = part[0]!
    // A single row, or a column that differs somewhere: bound a row at a time. At least one column is (a VALUES row
    // has one value at least).
    const perRow = columns.map((_, j) => part.length === 1 || part.some((r) => r[j] !== first[j]))
    if (!perRow.includes(true)) perRow[0] = true
    const values: unknown[] = []
    for (const r of part) for (let j = 0; j < columns.length; j++) if (perRow[j]) values.push(r[j])
    const shared = columns.flatMap((c, j) => (perRow[j] ? [] : [`${placeholder[j]} AS ${c}`]))
    for (let j = 0; j < columns.length; j++) if (!perRow[j]) values.push(first[j])
    const row = `(${placeholder.filter((_, j) => perRow[j]).join(', ')})`
    const list = part.map(() => row).join(', ')
    if (!shared.length) {
      await sql(db, `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${list}`, values)
      continue
    }
    let n = 0
    const select = columns.map((c, j) => (perRow[j] ? `v.column${++n}` : `k.${c}`))
    await sql(
      db,
      `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${select.join(', ')} FROM (VALUES ${list}) AS v CROSS JOIN (SELECT ${shared.join(', ')}) AS k`,
      values,
    )
  }
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
