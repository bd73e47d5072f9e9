// Issue 7 item 8: the hash-chained audit trail — entries for today's state changes, in the changes' transactions,
// never forked by concurrent appends, tampering and deletion found by `audit verify` (in process and as the CLI).
import assert from 'node:assert/strict'
import type { DataSource } from 'typeorm'
import { openDataSource } from '../../core/store/data-source.ts'
import { sql, transaction } from '../../core/store/sql.ts'
import { AuditStore } from '../../issuer/audit/audit-store.ts'
import { AUDIT_GENESIS_HASH, maskPersonalData, MASK, record, verifyAuditTrail, type AuditView } from '../../issuer/audit/audit-trail.ts'
import { createApiClient, revokeApiClient } from '../../issuer/clients/api-clients.ts'
import { buildClientCredential } from '../../fixtures/builders.ts'
import { runCli } from '../../fixtures/processes.ts'
import { assertProblem, auth, issue, setStatus, startTestSystem, TEST_KMS_SECRET, type TestSystem } from '../../fixtures/test-system.ts'

const dbName = process.env.CB_TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite'

describe(`audit trail on ${dbName} (issue 7 item 8)`, function () {
  this.timeout(60_000)
  let sys: TestSystem
  let adminToken: string
  beforeEach(async () => {
    sys = await startTestSystem()
    adminToken = (await createApiClient(sys.issuer.ds, sys.clock, { name: 'auditor', scopes: ['admin'] })).token
  })
  afterEach(async () => sys?.close())

  const getAudit = async (query: string, token = adminToken) => {
    const res = await fetch(`${sys.issuerUrl}/audit${query}`, { headers: auth(token) })
    return { status: res.status, headers: res.headers, body: (await res.json()) as { entries: AuditView[]; next: number | null } }
  }
  /** Every entry, read page by page through GET /audit. */
  const allEntries = async (limit = 3): Promise<AuditView[]> => {
    const out: AuditView[] = []
    for (let after: number | null = 0; after !== null;) {
      const page = await getAudit(`?after=${after}&limit=${limit}`)
      assert.equal(page.status, 200, JSON.stringify(page.body))
      out.push(...page.body.entries)
      after = page.body.next
    }
    return out
  }
  const count = () => new AuditStore(sys.issuer.ds).count()
  const cliEnv = (): Record<string, string> => ({
    CB_DATA_DIR: sys.config.dataDir,
    CB_KMS_SECRET_KEY: TEST_KMS_SECRET,
    ...(process.env.CB_TEST_DATABASE_URL ? { CB_DATABASE_URL: process.env.CB_TEST_DATABASE_URL } : {}),
  })

  it('when credentials are issued (one and a batch), a status changes and a client is created and revoked, then each has its entry, in order and chained', async () => {
    const single = await issue(sys, buildClientCredential(sys.did, { id: 'urn:credit-bank:test:one' }))
    assert.equal(single.status, 201)
    const batch = await sys.issuer.issuer.issueMany(
      [1, 2, 3].map((n) => ({ credential: buildClientCredential(sys.did, { id: `urn:credit-bank:test:batch-${n}` }) })),
      sys.clientId,
    )
    assert.equal(batch.length, 3)
    assert.equal((await setStatus(sys, 'urn:credit-bank:test:one', 'revocation')).status, 200)
    assert.equal((await setStatus(sys, 'urn:credit-bank:test:one', 'revocation')).status, 200, 'unchanged: no entry')
    const other = await createApiClient(sys.issuer.ds, sys.clock, { name: 'other', scopes: ['credentials:issue'] })
    sys.clock.advance(1)
    assert.equal(await revokeApiClient(sys.issuer.ds, sys.clock, other.id), true)
    assert.equal(await revokeApiClient(sys.issuer.ds, sys.clock, other.id), true, 'already revoked: no entry')

    const entries = await allEntries()
    assert.deepEqual(
      entries.map((e) => [e.seq, e.action, e.subject.type, e.subject.id]),
      [
        [1, 'api_client_created', 'api_client', sys.clientId],
        [2, 'api_client_created', 'api_client', entries[1]!.subject.id],
        [3, 'credential_issued', 'credential', 'urn:credit-bank:test:one'],
        [4, 'credential_issued', 'credential', 'urn:credit-bank:test:batch-1'],
        [5, 'credential_issued', 'credential', 'urn:credit-bank:test:batch-2'],
        [6, 'credential_issued', 'credential', 'urn:credit-bank:test:batch-3'],
        [7, 'credential_status_changed', 'credential', 'urn:credit-bank:test:one'],
        [8, 'api_client_created', 'api_client', other.id],
        [9, 'api_client_revoked', 'api_client', other.id],
      ],
    )
    assert.deepEqual(entries[2]!.actor, { type: 'api_client', id: sys.clientId })
    assert.deepEqual(entries[0]!.actor, { type: 'system', id: 'cli' })
    assert.deepEqual([entries[6]!.before, entries[6]!.after], [{ revocation: false }, { revocation: true }])
    assert.deepEqual(entries[7]!.after, { name: 'other', namespace: 'other', scopes: ['credentials:issue'], institutionId: null })
    assert.deepEqual(entries[8]!.after, { revokedAt: '2026-03-01T08:00:01.000Z' })
    assert.equal(entries[0]!.prevHash, AUDIT_GENESIS_HASH)
    for (let i = 1; i < entries.length; i++) assert.equal(entries[i]!.prevHash, entries[i - 1]!.hash, `entry ${i + 1} chains`)
    assert.equal(new Set(entries.map((e) => e.hash)).size, entries.length)
    assert.deepEqual(await verifyAuditTrail(sys.issuer.ds), { ok: true, count: 9 })
    assert.deepEqual(await verifyAuditTrail(sys.issuer.ds, 2), { ok: true, count: 9 }, 'the same across page boundaries')
  })

  it('when the trail is read without the admin scope or with a bad page, then it is refused; the last page says next: null', async () => {
    assertProblem(await getAudit('', sys.token), 403, 'forbidden')
    assertProblem(await getAudit('?limit=0'), 400, 'invalid_request')
    assertProblem(await getAudit('?limit=1001'), 400, 'invalid_request')
    assertProblem(await getAudit('?after=-1'), 400, 'invalid_request')
    assertProblem(await getAudit('?from=1'), 400, 'invalid_request')
    const res = await getAudit('')
    assert.equal(res.headers.get('cache-control'), 'no-store')
    assert.deepEqual([res.body.entries.map((e) => e.seq), res.body.next], [[1, 2], null])
    assert.deepEqual((await getAudit('?after=1&limit=1')).body, { entries: [res.body.entries[1]], next: null })
  })

  it('when a transaction with an entry rolls back (or an issuance fails), then the trail keeps no entry of it', async () => {
    const before = await count()
    await assert.rejects(
      transaction(sys.issuer.ds, async (m) => {
        await record(m, {
          at: sys.clock(),
          actor: { type: 'system', id: 'test' },
          action: 'test_rolled_back',
          subject: { type: 'test', id: '1' },
        })
        throw new Error('roll back')
      }),
      /roll back/,
    )
    assert.equal((await issue(sys, buildClientCredential(sys.did, { id: 'urn:credit-bank:test:dup' }))).status, 201)
    const dup = await issue(sys, buildClientCredential(sys.did, { id: 'urn:credit-bank:test:dup' }))
    assertProblem(dup, 409, 'duplicate_credential')
    assert.equal(await count(), before + 1)
    assert.deepEqual(await verifyAuditTrail(sys.issuer.ds), { ok: true, count: before + 1 })
    // The next append continues the chain from the committed head, not from the rolled-back entry.
    await transaction(sys.issuer.ds, (m) =>
      record(m, { at: sys.clock(), actor: { type: 'system', id: 'test' }, action: 'test_committed', subject: { type: 'test', id: '2' } }),
    )
    assert.deepEqual(await verifyAuditTrail(sys.issuer.ds), { ok: true, count: before + 2 })
  })

  it('when entries are appended concurrently (two connection pools on PostgreSQL; SQLite serializes its writers), then the chain never forks', async () => {
    const pools: DataSource[] = [sys.issuer.ds]
    if (process.env.CB_TEST_DATABASE_URL) pools.push(await openDataSource(sys.config.issuerDb, 'issuer'))
    try {
      const before = await count()
      const appends = 40
      await Promise.all(
        Array.from({ length: appends }, (_, i) =>
          transaction(pools[i % pools.length]!, async (m) => {
            await record(m, {
              at: sys.clock(),
              actor: { type: 'system', id: `pool-${i % 2}` },
              action: 'test_append',
              subject: { type: 'test', id: String(i) },
            })
            // Hold the transaction a little so the other pool's appends queue behind the head lock.
            await new Promise((r) => setTimeout(r, 2))
          }),
        ),
      )
      assert.deepEqual(await verifyAuditTrail(sys.issuer.ds), { ok: true, count: before + appends })
      const ids = (await allEntries(1000)).filter((e) => e.action === 'test_append').map((e) => Number(e.subject.id))
      assert.deepEqual(
        [...ids].sort((a, b) => a - b),
        Array.from({ length: appends }, (_, i) => i),
      )
    } finally {
      for (const p of pools.slice(1)) await p.destroy()
    }
  })

  // Tampering is simulated with raw SQL, the one place a test writes to cb_audit behind the store (the point is that
  // someone with database access did it).
  const COLUMNS = [
    'at',
    'actor_type',
    'actor_id',
    'actor_name',
    'action',
    'subject_type',
    'subject_id',
    'before_json',
    'after_json',
    'prev_hash',
    'hash',
  ]

  it('when any column of an entry is edited in the database, then `audit verify` names that entry', async () => {
    await revokeApiClient(sys.issuer.ds, sys.clock, sys.clientId) // entry 3 has before and after
    const ds = sys.issuer.ds
    for (const column of COLUMNS) {
      const [row] = await sql<Record<string, unknown>>(ds, `SELECT ${column} AS v FROM cb_audit WHERE seq = 3`)
      const original = row!.v as string | null
      const forged = column.endsWith('hash') ? 'f'.repeat(64) : column.endsWith('_json') ? '{"revokedAt":"forged"}' : 'forged'
      await sql(ds, `UPDATE cb_audit SET ${column} = ? WHERE seq = 3`, [forged])
      const result = await verifyAuditTrail(ds)
      const reason = column === 'prev_hash' ? 'prev_hash_mismatch' : 'hash_mismatch'
      assert.deepEqual(
        result.ok ? result : { seq: result.seq, reason: result.reason, count: result.count },
        { seq: 3, reason, count: 2 },
        column,
      )
      await sql(ds, `UPDATE cb_audit SET ${column} = ? WHERE seq = 3`, [original])
      assert.deepEqual(await verifyAuditTrail(ds), { ok: true, count: 3 }, `${column} restored`)
    }
    // Renumbering an entry leaves its seq missing.
    await sql(ds, 'UPDATE cb_audit SET seq = 30 WHERE seq = 2')
    assert.deepEqual(pick(await verifyAuditTrail(ds)), { seq: 2, reason: 'gap' })
  })

  it('when an entry is deleted, in the middle or at the end, then `audit verify` reports the gap', async () => {
    const ds = sys.issuer.ds
    await revokeApiClient(sys.issuer.ds, sys.clock, sys.clientId)
    await sql(ds, 'DELETE FROM cb_audit WHERE seq = 3')
    assert.deepEqual(pick(await verifyAuditTrail(ds)), { seq: 3, reason: 'gap' }, 'the last entry')
    await sql(ds, 'DELETE FROM cb_audit WHERE seq = 1')
    assert.deepEqual(pick(await verifyAuditTrail(ds)), { seq: 1, reason: 'gap' }, 'the first entry')
  })

  it('when `credit-bank audit verify` runs as a process, then it says OK with the count, or names the first broken entry and exits 1', async () => {
    await revokeApiClient(sys.issuer.ds, sys.clock, sys.clientId)
    const ok = await runCli(['audit', 'verify'], cliEnv())
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, /^审计链完好 \/ audit trail OK: 3 entries\n$/)
    const okJson = await runCli(['audit', 'verify', '--json'], cliEnv())
    assert.deepEqual([okJson.code, JSON.parse(okJson.stdout)], [0, { ok: true, count: 3 }])

    await sql(sys.issuer.ds, "UPDATE cb_audit SET actor_id = 'someone-else' WHERE seq = 2")
    const broken = await runCli(['audit', 'verify', '--json'], cliEnv())
    assert.equal(broken.code, 1, broken.stderr)
    assert.deepEqual(pick(JSON.parse(broken.stdout) as { ok: boolean; seq: number; reason: string }), { seq: 2, reason: 'hash_mismatch' })
    const human = await runCli(['audit', 'verify'], cliEnv())
    assert.equal(human.code, 1)
    assert.match(human.stdout, /audit trail BROKEN at entry 2: hash_mismatch/)
    const bad = await runCli(['audit', 'check'], cliEnv())
    assert.equal(bad.code, 2)
  })
})

