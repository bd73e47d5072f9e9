// The stores, each the only SQL over its tables, against a real database: SQLite, and the PostgreSQL of
// CB_TEST_DATABASE_URL when it is set. Typed records in and out, conditional writes, locks and transactions that
// span stores.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import sqlite3 from 'sqlite3'
import type { DataSource } from 'typeorm'
import { fixedClock } from '../../core/clock.ts'
import { AppError } from '../../core/errors.ts'
import { openDataSource, SQLITE_PAGE_SIZE, SQLITE_WAL_AUTOCHECKPOINT_PAGES, type DatabaseRole } from '../../core/store/data-source.ts'
import { insertRows, isUniqueViolation, MAX_PARAMETERS, sql, transaction } from '../../core/store/sql.ts'
import { MIN_STATUS_LIST_SIZE } from '../../core/status/bitstring.ts'
import { IndexPermutation } from '../../core/status/permutation.ts'
import { RateLimitStore } from '../../http/rate-limit-store.ts'
import { AuditStore, type AuditRecord } from '../../issuer/audit/audit-store.ts'
import { ApiClientStore } from '../../issuer/clients/api-client-store.ts'
import { CredentialStore, type NewCredential } from '../../issuer/credentials/credential-store.ts'
import { ownedCredential } from '../../issuer/credentials/ownership.ts'
import { OutcomeStore, type OutcomeRecord } from '../../issuer/recognition/outcome-store.ts'
import { StatusListStore } from '../../issuer/status/status-list-store.ts'
import { ChallengeStore } from '../../verifier/challenge-store.ts'
import { resetPostgres } from '../../fixtures/test-system.ts'

const NOW = new Date('2026-03-01T08:00:00.000Z')

interface Database {
  readonly name: string
  /** A fresh, migrated database for `role`; `close` drops what `open` made. */
  open(role: DatabaseRole): Promise<{ ds: DataSource; close(): Promise<void> }>
}

const DATABASES: Database[] = [
  {
    name: 'SQLite',
    async open(role) {
      const dir = mkdtempSync(path.join(tmpdir(), 'credit-bank-stores-'))
      const ds = await openDataSource({ type: 'sqlite', database: path.join(dir, `${role}.sqlite`) }, role)
      return {
        ds,
        async close() {
          await ds.destroy()
          rmSync(dir, { recursive: true, force: true })
        },
      }
    },
  },
]
const pg = process.env.CB_TEST_DATABASE_URL
if (pg) {
  DATABASES.push({
    name: 'PostgreSQL',
    async open(role) {
      await resetPostgres(pg)
      const ds = await openDataSource({ type: 'postgres', url: pg }, role)
      return { ds, close: () => ds.destroy() }
    },
  })
}

/** A credential in slot `index` of list `listId`, at the same position of the list's walk (unique per list). */
const credential = (id: string, listId: number, index: number, clientId: string | null = 'client-a'): NewCredential => ({
  id,
  issuer: 'did:web:bank.example',
  types: ['VerifiableCredential'],
  subject: 'did:key:z6MkLearner',
  format: 'vc+jwt',
  document: `eyJ.${id}.sig`,
  slot: { listId, index, position: index },
  clientId,
  issuedAt: NOW,
})

/** A learner's pending deposit outcome (no institution, no catalogue entry), created at `createdAt`. */
const outcomeAt = (id: string, idHash: string, createdAt: string): OutcomeRecord => ({
  id,
  source: 'deposit',
  institutionId: null,
  recordKey: null,
  importJobId: null,
  depositId: `deposit-${id}`,
  idHash,
  identityObject: {
    type: 'IdentityObject',
    hashed: true,
    identityHash: `sha256$${'0'.repeat(64)}`,
    identityType: 'nationalIdNumber',
    salt: 'salt',
  },
  catalogueEntryId: null,
  claim: { name: { zh: '课程', en: 'Course' }, issuerName: 'A University', category: 'academic', level: 5, field: '0812', credits: 2 },
  creditsCenti: 200,
  result: null,
  awardedDate: '2025-12-01',
  term: null,
  activityStartDate: null,
  activityEndDate: null,
  state: 'pending',
  reasonZh: null,
  reasonEn: null,
  referredBy: null,
  referredAt: null,
  decidedBy: null,
  decidedAt: null,
  credentialId: null,
  createdAt,
  updatedAt: createdAt,
})

