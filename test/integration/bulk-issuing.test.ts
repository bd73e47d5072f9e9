// The bank's own bulk issuing path (CredentialIssuer.issueManyIn, as recognition's import batches use it), against a
// real database (SQLite, and the PostgreSQL of CB_TEST_DATABASE_URL): vc+jwt signed by the node's signing threads and
// verifiable, one `credentials_issued` audit entry per batch, and the `trustedShape` option validating the first
// credential of each shape — a builder whose output is malformed is still refused, with nothing written.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { VC_JWT_DATA_URL_PREFIX, VC_V2_CONTEXT } from '../../core/credentials/types.ts'
import { AppError } from '../../core/errors.ts'
import { transaction } from '../../core/store/sql.ts'
import { listAudit } from '../../issuer/audit/audit-trail.ts'
import { CredentialStore } from '../../issuer/credentials/credential-store.ts'
import type { BankIssueOptions, BankIssueRequest } from '../../issuer/credentials/issue-credential.ts'
import { INLINE_BELOW } from '../../issuer/credentials/signing-pool.ts'
import { SlotReserve } from '../../issuer/status/slot-reserve.ts'
import { StatusListStore } from '../../issuer/status/status-list-store.ts'
import { buildAchievementCredential } from '../../fixtures/builders.ts'
import { startTestSystem, storedSlots, verify, type TestSystem } from '../../fixtures/test-system.ts'