describe('audit trail: masking personal data', () => {
  it('when before/after carry personal data at any depth, then it is masked and everything else kept, the value itself unchanged', () => {
    const value = {
      name: 'Registrar',
      learner: { fullName: '张三', idNumber: '320102…', credits: 3 },
      list: [{ email: 'a@b' }],
      credentials: [{ id: 'urn:uuid:1', statusIndex: 3 }],
    }
    const before = structuredClone(value)
    const masked = maskPersonalData(value) as typeof value
    assert.deepEqual(masked, {
      name: 'Registrar',
      learner: { fullName: MASK, idNumber: MASK, credits: 3 },
      list: [{ email: MASK }],
      credentials: [{ id: 'urn:uuid:1', statusIndex: 3 }],
    })
    assert.deepEqual(value, before, 'the value given is not changed')
    assert.equal(masked.credentials, value.credentials, 'a part with nothing to mask is not copied')
    // A member named __proto__ (JSON.parse makes one) is masked as a member, never set as the copy's prototype.
    const proto = maskPersonalData(JSON.parse('{"__proto__":{"email":"a@b"},"id":1}'))
    assert.equal(Object.getPrototypeOf(proto), Object.prototype)
    assert.equal(JSON.stringify(proto), '{"__proto__":{"email":"[masked]"},"id":1}')
  })
})

const pick = (r: { ok?: boolean; seq?: number; reason?: string }) => (r.ok ? r : { seq: r.seq, reason: r.reason })