/** The error `fn` rejects with (fails if it resolves). */
async function rejection(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn()
  } catch (err) {
    return err
  }
  assert.fail('expected a rejection')
}

for (const db of DATABASES) {
  describe(`stores on ${db.name}`, () => {
    describe('issuer: CredentialStore, StatusListStore, ownership', () => {
      let ds: DataSource
      let close: () => Promise<void>
      before(async () => ({ ds, close } = await db.open('issuer')))
      after(() => close())

      it('when a status list is created and advanced, then the newest list, its counter and the positions taken read back as records', async () => {
        const lists = new StatusListStore(ds)
        assert.equal(await lists.newest(), undefined)
        assert.equal(await lists.positionsTaken(), 0)
        const one = await lists.create({ id: 1, size: 131072, permutationKey: 'ab'.repeat(32), createdAt: NOW })
        assert.deepEqual(one, { id: 1, size: 131072, nextPosition: 0, permutationKey: 'ab'.repeat(32), version: 0 })
        await lists.create({ id: 2, size: 131072, permutationKey: 'cd'.repeat(32), createdAt: NOW })
        await lists.setNextPosition(1, 131072)
        await lists.setNextPosition(2, 5)
        assert.deepEqual(await lists.newest(), { id: 2, size: 131072, nextPosition: 5, permutationKey: 'cd'.repeat(32), version: 0 })
        assert.deepEqual(await lists.find(1), { id: 1, size: 131072, nextPosition: 131072, permutationKey: 'ab'.repeat(32), version: 0 })
        assert.equal(await lists.find(3), undefined)
        assert.equal(await lists.positionsTaken(), 131077)
        assert.ok(
          isUniqueViolation(await rejection(() => lists.create({ id: 2, size: 131072, permutationKey: 'ef'.repeat(32), createdAt: NOW }))),
          'a list id is created once',
        )
      })

      it('when credentials are inserted, then they read back with their slot, status bits and owner, and ids or slots taken twice are unique violations', async () => {
        const store = new CredentialStore(ds)
        await store.insert([credential('urn:uuid:c1', 1, 10), credential('urn:uuid:c2', 1, 11, null)])
        assert.deepEqual(await store.find('urn:uuid:c1'), {
          id: 'urn:uuid:c1',
          format: 'vc+jwt',
          document: 'eyJ.urn:uuid:c1.sig',
          slot: { listId: 1, index: 10 },
          revoked: false,
          suspended: false,
          clientId: 'client-a',
        })
        assert.equal((await store.find('urn:uuid:c2'))?.clientId, null)
        assert.equal(await store.find('urn:uuid:none'), undefined)
        assert.ok(isUniqueViolation(await rejection(() => store.insert([credential('urn:uuid:c1', 1, 12)]))), 'the same id')
        assert.ok(
          isUniqueViolation(await rejection(() => store.insert([credential('urn:uuid:c3', 1, 10)]))),
          'the same slot (its position)',
        )
        assert.equal(await store.count(), 2)
      })

      it('when credentials share some columns and not others, then each reads back whole (shared values bound once, nulls, integers)', async () => {
        // One statement: issuer, types, format and time shared; id, document and index per row; list, subject and owner
        // shared by some rows only (nulls among the values).
        const rows = Array.from({ length: 7 }, (_, i) => ({
          ...credential(`urn:uuid:rows-${i}`, i < 3 ? 7 : 7 + (i % 2), 500 + i, i === 4 ? null : 'client-a'),
          subject: i === 5 ? 'did:key:z6MkOther' : null,
        }))
        await new CredentialStore(ds).insert(rows)
        const stored = (await ds.query(
          `SELECT id, issuer, types, subject, format, document, status_list_id, status_index, client_id, issued_at, revoked FROM cb_credential WHERE id LIKE 'urn:uuid:rows-%' ORDER BY id`,
        )) as Record<string, unknown>[]
        assert.deepEqual(
          stored.map((r) => ({ ...r, revoked: Number(r.revoked) })),
          rows.map((c) => ({
            id: c.id,
            issuer: c.issuer,
            types: '["VerifiableCredential"]',
            subject: c.subject,
            format: 'vc+jwt',
            document: c.document,
            // Integers on both databases (the CAST: PostgreSQL types a VALUES list's parameters as text).
            status_list_id: c.slot.listId,
            status_index: c.slot.index,
            client_id: c.clientId,
            issued_at: NOW.toISOString(),
            revoked: 0,
          })),
        )
        await ds.query(`DELETE FROM cb_credential WHERE id LIKE 'urn:uuid:rows-%'`) // the later tests count this table
      })

      it('when insertRows splits rows into statements, then a statement of rows sharing a column, one of rows sharing none and a single row all land', async () => {
        // cb_rate_limit (bucket, window_start, count): statements of 2 rows — one bucket twice, two buckets, one row.
        const rows = [
          ['insert-rows-a', 1, 5],
          ['insert-rows-a', 2, 5],
          ['insert-rows-b', 3, 6],
          ['insert-rows-c', 4, 7],
          ['insert-rows-d', 5, 8],
        ]
        await transaction(ds, (m) =>
          insertRows(m, 'cb_rate_limit', ['bucket', 'window_start', 'count'], rows, {
            rowsPerStatement: 2,
            integers: ['window_start', 'count'],
          }),
        )
        const stored = (await ds.query(
          `SELECT bucket, window_start, count FROM cb_rate_limit WHERE bucket LIKE 'insert-rows-%' ORDER BY window_start`,
        )) as { bucket: string; window_start: number; count: number }[]
        assert.deepEqual(
          stored.map((r) => [r.bucket, r.window_start, r.count]),
          rows,
        )
        await ds.query(`DELETE FROM cb_rate_limit WHERE bucket LIKE 'insert-rows-%'`)
      })

      it('when rows need more parameters than one statement may bind, then insertRows splits them by its budget and all land', async () => {
        // 11,000 rows of three columns that all differ: 33,000 parameters, over MAX_PARAMETERS (and SQLite's 32,766).
        const rows = Array.from({ length: 11_000 }, (_, i) => [`budget-${i}`, i, i % 7])
        assert.ok(rows.length * 3 > MAX_PARAMETERS)
        await transaction(ds, (m) =>
          insertRows(m, 'cb_rate_limit', ['bucket', 'window_start', 'count'], rows, { integers: ['window_start', 'count'] }),
        )
        const [stored] = (await ds.query(
          `SELECT COUNT(*) AS n, SUM(window_start) AS s FROM cb_rate_limit WHERE bucket LIKE 'budget-%'`,
        )) as { n: number | string; s: number | string }[]
        assert.deepEqual([Number(stored!.n), Number(stored!.s)], [11_000, (10_999 * 11_000) / 2])
        await ds.query(`DELETE FROM cb_rate_limit WHERE bucket LIKE 'budget-%'`)
      })

      it('when more ids are asked for than one query takes, then existingIds and findMany answer over all of them', async () => {
        const store = new CredentialStore(ds)
        const batch = Array.from({ length: 250 }, (_, i) => credential(`urn:uuid:batch-${i}`, 2, 1000 + i))
        await store.insert(batch)
        const asked = [...Array.from({ length: 600 }, (_, i) => `urn:uuid:unknown-${i}`), 'urn:uuid:batch-0', 'urn:uuid:batch-249']
        assert.deepEqual((await store.existingIds(asked)).sort(), ['urn:uuid:batch-0', 'urn:uuid:batch-249'])
        assert.deepEqual((await store.findMany(asked)).map((c) => `${c.id} ${c.slot.listId}/${c.slot.index}`).sort(), [
          'urn:uuid:batch-0 2/1000',
          'urn:uuid:batch-249 2/1249',
        ])
        assert.equal((await store.findMany(batch.map((c) => c.id))).length, 250)
      })

      it('when status bits are set and cleared, then the set indices per list and purpose and the revoked count follow', async () => {
        const store = new CredentialStore(ds)
        await store.setStatus('urn:uuid:c1', 'revocation', true)
        await store.setStatus('urn:uuid:c2', 'suspension', true)
        await store.setStatus('urn:uuid:batch-7', 'suspension', true)
        assert.deepEqual(await store.setIndices(1, 'revocation'), [10])
        assert.deepEqual(await store.setIndices(1, 'suspension'), [11])
        assert.deepEqual(await store.setIndices(2, 'suspension'), [1007])
        await store.setStatus('urn:uuid:c2', 'suspension', false)
        assert.deepEqual(await store.setIndices(1, 'suspension'), [])
        assert.deepEqual(await store.find('urn:uuid:c1').then((c) => [c?.revoked, c?.suspended]), [true, false])
        assert.equal(await store.count({ revoked: true }), 1)
        assert.equal(await store.count({ revoked: false }), 251)
      })

      it('when credentials are reassigned by id prefix, then only ids starting with it move (no LIKE wildcards)', async () => {
        const store = new CredentialStore(ds)
        await store.insert([
          credential('urn:credit-bank:x%_:1', 3, 1, 'old'),
          credential('urn:credit-bank:xyz:2', 3, 2, 'old'),
          credential('urn:credit-bank:x%_', 3, 3, 'old'),
        ])
        await store.reassign('urn:credit-bank:x%_:', 'new')
        assert.deepEqual(
          (await store.findMany(['urn:credit-bank:x%_:1', 'urn:credit-bank:xyz:2', 'urn:credit-bank:x%_']))
            .map((c) => `${c.id} ${c.clientId}`)
            .sort(),
          ['urn:credit-bank:x%_ old', 'urn:credit-bank:x%_:1 new', 'urn:credit-bank:xyz:2 old'],
        )
      })

      it('when a transaction spanning both stores fails, then neither the new list nor the credentials are kept; when it commits, both are', async () => {
        const err = await rejection(() =>
          transaction(ds, async (m) => {
            const list = await new StatusListStore(m).create({ id: 9, size: 131072, permutationKey: '01'.repeat(32), createdAt: NOW })
            await new CredentialStore(m).insert([credential('urn:uuid:tx-1', list.id, 1)])
            assert.notEqual(await new CredentialStore(m).find('urn:uuid:tx-1', { lock: true }), undefined, 'visible inside the transaction')
            throw new Error('crash before commit')
          }),
        )
        assert.equal((err as Error).message, 'crash before commit')
        assert.equal(await new StatusListStore(ds).find(9), undefined)
        assert.equal(await new CredentialStore(ds).find('urn:uuid:tx-1'), undefined)
        await transaction(ds, async (m) => {
          const lists = new StatusListStore(m)
          const newest = await lists.newest({ lock: true })
          await lists.setNextPosition(newest!.id, newest!.nextPosition + 1)
          await new CredentialStore(m).insert([credential('urn:uuid:tx-2', newest!.id, 42)])
        })
        assert.equal((await new StatusListStore(ds).newest())?.nextPosition, 6)
        assert.deepEqual((await new CredentialStore(ds).find('urn:uuid:tx-2'))?.slot, { listId: 2, index: 42 })
      })

      it('when a client asks for a credential, then its own and (for an admin) any credential is answered, another client’s is not_found like an unknown id', async () => {
        const store = new CredentialStore(ds)
        assert.equal((await ownedCredential(store, 'urn:uuid:c1', { clientId: 'client-a', admin: false })).id, 'urn:uuid:c1')
        assert.equal((await ownedCredential(store, 'urn:uuid:c1', { clientId: 'admin-client', admin: true })).id, 'urn:uuid:c1')
        assert.equal(
          (await ownedCredential(store, 'urn:uuid:c2', { clientId: 'admin-client', admin: true })).id,
          'urn:uuid:c2',
          'an admin also reaches credentials without an owner',
        )
        const other = await rejection(() => ownedCredential(store, 'urn:uuid:c1', { clientId: 'client-b', admin: false }))
        const unknown = await rejection(() => ownedCredential(store, 'urn:uuid:none', { clientId: 'client-a', admin: false }))
        const ownerless = await rejection(() => ownedCredential(store, 'urn:uuid:c2', { clientId: 'client-a', admin: false }))
        for (const e of [other, unknown, ownerless]) {
          assert.ok(e instanceof AppError)
          assert.equal(e.code, 'not_found')
          assert.equal(e.message, (unknown as AppError).message, 'the same answer: nothing tells which ids exist')
        }
      })

      it('when signed lists are saved, then a newer version replaces an older one, an older never replaces a newer, and a row without its JSON form is completed at the same version', async () => {
        const lists = new StatusListStore(ds)
        assert.equal(await lists.signed(1, 'revocation'), undefined)
        await lists.bumpVersion(1)
        await lists.bumpVersion(1)
        assert.equal((await lists.find(1))?.version, 2)
        await lists.saveSigned({ listId: 1, purpose: 'revocation', version: 2, jwt: 'jwt-2', ldDocument: '{"v":2}' })
        await lists.saveSigned({ listId: 1, purpose: 'revocation', version: 1, jwt: 'jwt-1', ldDocument: '{"v":1}' })
        await lists.saveSigned({ listId: 1, purpose: 'revocation', version: 2, jwt: 'jwt-2b', ldDocument: '{"v":"2b"}' })
        assert.deepEqual(await lists.signed(1, 'revocation'), {
          listId: 1,
          purpose: 'revocation',
          version: 2,
          jwt: 'jwt-2',
          ldDocument: '{"v":2}',
        })
        assert.equal(await lists.signed(1, 'suspension'), undefined, 'purposes are kept apart')
        await lists.dropJsonForms(1)
        assert.equal((await lists.signed(1, 'revocation'))?.ldDocument, null)
        await lists.saveSigned({ listId: 1, purpose: 'revocation', version: 2, jwt: 'jwt-2c', ldDocument: '{"v":"2c"}' })
        assert.deepEqual(await lists.signed(1, 'revocation'), {
          listId: 1,
          purpose: 'revocation',
          version: 2,
          jwt: 'jwt-2c',
          ldDocument: '{"v":"2c"}',
        })
        await lists.saveSigned({ listId: 1, purpose: 'revocation', version: 3, jwt: 'jwt-3', ldDocument: '{"v":3}' })
        assert.equal((await lists.signed(1, 'revocation'))?.jwt, 'jwt-3')
      })
    })

    describe('issuer: the status slot position and the learner index (migration 1797500000000)', () => {
      let ds: DataSource
      let close: () => Promise<void>
      before(async () => ({ ds, close } = await db.open('issuer')))
      after(() => close())

      const key = 'ab'.repeat(32)
      const walk = new IndexPermutation(key, MIN_STATUS_LIST_SIZE)
      /** A credential row as the code before the migration wrote it: a slot, no position. */
      const issuedBefore = (id: string, position: number) =>
        sql(
          ds,
          `INSERT INTO cb_credential (id, issuer, types, format, document, status_list_id, status_index, issued_at)
           VALUES (?, 'did:web:bank.example', '["VerifiableCredential"]', 'vc+jwt', 'eyJ', 1, ?, ?)`,
          [id, walk.at(position), NOW.toISOString()],
        )

      it('when credentials were issued before it, then each gets its position in its list’s walk (a slot the list never handed out stops it, changing nothing), and a position taken twice is a unique violation', async () => {
        const lists = new StatusListStore(ds)
        await lists.create({ id: 1, size: MIN_STATUS_LIST_SIZE, permutationKey: key, createdAt: NOW })
        await lists.setNextPosition(1, 3)
        await ds.undoLastMigration()
        for (const p of [2, 0, 1]) await issuedBefore(`urn:uuid:p${p}`, p)
        await issuedBefore('urn:uuid:never', 5)
        const stopped = await rejection(() => ds.runMigrations())
        assert.match((stopped as Error).message, /credential urn:uuid:never holds status slot 1\/\d+, which its list never handed out/)
        assert.equal(await ds.showMigrations(), true, 'the migration is still to run')
        await sql(ds, 'DELETE FROM cb_credential WHERE id = ?', ['urn:uuid:never'])
        await ds.runMigrations()
        const rows = await sql<{ id: string; status_position: number | string }>(
          ds,
          'SELECT id, status_position FROM cb_credential ORDER BY id',
        )
        assert.deepEqual(
          rows.map((r) => [r.id, Number(r.status_position)]),
          [
            ['urn:uuid:p0', 0],
            ['urn:uuid:p1', 1],
            ['urn:uuid:p2', 2],
          ],
        )
        const store = new CredentialStore(ds)
        const at = (id: string, position: number): NewCredential => ({
          ...credential(id, 1, walk.at(3)),
          slot: { listId: 1, index: walk.at(3), position },
        })
        assert.ok(isUniqueViolation(await rejection(() => store.insert([at('urn:uuid:p3', 1)]))), 'position 1 again')
        await store.insert([at('urn:uuid:p3', 3)])
        assert.deepEqual((await store.find('urn:uuid:p3'))?.slot, { listId: 1, index: walk.at(3) })
      })

      it('when two learners’ keyed hashes share their first 8 hex digits, then each one’s outcomes are theirs alone, newest first, page by page', async () => {
        const outcomes = new OutcomeStore(ds)
        const learner = (n: number) => `0123abcd${String(n).repeat(56)}`
        const rows = [
          outcomeAt('o1', learner(1), '2026-01-01T00:00:00.000Z'),
          outcomeAt('o2', learner(2), '2026-01-02T00:00:00.000Z'),
          outcomeAt('o3', learner(1), '2026-01-03T00:00:00.000Z'),
          outcomeAt('o4', learner(1), '2026-01-03T00:00:00.000Z'),
        ]
        await outcomes.insert(rows)
        const ids = async (idHash: string, before?: { createdAt: string; id: string }) =>
          (await outcomes.listForLearner(idHash, before, 2)).map((o) => o.id)
        assert.deepEqual(await ids(learner(1)), ['o4', 'o3'])
        assert.deepEqual(await ids(learner(1), { createdAt: '2026-01-03T00:00:00.000Z', id: 'o3' }), ['o1'])
        assert.deepEqual(await ids(learner(2)), ['o2'])
        assert.deepEqual(await ids(learner(3)), [])
      })
    })

    describe('issuer: ApiClientStore and the issuer’s RateLimitStore', () => {
      let ds: DataSource
      let close: () => Promise<void>
      before(async () => ({ ds, close } = await db.open('issuer')))
      after(() => close())

      it('when clients are inserted and one revoked, then they list oldest first, the active filter and the token-hash lookup leave the revoked one out, and its first revocation date stays', async () => {
        const store = new ApiClientStore(ds)
        await store.insert({
          id: 'b',
          name: 'second',
          tokenHash: '2'.repeat(64),
          scopes: ['credentials:status'],
          institutionId: null,
          createdAt: new Date('2026-03-01T08:00:01.000Z'),
        })
        await store.insert({
          id: 'a',
          name: 'first',
          tokenHash: '1'.repeat(64),
          scopes: ['credentials:issue', 'admin'],
          institutionId: null,
          createdAt: NOW,
        })
        assert.deepEqual(await store.find('a'), {
          id: 'a',
          name: 'first',
          tokenHash: '1'.repeat(64),
          scopes: ['credentials:issue', 'admin'],
          institutionId: null,
          createdAt: NOW.toISOString(),
          lastUsedAt: null,
          revokedAt: null,
        })
        assert.equal((await store.findActiveByTokenHash('2'.repeat(64)))?.id, 'b')
        assert.ok(
          isUniqueViolation(
            await rejection(() =>
              store.insert({ id: 'c', name: 'third', tokenHash: '1'.repeat(64), scopes: ['admin'], institutionId: null, createdAt: NOW }),
            ),
          ),
          'a token hash is unique',
        )
        await store.revoke('b', new Date('2026-03-02T00:00:00.000Z'))
        await store.revoke('b', new Date('2026-03-03T00:00:00.000Z'))
        assert.equal((await store.find('b'))?.revokedAt, '2026-03-02T00:00:00.000Z')
        assert.equal(await store.findActiveByTokenHash('2'.repeat(64)), undefined)
        assert.deepEqual(
          (await store.list()).map((c) => c.id),
          ['a', 'b'],
        )
        assert.deepEqual(
          (await store.list({ active: true })).map((c) => c.id),
          ['a'],
        )
        assert.equal(await store.find('none'), undefined)
      })

      it('when last use is touched, then it is written only while the stored time is not newer than the stale bound', async () => {
        const store = new ApiClientStore(ds)
        const at = (s: string) => new Date(`2026-03-01T${s}.000Z`)
        await store.touchLastUsed('a', at('08:00:00'), at('07:59:00'))
        assert.equal((await store.find('a'))?.lastUsedAt, at('08:00:00').toISOString())
        await store.touchLastUsed('a', at('08:00:30'), at('07:59:30'))
        assert.equal((await store.find('a'))?.lastUsedAt, at('08:00:00').toISOString(), 'a fresh time is kept')
        await store.touchLastUsed('a', at('08:01:00'), at('08:00:00'))
        assert.equal((await store.find('a'))?.lastUsedAt, at('08:01:00').toISOString())
      })

      it('when hits are added to the issuer’s buckets, then each window totals every add, and old windows are pruned', async () => {
        const store = new RateLimitStore(ds, 'cb_rate_limit')
        assert.equal(await store.add('ip:a', 100, 3), 3)
        assert.equal(await store.add('ip:a', 100, 2), 5)
        assert.equal(await store.add('ip:a', 101, 1), 1)
        assert.equal(await store.add('client:x', 100, 4), 4)
        assert.equal(await store.count('ip:b', 100), 0)
        await store.pruneBefore(101)
        assert.deepEqual([await store.count('ip:a', 100), await store.count('client:x', 100), await store.count('ip:a', 101)], [0, 0, 1])
      })
    })

    describe('issuer: AuditStore', () => {
      let ds: DataSource
      let close: () => Promise<void>
      before(async () => ({ ds, close } = await db.open('issuer')))
      after(() => close())

      const entry = (seq: number, prevHash: string): AuditRecord => ({
        seq,
        at: NOW.toISOString(),
        actorType: 'system',
        actorId: 'test',
        actorName: null,
        action: 'test_action',
        subjectType: 'test',
        subjectId: String(seq),
        before: null,
        after: '{"n":1}',
        prevHash,
        hash: String(seq).padStart(64, 'a'),
      })

      it('when entries are appended, then the head moves to the last, pages read them back in seq order, and a seq taken twice is a unique violation', async () => {
        const store = new AuditStore(ds)
        assert.deepEqual(await store.head(), { seq: 0, hash: '0'.repeat(64) })
        const records = Array.from({ length: 170 }, (_, i) => entry(i + 1, i === 0 ? '0'.repeat(64) : String(i).padStart(64, 'a')))
        await transaction(ds, async (m) => {
          await new AuditStore(m).head({ lock: true })
          await new AuditStore(m).append(records)
        })
        assert.deepEqual(await store.head(), { seq: 170, hash: records[169]!.hash })
        assert.equal(await store.count(), 170)
        assert.deepEqual(await store.page(0, 2), records.slice(0, 2))
        assert.deepEqual(
          (await store.page(160, 100)).map((r) => r.seq),
          [161, 162, 163, 164, 165, 166, 167, 168, 169, 170],
        )
        assert.ok(isUniqueViolation(await rejection(() => store.append([entry(170, 'x'.repeat(64))]))))
        assert.equal(await store.count(), 170)
      })
    })

    describe('verifier: ChallengeStore and the verifier’s RateLimitStore', () => {
      let ds: DataSource
      let close: () => Promise<void>
      const clock = fixedClock(NOW.toISOString())
      before(async () => ({ ds, close } = await db.open('verifier')))
      after(() => close())

      it('when a challenge is consumed, then it is ok once with its domain, used after, expired past its lifetime, unknown when never issued, and pruned a day after expiry', async () => {
        const store = new ChallengeStore(ds, clock, 300)
        const { challenge, expiresAt } = await store.create('verifier.example')
        assert.match(challenge, /^[A-Za-z0-9_-]{43}$/)
        assert.equal(expiresAt, '2026-03-01T08:05:00.000Z')
        const plain = await store.create()
        const [a, b] = await Promise.all([store.consume(challenge), store.consume(challenge)])
        assert.deepEqual([a, b].map((r) => r.state).sort(), ['ok', 'used'], 'exactly one caller gets ok')
        assert.deepEqual(
          [a, b].find((r) => r.state === 'ok'),
          { state: 'ok', domain: 'verifier.example' },
        )
        assert.deepEqual(await store.consume('never-issued'), { state: 'unknown' })
        clock.advance(300)
        assert.deepEqual(await store.consume(plain.challenge), { state: 'expired' })
        const late = await store.create()
        clock.advance(86_401)
        await store.prune()
        assert.deepEqual(await store.consume(plain.challenge), { state: 'unknown' }, 'pruned a day after it expired')
        assert.deepEqual(await store.consume(late.challenge), { state: 'expired' }, 'expired less than a day ago: kept')
      })

      it('when hits are added to the verifier’s buckets, then its own table counts them', async () => {
        const store = new RateLimitStore(ds, 'cb_verifier_rate_limit')
        assert.equal(await store.add('ip:a', 7, 2), 2)
        assert.equal(await store.add('ip:a', 7, 2), 4)
        assert.equal(await store.count('ip:a', 7), 4)
      })
    })
  })
}

