// Issue 5 #5: `credit-bank clients list` and `clients revoke`, run as real processes beside a running issuer process.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fixedClock } from '../../core/clock.ts'
import { openDataSource } from '../../core/store/data-source.ts'
import { ApiClientStore } from '../../issuer/clients/api-client-store.ts'
import { authenticateToken, createApiClient, LAST_USED_RESOLUTION_MS } from '../../issuer/clients/api-clients.ts'
import { buildClientCredential } from '../../fixtures/builders.ts'
import { freePort, runCli as run, startService, type ServiceProcess } from '../../fixtures/processes.ts'
import { auth, post, resetPostgres, TEST_KMS_SECRET } from '../../fixtures/test-system.ts'

interface ListedClient {
  id: string
  name: string
  namespace: string
  scopes: string[]
  createdAt: string
  lastUsedAt: string | null
  revokedAt: string | null
}

describe('credit-bank clients list / revoke (issue 5 #5)', function () {
  this.timeout(60_000)
  let dataDir: string
  let env: Record<string, string>
  let issuer: ServiceProcess
  let issuerUrl: string
  before(async () => {
    if (process.env.CB_TEST_DATABASE_URL) await resetPostgres(process.env.CB_TEST_DATABASE_URL)
    dataDir = mkdtempSync(path.join(tmpdir(), 'credit-bank-clients-'))
    const port = await freePort()
    issuerUrl = `http://localhost:${port}`
    env = {
      CB_DATA_DIR: dataDir,
      CB_KMS_SECRET_KEY: TEST_KMS_SECRET,
      CB_ISSUER_PORT: String(port),
      CB_PUBLIC_URL: issuerUrl,
      ...(process.env.CB_TEST_DATABASE_URL ? { CB_DATABASE_URL: process.env.CB_TEST_DATABASE_URL } : {}),
    }
    issuer = await startService('issuer', env)
  })
  after(async () => {
    await issuer?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const create = async (name: string): Promise<{ id: string; token: string; namespace: string }> => {
    const { code, stdout, stderr } = await run(
      ['clients', 'create', '--name', name, '--scopes', 'credentials:issue,credentials:status', '--json'],
      env,
    )
    assert.equal(code, 0, stderr)
    return JSON.parse(stdout) as { id: string; token: string; namespace: string }
  }
  const list = async (): Promise<ListedClient[]> => {
    const { code, stdout, stderr } = await run(['clients', 'list', '--json'], env)
    assert.equal(code, 0, stderr)
    return JSON.parse(stdout) as ListedClient[]
  }
  const issueWith = (token: string) =>
    post(
      `${issuerUrl}/credentials/issue`,
      { credential: buildClientCredential(`did:web:localhost%3A${new URL(issuerUrl).port}`) },
      auth(token),
    )

  it('when a client has been used, then `clients list` shows name, namespace, scopes, created and last used, and never the token or its hash', async () => {
    const client = await create('Registrar of Example University')
    assert.equal(client.namespace, 'registrar-of-example-university')
    const listedBefore = (await list()).find((c) => c.id === client.id)!
    assert.equal(listedBefore.lastUsedAt, null, 'never used yet')
    assert.equal((await issueWith(client.token)).status, 201)

    const listed = (await list()).find((c) => c.id === client.id)!
    assert.deepEqual(
      { name: listed.name, namespace: listed.namespace, scopes: listed.scopes, revokedAt: listed.revokedAt },
      {
        name: 'Registrar of Example University',
        namespace: 'registrar-of-example-university',
        scopes: ['credentials:issue', 'credentials:status'],
        revokedAt: null,
      },
    )
    assert.match(listed.createdAt, /^\d{4}-\d\d-\d\dT/)
    assert.ok(listed.lastUsedAt && Date.parse(listed.lastUsedAt) >= Date.parse(listed.createdAt), `last used ${listed.lastUsedAt}`)
    assert.deepEqual(Object.keys(listed).sort(), [
      'createdAt',
      'id',
      'institutionId',
      'lastUsedAt',
      'name',
      'namespace',
      'revokedAt',
      'scopes',
    ])

    const human = await run(['clients', 'list'], env)
    assert.equal(human.code, 0)
    assert.match(human.stdout, /^ID\s+NAME\s+NAMESPACE\s+SCOPES\s+CREATED\s+LAST USED\s+REVOKED$/m)
    assert.match(human.stdout, new RegExp(`^${client.id}\\s+Registrar of Example University\\s+registrar-of-example-university\\s`, 'm'))
    for (const out of [human.stdout, JSON.stringify(await list())]) {
      assert.doesNotMatch(out, /cbt_/, 'no token')
      assert.doesNotMatch(out, /[0-9a-f]{64}/, 'no token hash')
    }
  })

  it('when a client is revoked through the CLI while the issuer process keeps running, then its next request gets 401 and other clients keep working', async () => {
    const client = await create('revoked registrar')
    const bystander = await create('bystander registrar')
    assert.equal((await issueWith(client.token)).status, 201)

    const revoked = await run(['clients', 'revoke', client.id], env)
    assert.equal(revoked.code, 0, revoked.stderr)
    assert.match(revoked.stdout, /revoked/)

    const refused = await issueWith(client.token)
    assert.equal(refused.status, 401)
    assert.equal(refused.body.code, 'unauthorized')
    assert.equal((await issueWith(bystander.token)).status, 201)
    assert.equal(issuer.child.exitCode, null, 'the same issuer process answered before and after')
    const listed = (await list()).find((c) => c.id === client.id)!
    assert.match(String(listed.revokedAt), /^\d{4}-\d\d-\d\dT/)
  })

  it('when an unknown id is revoked, or revoke has no id, then it exits non-zero and says so', async () => {
    const unknown = await run(['clients', 'revoke', '00000000-0000-4000-8000-000000000000'], env)
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /no API client/)
    const missing = await run(['clients', 'revoke'], env)
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /clients revoke ID/)
  })

  it('when a name gives the namespace of an active client, then `clients create` refuses it', async () => {
    const { code, stderr } = await run(['clients', 'create', '--name', 'BYSTANDER registrar!', '--scopes', 'credentials:issue'], env)
    assert.equal(code, 1)
    assert.match(stderr, /bystander-registrar/)
  })

  it('when a client sends many requests within a minute, then last used is written once, and again only after a minute', async () => {
    const ds = await openDataSource(
      env.CB_DATABASE_URL
        ? { type: 'postgres', url: env.CB_DATABASE_URL }
        : { type: 'sqlite', database: path.join(dataDir, 'issuer.sqlite') },
      'issuer',
    )
    try {
      const clock = fixedClock('2026-11-30T08:00:00.000Z')
      const client = await createApiClient(ds, clock, { name: 'busy registrar', scopes: ['credentials:issue'] })
      const lastUsed = async () => (await new ApiClientStore(ds).find(client.id))!.lastUsedAt
      assert.ok(await authenticateToken(ds, client.token, clock))
      assert.equal(await lastUsed(), '2026-11-30T08:00:00.000Z')
      clock.advance(LAST_USED_RESOLUTION_MS / 1000 - 1)
      for (let i = 0; i < 5; i++) assert.ok(await authenticateToken(ds, client.token, clock))
      assert.equal(await lastUsed(), '2026-11-30T08:00:00.000Z', 'no write within the minute')
      clock.advance(1)
      assert.ok(await authenticateToken(ds, client.token, clock))
      assert.equal(await lastUsed(), '2026-11-30T08:01:00.000Z')
    } finally {
      await ds.destroy()
    }
  })
})
