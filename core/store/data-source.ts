// Opens the issuer's or the verifier's database (SQLite file by default, PostgreSQL by URL) and runs migrations.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs'
import path from 'node:path'
import sqlite3 from 'sqlite3'
import { DataSource } from 'typeorm'
import { Entities as veramoEntities, migrations as veramoMigrations } from '@veramo/data-store'
import type { DbConfig } from '../config.ts'
import { CreateIssuerTables1732900000000 } from './migrations/1732900000000-create-issuer-tables.ts'
import { CreateVerifierTables1732900000001 } from './migrations/1732900000001-create-verifier-tables.ts'
import { StatusListDataIntegrity1796000000000 } from './migrations/1796000000000-status-list-data-integrity.ts'
import { ApiClientLastUsed1796100000000 } from './migrations/1796100000000-api-client-last-used.ts'
import { AllianceAndCatalogue1796200000000 } from './migrations/1796200000000-alliance-and-catalogue.ts'
import { AuditTrail1796400000000 } from './migrations/1796400000000-audit-trail.ts'
import { Accounts1796500000000 } from './migrations/1796500000000-accounts.ts'
import { OidcLogins1796550000000 } from './migrations/1796550000000-oidc-logins.ts'
import { LearningOutcomes1796600000000 } from './migrations/1796600000000-learning-outcomes.ts'
import { ImportJobs1796700000000 } from './migrations/1796700000000-imports.ts'
import { Deposits1796800000000 } from './migrations/1796800000000-deposits.ts'
import { IdentityAndConsent1796900000000 } from './migrations/1796900000000-identity-and-consent.ts'
import { LedgerRules1797000000000 } from './migrations/1797000000000-ledger-rules.ts'
import { Conversion1797100000000 } from './migrations/1797100000000-conversion.ts'
import { CertificationReports1797200000000 } from './migrations/1797200000000-certification-reports.ts'
import { Consultation1797300000000 } from './migrations/1797300000000-consultation.ts'
import { PartialOutcomeIndexes1797400000000 } from './migrations/1797400000000-partial-outcome-indexes.ts'
import { SequentialBulkIndexes1797500000000 } from './migrations/1797500000000-sequential-bulk-indexes.ts'
import { startWalCheckpointer } from './wal-checkpointer.ts'

export type DatabaseRole = 'issuer' | 'verifier'

/** Hand-written migrations only (never `synchronize`): Veramo's first, ours after. */
const migrationsFor = (role: DatabaseRole) =>
  role === 'issuer'
    ? [
        ...veramoMigrations,
        CreateIssuerTables1732900000000,
        StatusListDataIntegrity1796000000000,
        ApiClientLastUsed1796100000000,
        AllianceAndCatalogue1796200000000,
        AuditTrail1796400000000,
        Accounts1796500000000,
        OidcLogins1796550000000,
        LearningOutcomes1796600000000,
        ImportJobs1796700000000,
        Deposits1796800000000,
        IdentityAndConsent1796900000000,
        LedgerRules1797000000000,
        Conversion1797100000000,
        CertificationReports1797200000000,
        Consultation1797300000000,
        PartialOutcomeIndexes1797400000000,
        SequentialBulkIndexes1797500000000,
      ]
    : [CreateVerifierTables1732900000001]

/**
 * typeorm calls `sqlite3.verbose()`, which patches every statement to record a stack trace (about 7% of batched
 * issuance). Hand it the module with a `verbose()` that leaves sqlite3 as it is.
 */
const quietSqlite = Object.create(sqlite3, { verbose: { value: () => sqlite3 } }) as typeof sqlite3

/**
 * SQLite's page cache in MiB (CB_SQLITE_CACHE_MB), instead of SQLite's 2 MiB: an import's chunk dirties ~25 MB of
 * pages (4 KB credentials, random-key index leaves), and a cache smaller than that spills them to the WAL before the
 * commit and reads index pages back again; 32 MiB cut an import's CPU per row by ~7 % at 100,000 rows.
 */
export const SQLITE_CACHE_MB = 32

