// Reliability (SECURITY.md part c): crash before commit, durability after restart, migrations, readiness.
import assert from 'node:assert/strict'
import { createLogger } from '../../core/log.ts'
import { openDataSource } from '../../core/store/data-source.ts'
import { CredentialStore } from '../../issuer/credentials/credential-store.ts'
import { createIssuerNode } from '../../issuer/issuer-node.ts'
import { StatusListStore } from '../../issuer/status/status-list-store.ts'
import { buildClientCredential } from '../../fixtures/builders.ts'
import { freePort, startService } from '../../fixtures/processes.ts'
import {
  auth,
  check,
  issue,
  post,
  setStatus,
  startTestSystem,
  storedSlots,
  TEST_KMS_SECRET,
  verify,
  type TestSystem,
} from '../../fixtures/test-system.ts'

describe('reliability', () => {
  let sys: TestSystem
  before(async () => {
    sys = await startTestSystem()
  })
  after(() => sys.close())

  /** `credit-bank serve issuer` as a second instance of the test system's bank: same database, key secret and DID. */
  const issuerProcessEnv = (port: number): Record<string, string> => ({
    NODE_ENV: 'test',
    CB_DATA_DIR: sys.config.dataDir,
    CB_KMS_SECRET_KEY: TEST_KMS_SECRET,
    CB_PUBLIC_URL: sys.issuerUrl,
    CB_ISSUER_PORT: String(port),
    CB_RATE_LIMIT_PER_MINUTE: '100000',
    ...(process.env.CB_TEST_DATABASE_URL ? { CB_DATABASE_URL: process.env.CB_TEST_DATABASE_URL } : {}),
  })

  it('when the process fails after signing but before commit, then nothing is stored, no slot is consumed, and the next issue succeeds (R1)', async () => {
    // The issuing transaction writes credentials last, after the slots are taken and the credentials signed.
    const original = Object.getOwnPropertyDescriptor(CredentialStore.prototype, 'insert')!
    const lists = new StatusListStore(sys.issuer.ds)
    const before = await lists.positionsTaken()
    CredentialStore.prototype.insert = async () => {
      throw new Error('simulated crash between signing and commit')
    }
    try {
      const res = await issue(sys, buildClientCredential(sys.did, { id: 'urn:uuid:3a3b0c4d-0000-4000-8000-00000000c001' }))
      assert.equal(res.status, 500)
      assert.equal((res.body as unknown as { code: string }).code, 'internal')
      assert.doesNotMatch(JSON.stringify(res.body), /simulated|stack/)
    } finally {
      Object.defineProperty(CredentialStore.prototype, 'insert', original)
    }
    assert.equal(await new CredentialStore(sys.issuer.ds).find('urn:uuid:3a3b0c4d-0000-4000-8000-00000000c001'), undefined)
    assert.equal(await lists.positionsTaken(), before)
    const again = await issue(sys, buildClientCredential(sys.did, { id: 'urn:uuid:3a3b0c4d-0000-4000-8000-00000000c001' }))
    assert.equal(again.status, 201)
  })

  it('when an issued and then revoked credential survives a restart, then the new process serves it re-signed with the bit set (R6, R7)', async () => {
    const id = 'urn:uuid:3a3b0c4d-0000-4000-8000-00000000c002'
    const vc = (await issue(sys, buildClientCredential(sys.did, { id }))).body.verifiableCredential
    const r = await setStatus(sys, id, 'revocation')
    assert.equal(r.status, 200)
    // A second process on the same database sees both the credential and the bit.
    const restarted = await createIssuerNode(sys.config, { clock: sys.clock, log: createLogger('silent') })
    try {
      const stored = await new CredentialStore(restarted.ds).find(id)
      assert.equal(stored!.revoked, true)
      assert.equal(restarted.identity.did, sys.did)
      assert.equal((await restarted.identity.activeKey()).kid, (await sys.issuer.identity.activeKey()).kid)
      const list = await restarted.statusLists.signedList(stored!.slot.listId, 'revocation')
      assert.match(list.jwt, /^ey/)
    } finally {
      await restarted.close()
    }
    sys.clock.advance(sys.config.statusListTtlSeconds + 1)
    assert.equal(check((await verify(sys, vc)).body, 'status'), 'failed:revoked')
  })

  it('when two issuer processes share the database and issue concurrently, then every credential gets its own slot (R4)', async function () {
    this.timeout(60_000)
    // A real second process, as a second instance is deployed: SQLite's write lock and PostgreSQL's row locks
    // are what keep the two apart, not anything one process knows.
    const port = await freePort()
    const second = await startService('issuer', issuerProcessEnv(port))
    try {
      const ids = Array.from({ length: 60 }, (_, n) => `urn:uuid:5b5c0000-0000-4000-8000-${String(n).padStart(12, '0')}`)
      const results = await Promise.all(
        ids.map((id, n) =>
          post(
            `${n % 2 ? `http://localhost:${port}` : sys.issuerUrl}/credentials/issue`,
            { credential: buildClientCredential(sys.did, { id }) },
            auth(sys.token),
          ),
        ),
      )
      assert.deepEqual(
        results.map((r) => r.status),
        ids.map(() => 201),
      )
      const rows = await storedSlots(sys, ids)
      assert.equal(rows.length, 60)
      assert.equal(new Set(rows.map((r) => r.slot)).size, 60)
    } finally {
      assert.equal(await second.stop(), 0)
    }
  })

  it('when the issuer process is killed (SIGKILL) in the middle of a burst, then every acknowledged credential survives as given, slots stay unique, and resubmitting the burst completes it exactly once (R2, R3, R6)', async function () {
    this.timeout(90_000)
    const ids = Array.from({ length: 120 }, (_, n) => `urn:uuid:6c6d0000-0000-4000-8000-${String(n).padStart(12, '0')}`)
    const send = (base: string, id: string) =>
      post(`${base}/credentials/issue`, { credential: buildClientCredential(sys.did, { id }) }, auth(sys.token))

    // 8 clients work through the burst; the process is killed once 30 answers have come back.
    const port = await freePort()
    const doomed = await startService('issuer', issuerProcessEnv(port))
    const acknowledged = new Map<string, unknown>()
    const queue = [...ids]
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let id = queue.shift(); id; id = queue.shift()) {
          const res = await send(`http://localhost:${port}`, id).catch(() => undefined) // refused or reset once killed
          if (res?.status === 201) acknowledged.set(id, res.body.verifiableCredential)
          if (acknowledged.size >= 30 && doomed.child.exitCode === null) doomed.child.kill('SIGKILL')
        }
      }),
    )
    await doomed.stop()
    assert.ok(acknowledged.size >= 30 && acknowledged.size < ids.length, `${acknowledged.size} acknowledged before the kill`)

    const survived = await storedSlots(sys, ids)
    for (const [id, vc] of acknowledged) {
      const res = await fetch(`${sys.issuerUrl}/credentials/${encodeURIComponent(id)}`, { headers: auth(sys.token) })
      assert.deepEqual(await res.json(), { verifiableCredential: vc }, `${id} was acknowledged and must be stored as given`)
    }
    assert.equal(new Set(survived.map((r) => r.slot)).size, survived.length)

    // The client resubmits the whole burst to a restarted process: what was stored is a 409, the rest is issued.
    const restartedPort = await freePort()
    const restarted = await startService('issuer', issuerProcessEnv(restartedPort))
    try {
      const storedBefore = new Set(survived.map((r) => r.id))
      const answers = await Promise.all(ids.map((id) => send(`http://localhost:${restartedPort}`, id)))
      answers.forEach((res, i) => assert.equal(res.status, storedBefore.has(ids[i]!) ? 409 : 201, ids[i]))
      const all = await storedSlots(sys, ids)
      assert.equal(all.length, ids.length)
      assert.equal(new Set(all.map((r) => r.slot)).size, ids.length)
      // The child processes sign on the real clock; the verifier's injected clock follows them there.
      sys.clock.set(new Date())
      for (const vc of [acknowledged.values().next().value, answers.find((r) => r.status === 201)!.body.verifiableCredential])
        assert.equal((await verify(sys, vc)).body.verified, true)
    } finally {
      assert.equal(await restarted.stop(), 0)
    }
  })

  it('when migrations run again on an existing database, then nothing changes (R10)', async () => {
    const ds = await openDataSource(sys.config.issuerDb, 'issuer')
    try {
      assert.equal(await ds.showMigrations(), false, 'no pending migrations')
      assert.ok((await new CredentialStore(ds).count()) > 0)
    } finally {
      await ds.destroy()
    }
  })

  it('when the database is gone, then /readyz answers 503 while /healthz stays 200 (R11)', async () => {
    const other = await startTestSystem()
    await other.verifier.ds.destroy()
    try {
      assert.equal((await fetch(`${other.verifierUrl}/readyz`)).status, 503)
      assert.equal((await fetch(`${other.verifierUrl}/healthz`)).status, 200)
    } finally {
      await other.verifier.ds.initialize()
      await other.close()
    }
  })
})