describe('SQLite files', () => {
  it('when a database file is new, then it has 16 KiB pages and WAL, checkpointed every 10,000 pages; a file made with other pages keeps them', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'credit-bank-pages-'))
    try {
      const fresh = await openDataSource({ type: 'sqlite', database: path.join(dir, 'new.sqlite') }, 'issuer')
      assert.deepEqual(await fresh.query('PRAGMA page_size'), [{ page_size: SQLITE_PAGE_SIZE }])
      assert.deepEqual(await fresh.query('PRAGMA journal_mode'), [{ journal_mode: 'wal' }])
      assert.deepEqual(await fresh.query('PRAGMA wal_autocheckpoint'), [{ wal_autocheckpoint: SQLITE_WAL_AUTOCHECKPOINT_PAGES }])
      await fresh.destroy()
      // A database an earlier version made with SQLite's default pages opens as it is.
      const old = path.join(dir, 'old.sqlite')
      await new Promise<void>((resolve, reject) => {
        const db = new sqlite3.Database(old, (err) =>
          err ? reject(err) : db.exec('CREATE TABLE t (x integer)', (e) => db.close(() => (e ? reject(e) : resolve()))),
        )
      })
      const reopened = await openDataSource({ type: 'sqlite', database: old }, 'issuer')
      assert.deepEqual(await reopened.query('PRAGMA page_size'), [{ page_size: 4096 }])
      await reopened.destroy()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('when a database file is written, then its WAL is copied back into the file by a connection of its own (not in the writer’s commits), and closing the data source closes both', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'credit-bank-wal-'))
    const file = path.join(dir, 'issuer.sqlite')
    try {
      const ds = await openDataSource({ type: 'sqlite', database: file }, 'issuer')
      const before = statSync(file).size
      // ~4 MB in 40 transactions: far under the writer's own checkpoint (10,000 pages of 16 KiB).
      for (let t = 0; t < 40; t++)
        await transaction(ds, (m) =>
          insertRows(
            m,
            'cb_rate_limit',
            ['bucket', 'window_start', 'count'],
            Array.from({ length: 100 }, (_, i) => [`wal-${t}-${i}-${'x'.repeat(1000)}`, i, 1]),
            { rowsPerStatement: 100, integers: ['window_start', 'count'] },
          ),
        )
      assert.ok(statSync(`${file}-wal`).size > 4_000_000, 'the rows are in the WAL')
      const deadline = Date.now() + 10_000
      while (statSync(file).size < before + 4_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      assert.ok(statSync(file).size >= before + 4_000_000, 'the checkpointer copied them into the database file')
      await ds.destroy()
      assert.equal(existsSync(`${file}-wal`), false, 'the last connection closed removed the WAL')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('when the recognition queue, a deposit’s outcome or a learner’s outcomes are read, then SQLite plans the store’s own query through its index', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'credit-bank-plan-'))
    const ds = await openDataSource({ type: 'sqlite', database: path.join(dir, 'issuer.sqlite') }, 'issuer')
    try {
      // The store runs on a stand-in that plans each of its queries instead of running it.
      const plans: string[] = []
      const planning = {
        options: ds.options,
        async query(text: string, params: unknown[]) {
          const rows = (await ds.query(`EXPLAIN QUERY PLAN ${text}`, params)) as { detail: string }[]
          plans.push(rows.map((r) => r.detail).join('; '))
          return []
        },
      } as unknown as DataSource
      await new OutcomeStore(planning).listInQueue('pending', undefined, 10)
      await new OutcomeStore(planning).listInQueue('referred', { createdAt: NOW.toISOString(), id: 'x' }, 10)
      await new OutcomeStore(planning).findByDeposit('deposit-1')
      await new OutcomeStore(planning).listForLearner('0123abcd'.repeat(8), undefined, 10)
      await new OutcomeStore(planning).listForLearner('0123abcd'.repeat(8), { createdAt: NOW.toISOString(), id: 'x' }, 10)
      assert.equal(plans.length, 5)
      assert.match(plans[0]!, /USING (COVERING )?INDEX cb_learning_outcome_queue\b/)
      assert.match(plans[1]!, /USING (COVERING )?INDEX cb_learning_outcome_queue\b/)
      assert.match(plans[2]!, /USING (COVERING )?INDEX cb_learning_outcome_deposit\b/)
      assert.match(plans[3]!, /USING INDEX cb_learning_outcome_learner\b/)
      assert.match(plans[4]!, /USING INDEX cb_learning_outcome_learner\b/)
    } finally {
      await ds.destroy()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