/**
 * WAL pages after which the writing connection's own COMMIT copies the WAL back into the database file, instead of
 * SQLite's 1,000 (16 MiB of our pages: less than one import chunk writes, so every commit checkpointed). A backstop: a
 * connection of its own checkpoints every second (wal-checkpointer.ts), beside the writer, and the WAL starts over
 * once it is copied. Either way index pages that every chunk touches (the learner index, interior pages, the job's
 * row) reach the database file once per several commits, not at each: 6,160 -> 7,043 rows/s importing 1,000,000 rows;
 * the checkpointer beside the writer then 6,691 -> 7,141 (bench/README.md). The WAL file stays under about this size (160
 * MiB) plus a transaction, and is removed when the database is closed.
 */
export const SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000

export async function openDataSource(db: DbConfig, role: DatabaseRole): Promise<DataSource> {
  const common = {
    entities: role === 'issuer' ? veramoEntities : [],
    migrations: migrationsFor(role),
    migrationsTableName: role === 'issuer' ? 'migrations' : 'cb_verifier_migrations',
    migrationsRun: true,
    synchronize: false,
    logging: false,
  } as const
  let ds: DataSource
  if (db.type === 'sqlite') {
    if (db.database !== ':memory:') {
      prepareSqliteFile(db.database)
      await choosePageSize(db.database)
    }
    ds = new DataSource({
      type: 'sqlite',
      driver: quietSqlite,
      database: db.database,
      enableWAL: db.database !== ':memory:',
      busyTimeout: 10_000,
      ...common,
    })
  } else {
    ds = new DataSource({ type: 'postgres', url: db.url, ...common, extra: { max: 10 } })
  }
  await ds.initialize()
  // typeorm's SQLite driver holds one connection, so a PRAGMA holds for every query after it.
  if (db.type === 'sqlite') {
    await ds.query(`PRAGMA cache_size = -${(db.cacheMb ?? SQLITE_CACHE_MB) * 1024}`)
    await ds.query(`PRAGMA wal_autocheckpoint = ${SQLITE_WAL_AUTOCHECKPOINT_PAGES}`)
    if (db.database !== ':memory:') {
      // Closed before the data source's own connection (the last to close checkpoints what is left and removes the WAL).
      const checkpointer = await startWalCheckpointer(db.database)
      const destroy = ds.destroy.bind(ds)
      ds.destroy = async () => {
        await checkpointer.close()
        await destroy()
      }
    }
  }
  return ds
}

/**
 * The SQLite files hold learners' personal data and API token hashes: a directory we create is 0700, the database
 * file is created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the database file's mode), and
 * files an older version left group- or world-readable are narrowed to 0600.
 */
export function prepareSqliteFile(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  closeSync(openSync(file, 'a', 0o600))
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(f) && (statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600)
  }
}

/**
 * SQLite's page size for a new database file, in bytes, instead of its default 4096: a stored credential (a vc+jwt of
 * ~4 KB) fits in one 16 KiB page with others instead of spilling into an overflow page of its own, and an import's chunk
 * writes fewer, fuller pages — SQLite's work per imported row −15 % (200,000 rows). An existing file keeps its size (a
 * WAL database cannot change it).
 */
export const SQLITE_PAGE_SIZE = 16384

/** Sets the page size of a database file that is still empty, before anything (typeorm's WAL switch first) writes it. */
async function choosePageSize(file: string): Promise<void> {
  if (statSync(file).size > 0) return
  await new Promise<void>((resolve, reject) => {
    const db = new sqlite3.Database(file, (err) => {
      if (err) return reject(err)
      db.exec(`PRAGMA page_size = ${SQLITE_PAGE_SIZE}; PRAGMA journal_mode = WAL;`, (execErr) =>
        db.close((closeErr) => {
          const failed = execErr ?? closeErr
          if (failed) reject(failed)
          else resolve()
        }),
      )
    })
  })
}

/** For `/readyz`: a cheap round trip. */
export async function pingDatabase(ds: DataSource): Promise<boolean> {
  try {
    await ds.query('SELECT 1')
    return true
  } catch {
    return false
  }
}
