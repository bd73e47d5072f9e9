// `npm start`'s demo data (bin/demo.ts): issued once, handed to a fresh demo API client at every start.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { seedDemo } from '../../bin/demo.ts'
import { listApiClients } from '../../issuer/clients/api-clients.ts'
import { CredentialStore } from '../../issuer/credentials/credential-store.ts'
import { auth, startTestSystem, type TestSystem } from '../../fixtures/test-system.ts'

describe('demo data (bin/demo.ts)', () => {
  let sys: TestSystem
  before(async () => (sys = await startTestSystem()))
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
