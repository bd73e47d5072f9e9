// `npm start`'s demo data (bin/demo.ts): issued once, handed to a fresh demo API client at every start.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { DEMO_IDENTITIES } from '../../bin/demo-bank.ts'
import { signIn } from '../../fixtures/accounts.ts'
import { seedDemo } from '../../bin/demo.ts'
import { listApiClients } from '../../issuer/clients/api-clients.ts'
import { CredentialStore } from '../../issuer/credentials/credential-store.ts'
import { auth, startTestSystem, type TestSystem } from '../../fixtures/test-system.ts'

/** A test system whose identity registry holds the demo's fictional people, as `start --demo` makes it. */
async function demoSystem(): Promise<TestSystem> {
  const registry = path.join(mkdtempSync(path.join(tmpdir(), 'demo-registry-')), 'registry.json')
  writeFileSync(registry, JSON.stringify(DEMO_IDENTITIES))
  return startTestSystem({ CB_IDENTITY_REGISTRY: registry })
}

describe('demo data (bin/demo.ts)', () => {
  let sys: TestSystem
  before(async () => (sys = await demoSystem()))
  after(() => sys.close())

  it('when the demo is seeded twice, then the credentials are issued once, move to the new demo client, and only its token reaches them', async () => {
    const urls = { issuer: sys.issuerUrl, verifier: sys.verifierUrl, wallet: 'http://localhost:1/' }
    const id = 'urn:credit-bank:demo:achievement-1'
    const first = await seedDemo(sys.issuer, urls)
    const credentials = new CredentialStore(sys.issuer.ds)
    const countAfterFirst = await credentials.count()
    const second = await seedDemo(sys.issuer, urls)
    assert.equal(second.sampleCredentialJwt, first.sampleCredentialJwt, 'the same credential, not a new one')
    assert.equal(await credentials.count(), countAfterFirst)
    assert.notEqual(second.apiToken, first.apiToken)
    const demoClients = (await listApiClients(sys.issuer.ds)).filter((c) => c.name === 'demo (npm start)')
    assert.equal(demoClients.length, 2)
    const active = demoClients.filter((c) => c.revokedAt === null)
    assert.equal(active.length, 1, 'the older demo client is revoked')
    assert.deepEqual(
      (await credentials.findMany([id, 'urn:credit-bank:demo:achievement-2'])).map((c) => c.clientId),
      [active[0]!.id, active[0]!.id],
    )
    const get = (token: string) => fetch(`${sys.issuerUrl}/credentials/${encodeURIComponent(id)}`, { headers: auth(token) })
    assert.equal((await get(second.apiToken)).status, 200)
    assert.equal((await get(first.apiToken)).status, 401)
    assert.equal((await get(sys.token)).status, 404, 'another client does not see them')
    assert.equal((JSON.parse(readFileSync(second.file, 'utf8')) as { apiToken: string }).apiToken, second.apiToken)
  })
})

describe('demo data of the credit bank (bin/demo-bank.ts)', () => {
  let sys: TestSystem
  before(async () => (sys = await demoSystem()))
  after(() => sys.close())

  it('when the demo is seeded twice, then every role has an account that signs in with the password demo.json gives, and nothing is recorded twice', async () => {
    const urls = { issuer: sys.issuerUrl, verifier: sys.verifierUrl, wallet: 'http://localhost:1/' }
    await seedDemo(sys.issuer, urls)
    const count = async () =>
      Object.fromEntries(
        await Promise.all(
          [
            'cb_learning_outcome',
            'cb_deposit',
            'cb_import_job',
            'cb_user',
            'cb_institution',
            'cb_catalogue_entry',
            'cb_learner_identity',
          ].map(
            async (t) => [t, Number(((await sys.issuer.ds.query(`SELECT COUNT(*) AS n FROM ${t}`)) as { n: number }[])[0]!.n)] as const,
          ),
        ),
      )
    const first = await count()
    const second = await seedDemo(sys.issuer, urls)
    assert.deepEqual(await count(), first, 'a second start adds nothing')
    const file = JSON.parse(readFileSync(second.file, 'utf8')) as {
      accounts: Record<string, { username: string; password: string; role: string }>
      institutionId: string
    }
    assert.deepEqual(Object.keys(file.accounts).sort(), ['admin', 'expert', 'learner', 'newLearner', 'reviewer', 'staff'])
    assert.equal(file.institutionId, 'jsou')
    const agents = Object.fromEntries(
      await Promise.all(Object.entries(file.accounts).map(async ([key, a]) => [key, await signIn(sys, a.username, a.password)] as const)),
    )
    for (const [key, a] of Object.entries(file.accounts)) assert.equal(agents[key]!.user.role, a.role, key)
    assert.equal(agents.staff!.user.institutionId, 'jsou')

    // The verified learner sees the imported and deposited outcomes: recognized ones with credentials, pending ones.
    const outcomes = await agents.learner!.get<{ items: { state: string; credentialId?: string | null }[] }>('/me/outcomes?limit=50')
    const states = outcomes.body.items.map((o) => o.state).sort()
    assert.deepEqual(states, ['pending', 'pending', 'recognized', 'recognized', 'recognized', 'recognized'])
    const deposits = await agents.learner!.get<{ items: { status: string }[] }>('/deposits')
    assert.deepEqual(deposits.body.items.map((d) => d.status).sort(), ['pending', 'recognized'])
    // The staff member sees the institution's import job with its rejected row; the reviewer has a queue.
    const jobs = await agents.staff!.get<{ items: { state: string; counts: Record<string, number> }[] }>('/imports')
    assert.equal(jobs.body.items.length, 1)
    assert.equal(jobs.body.items[0]!.state, 'done')
    assert.equal(jobs.body.items[0]!.counts.rejected, 1)
    const queue = await agents.reviewer!.get<{ items: unknown[] }>('/recognition/queue')
    assert.ok(queue.body.items.length >= 2, `queue holds ${queue.body.items.length}`)
    // The new learner is not verified yet: nothing of theirs shows until they are.
    const newcomer = await agents.newLearner!.get<{ items: unknown[] }>('/me/outcomes')
    assert.deepEqual(newcomer.body.items, [])
  })
})