describe('bulk issuing (the bank’s own path)', () => {
  let sys: TestSystem

  before(async () => {
    sys = await startTestSystem()
  })
  after(() => sys.close())

  const credential = (overrides: Record<string, unknown> = {}) =>
    buildAchievementCredential(sys.did, { id: `urn:uuid:${randomUUID()}`, ...overrides }) as unknown as Record<string, unknown>
  /** The achievement credential without its subject's achievement: not an OB 3.0 AchievementCredential. */
  const malformed = () => {
    const c = credential()
    const { achievement: _achievement, ...subject } = c.credentialSubject as Record<string, unknown>
    return { ...c, credentialSubject: subject }
  }
  const issueIn = (requests: BankIssueRequest[], opts?: BankIssueOptions) =>
    transaction(sys.issuer.ds, (m) => sys.issuer.issuer.issueManyIn(m, requests, null, opts))

  /** What the database holds: credentials, status slots handed out, audit entries. */
  const totals = async () => ({
    credentials: await new CredentialStore(sys.issuer.ds).count(),
    slots: await new StatusListStore(sys.issuer.ds).positionsTaken(),
    audit: (await listAudit(sys.issuer.ds, 0, 100_000)).entries.length,
  })

  async function refusal(fn: () => Promise<unknown>): Promise<AppError> {
    try {
      await fn()
    } catch (err) {
      if (err instanceof AppError) return err
      throw err
    }
    assert.fail('expected an AppError')
  }

  async function verifyStored(id: string): Promise<void> {
    const stored = await new CredentialStore(sys.issuer.ds).find(id)
    assert.ok(stored, `credential ${id} is stored`)
    const envelope = {
      '@context': [VC_V2_CONTEXT],
      id: `${VC_JWT_DATA_URL_PREFIX}${stored.document}`,
      type: 'EnvelopedVerifiableCredential',
    }
    const { status, body } = await verify(sys, envelope)
    assert.equal(status, 200, JSON.stringify(body))
    assert.equal(body.verified, true, JSON.stringify(body.checks))
  }

  it('signs a batch in the signing threads, in order: every credential verifies and is stored under its own id and slot', async () => {
    const n = INLINE_BELOW * 2 + 5
    const requests = Array.from({ length: n }, () => ({ credential: credential(), shape: 'achievement' }))
    const issued = await issueIn(requests, { trustedShape: true })
    assert.deepEqual(
      issued.map((c) => c.id),
      requests.map((r) => r.credential.id),
    )
    for (const i of [0, INLINE_BELOW, n - 1]) await verifyStored(issued[i]!.id)
    const slots = await storedSlots(
      sys,
      issued.map((c) => c.id),
    )
    assert.equal(slots.length, n)
    assert.equal(new Set(slots.map((s) => s.slot)).size, n, 'no status slot used twice')
  })

  it('audits a batch with one credentials_issued entry listing each credential and its status slot', async () => {
    const { entries: before } = await listAudit(sys.issuer.ds, 0, 100_000)
    const issued = await issueIn(
      Array.from({ length: 3 }, () => ({ credential: credential(), shape: 'achievement' })),
      { trustedShape: true },
    )
    const { entries } = await listAudit(sys.issuer.ds, before.at(-1)?.seq ?? 0, 100)
    assert.equal(entries.length, 1)
    const slots = new Map((await new CredentialStore(sys.issuer.ds).findMany(issued.map((c) => c.id))).map((c) => [c.id, c.slot]))
    assert.deepEqual(
      { action: entries[0]!.action, actor: entries[0]!.actor, subject: entries[0]!.subject, after: entries[0]!.after },
      {
        action: 'credentials_issued',
        actor: { type: 'system', id: 'bank' },
        subject: { type: 'credential_batch', id: issued[0]!.id },
        after: {
          count: 3,
          clientId: null,
          credentials: issued.map((c) => ({
            id: c.id,
            format: 'vc+jwt',
            statusListId: slots.get(c.id)!.listId,
            statusIndex: slots.get(c.id)!.index,
          })),
        },
      },
    )
  })

  it('issues nothing and audits nothing for an empty batch', async () => {
    const before = await totals()
    assert.deepEqual(await issueIn([], { trustedShape: true }), [])
    assert.deepEqual(await totals(), before)
  })

  it('refuses a batch whose builder output is malformed: the first credential of its shape is validated fully; nothing is written', async () => {
    const before = await totals()
    const err = await refusal(() =>
      issueIn(
        Array.from({ length: 100 }, () => ({ credential: malformed(), shape: 'broken-builder' })),
        { trustedShape: true },
      ),
    )
    assert.equal(err.code, 'invalid_request')
    assert.ok(err.issues?.length && err.issues.every((i) => i.path.startsWith('/0/credential')), JSON.stringify(err.issues))
    assert.deepEqual(await totals(), before)
  })

  it('validates the first credential of every shape in a batch: a second builder’s malformed output is refused at its first', async () => {
    const before = await totals()
    const requests = [
      ...Array.from({ length: 3 }, () => ({ credential: credential(), shape: 'good' })),
      ...Array.from({ length: 3 }, () => ({ credential: malformed(), shape: 'bad' })),
    ]
    const err = await refusal(() => issueIn(requests, { trustedShape: true }))
    assert.equal(err.code, 'invalid_request')
    assert.ok(err.issues?.length && err.issues.every((i) => i.path.startsWith('/3/credential')), JSON.stringify(err.issues))
    assert.deepEqual(await totals(), before)
  })

  it('validates every credential without trustedShape, and every request without a shape with it', async () => {
    const before = await totals()
    for (const opts of [undefined, { trustedShape: true }]) {
      const requests: BankIssueRequest[] = [
        { credential: credential(), ...(opts ? {} : { shape: 'same' }) },
        { credential: malformed(), ...(opts ? {} : { shape: 'same' }) },
      ]
      const err = await refusal(() => issueIn(requests, opts))
      assert.equal(err.code, 'invalid_request')
      assert.ok(err.issues?.length && err.issues.every((i) => i.path.startsWith('/1/credential')), JSON.stringify(err.issues))
    }
    assert.deepEqual(await totals(), before)
  })

  it('keeps the checks that are never skipped for every credential of a trusted shape (issuer, contexts, no status)', async () => {
    const before = await totals()
    const cases: [Record<string, unknown>, string][] = [
      [credential({ issuer: 'did:web:someone-else.example' }), 'issuer_mismatch'],
      [credential({ '@context': [VC_V2_CONTEXT, 'https://example.com/unknown/v1'] }), 'invalid_request'],
      [credential({ credentialStatus: { type: 'BitstringStatusListEntry' } }), 'status_not_allowed'],
    ]
    for (const [bad, code] of cases) {
      const requests = [
        { credential: credential(), shape: 'achievement' },
        { credential: bad, shape: 'achievement' },
      ]
      assert.equal((await refusal(() => issueIn(requests, { trustedShape: true }))).code, code)
    }
    assert.deepEqual(await totals(), before)
  })

  describe('signed first, stored later (an import’s chunks), with slots reserved ahead', () => {
    const reserveOf = () => new SlotReserve(sys.issuer.ds, sys.issuer.statusLists)
    const requests = (n: number) => Array.from({ length: n }, () => ({ credential: credential(), shape: 'achievement' }))
    const key = (s: { listId: number; index: number }) => `${s.listId}/${s.index}`

    it('signs a batch before any transaction and stores it in a later one, in the reserved slots it was signed with', async () => {
      const reserve = reserveOf()
      reserve.add(await transaction(sys.issuer.ds, (m) => reserve.allocateIn(m, 10)))
      const before = await totals()
      let given: string[] = []
      const batch = await sys.issuer.issuer.signBank(
        requests(10),
        async (n) => {
          const slots = await reserve.take(n)
          given = slots.map(key)
          return slots
        },
        { trustedShape: true },
      )
      assert.deepEqual(await totals(), before, 'signing stores nothing and takes no slot')
      await transaction(sys.issuer.ds, (m) => sys.issuer.issuer.storeSigned(m, batch))
      const after = await totals()
      assert.deepEqual(
        { credentials: after.credentials - before.credentials, slots: after.slots - before.slots, audit: after.audit - before.audit },
        { credentials: 10, slots: 0, audit: 1 },
      )
      const stored = new Map(
        (
          await storedSlots(
            sys,
            batch.issued.map((c) => c.id),
          )
        ).map((s) => [s.id, s.slot]),
      )
      assert.deepEqual(
        batch.issued.map((c) => stored.get(c.id)),
        given,
      )
      for (const c of [batch.issued[0]!, batch.issued[9]!]) await verifyStored(c.id)
    })

    it('holds slots only once the transaction reserving them committed, hands each out once, and later allocations start past them', async () => {
      const reserve = reserveOf()
      const start = (await totals()).slots
      await assert.rejects(
        transaction(sys.issuer.ds, async (m) => {
          await reserve.allocateIn(m, 5) // never added: its transaction rolled back
          throw new Error('rolled back')
        }),
        /rolled back/,
      )
      assert.deepEqual({ reserved: reserve.size, taken: (await totals()).slots - start }, { reserved: 0, taken: 0 })
      reserve.add(await transaction(sys.issuer.ds, (m) => reserve.allocateIn(m, 5)))
      reserve.add(await transaction(sys.issuer.ds, (m) => reserve.allocateIn(m, 5))) // already 5: nothing more
      assert.deepEqual({ reserved: reserve.size, taken: (await totals()).slots - start }, { reserved: 5, taken: 5 })
      const first = await reserve.take(3)
      const second = await reserve.take(4) // the 2 left, and 2 allocated in a transaction of their own
      assert.deepEqual({ reserved: reserve.size, taken: (await totals()).slots - start }, { reserved: 0, taken: 7 })
      assert.deepEqual(
        [...first, ...second].map((s) => s.position),
        [...first, ...second].map((_, i) => first[0]!.position + i),
        'handed out in their order',
      )
      // Short of slots while a transaction that reserves more is in flight: it waits for those, allocating none itself.
      const incoming = transaction(sys.issuer.ds, (m) => reserve.allocateIn(m, 4)).then((slots) => reserve.add(slots))
      const third = await reserve.take(4, incoming)
      assert.deepEqual({ reserved: reserve.size, taken: (await totals()).slots - start }, { reserved: 0, taken: 11 })
      assert.equal(third[0]!.position, second.at(-1)!.position + 1)
      const [later] = await issueIn([{ credential: credential() }])
      const [laterSlot] = await storedSlots(sys, [later!.id])
      assert.ok(![...first, ...second, ...third].map(key).includes(laterSlot!.slot), 'a reserved slot is never allocated again')
    })

    it('refuses to sign a batch given fewer status slots than it has credentials', async () => {
      await assert.rejects(
        sys.issuer.issuer.signBank(requests(3), async () => []),
        /3 credentials were given 0 status slots/,
      )
    })
  })
})
