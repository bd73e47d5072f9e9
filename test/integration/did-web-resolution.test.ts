// Issue 5 #9 and #6 over the network: a bank at an https localhost origin verifies its own credentials (did:web and
// status lists over https, trusted through NODE_EXTRA_CA_CERTS), and an unknown kid refetches a DID document at most
// once per CB_DID_REFRESH_SECONDS.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { systemClock } from '../../core/clock.ts'
import { loadConfig } from '../../core/config.ts'
import { VC_V2_CONTEXT } from '../../core/credentials/types.ts'
import { createLogger } from '../../core/log.ts'
import { createApiClient } from '../../issuer/clients/api-clients.ts'
import { createIssuerApp } from '../../issuer/app.ts'
import { createIssuerNode, type IssuerNode } from '../../issuer/issuer-node.ts'
import { FakeHosts, vcJwtPayload, type Json } from '../helpers/attacks.ts'
import { buildAchievementCredential } from '../../fixtures/builders.ts'
import { freePort, runCli } from '../../fixtures/processes.ts'
import { selfSignedCertificate } from '../helpers/self-signed.ts'
import { check, startTestSystem, TEST_KMS_SECRET, verify, type TestSystem } from '../../fixtures/test-system.ts'

describe('did:web resolution over the network', () => {
  describe('#9 a bank at an https localhost origin', () => {
    const { key, cert } = selfSignedCertificate()
    let dir: string
    let server: https.Server
    let node: IssuerNode
    let origin: string
    let did: string
    let token: string

    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'credit-bank-https-'))
      writeFileSync(path.join(dir, 'ca.pem'), cert)
      server = https.createServer({ key, cert })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const port = (server.address() as AddressInfo).port
      origin = `https://localhost:${port}`
      const config = loadConfig({
        NODE_ENV: 'test',
        CB_LOG_LEVEL: 'silent',
        CB_DATA_DIR: dir,
        CB_KMS_SECRET_KEY: TEST_KMS_SECRET,
        CB_PUBLIC_URL: origin,
      })
      node = await createIssuerNode(config, { clock: systemClock, log: createLogger('silent') })
      server.on('request', createIssuerApp(node))
      did = node.identity.did
      token = (await createApiClient(node.ds, systemClock, { name: 'https', scopes: ['credentials:issue'] })).token
    })
    after(async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await node.close()
      rmSync(dir, { recursive: true, force: true })
    })

    /** A plain VC 2.0 credential any API client may have signed. */
    const credential = (): Json => ({
      '@context': [VC_V2_CONTEXT],
      id: `urn:uuid:${randomUUID()}`,
      type: ['VerifiableCredential'],
      issuer: did,
      credentialSubject: { id: 'did:example:learner', name: 'https localhost' },
    })

    /** POST over https, trusting the test certificate. */
    const postJson = (url: string, body: unknown): Promise<{ status: number; body: Json }> =>
      new Promise((resolve, reject) => {
        const req = https.request(
          url,
          { method: 'POST', ca: cert, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } },
          (res) => {
            let text = ''
            res.on('data', (d: Buffer) => (text += d))
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Json }))
          },
        )
        req.on('error', reject)
        req.end(JSON.stringify(body))
      })

    /** `credit-bank verify` as a separate process, configured as the bank (or not), trusting the certificate the standard way. */
    async function verifyWithCli(
      verifiableCredential: unknown,
      publicUrl: string,
    ): Promise<{ code: number; stdout: string; stderr: string }> {
      const file = path.join(dir, `vc-${Math.random().toString(36).slice(2)}.json`)
      writeFileSync(file, JSON.stringify({ verifiableCredential }))
      return runCli(['verify', file], {
        NODE_ENV: 'test',
        CB_DATA_DIR: dir,
        CB_KMS_SECRET_KEY: TEST_KMS_SECRET,
        CB_PUBLIC_URL: publicUrl,
        CB_TRUSTED_ISSUERS: did,
        CB_FETCH_TIMEOUT_MS: '2000',
        NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem'),
      })
    }

    it('when CB_PUBLIC_URL is https://localhost:<port>, then its did:web names that origin and its status lists are https URLs', async () => {
      assert.match(did, /^did:web:localhost%3A\d+$/)
      const res = await postJson(`${origin}/credentials/issue`, { credential: credential(), options: { format: 'eddsa-rdfc-2022' } })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      const status = (res.body.verifiableCredential as { credentialStatus: { statusListCredential: string }[] }).credentialStatus
      assert.ok(status.every((s) => s.statusListCredential.startsWith(`${origin}/status-lists/`)))
    })

    for (const format of ['vc+jwt', 'eddsa-rdfc-2022']) {
      it(`when the bank verifies its own ${format} credential, then its DID document and status list are fetched over https and it verifies`, async function () {
        this.timeout(60_000)
        const issued = await postJson(`${origin}/credentials/issue`, { credential: credential(), options: { format } })
        assert.equal(issued.status, 201, JSON.stringify(issued.body))
        const res = await verifyWithCli(issued.body.verifiableCredential, origin)
        assert.equal(res.code, 0, `${res.stdout.slice(0, 2000)}${res.stderr.slice(0, 500)}`)
        const report = JSON.parse(res.stdout) as { verified: boolean; checks: { id: string; status: string }[] }
        assert.equal(report.verified, true)
        for (const id of ['proof', 'status', 'issuer_trust']) assert.equal(report.checks.find((c) => c.id === id)?.status, 'passed', id)
      })
    }

    it('when the verifier is not configured with that https origin, then the localhost DID is fetched over http (CB_ALLOW_INSECURE_LOCALHOST) and the proof cannot be checked', async function () {
      this.timeout(60_000)
      const issued = await postJson(`${origin}/credentials/issue`, { credential: credential() })
      assert.equal(issued.status, 201)
      const res = await verifyWithCli(issued.body.verifiableCredential, `http://localhost:${await freePort()}`)
      assert.equal(res.code, 1, res.stderr.slice(0, 500))
      const report = JSON.parse(res.stdout) as { verified: boolean; checks: { id: string; status: string; reason?: string }[] }
      assert.equal(report.verified, false)
      assert.equal(report.checks.find((c) => c.id === 'proof')?.reason, 'did_unreachable')
    })
  })

  describe('#6 an unknown kid', () => {
    let sys: TestSystem
    const hosts = new FakeHosts()
    before(async () => {
      sys = await startTestSystem()
    })
    after(async () => {
      await hosts.closeAll()
      await sys.close()
    })

    it('when 20 credentials name a kid the DID document does not list, then did.json is fetched once, once more after CB_DID_REFRESH_SECONDS, and each fails', async () => {
      const signer = await hosts.signer()
      const unknownKid = `${signer.did}#key-not-published`
      const token = signer.sign(vcJwtPayload(buildAchievementCredential(signer.did) as unknown as Json, signer.did), { kid: unknownKid })
      const didFetches = (): number => signer.host.hits.filter((h) => h === '/.well-known/did.json').length
      const verifyTwenty = async (): Promise<void> => {
        for (let i = 0; i < 20; i++) {
          const res = await verify(sys, token)
          assert.equal(res.body.verified, false)
          assert.equal(check(res.body, 'proof'), 'failed:verification_method_not_found')
        }
      }
      await verifyTwenty()
      assert.equal(didFetches(), 1, 'the document fetched for the first one is what a refetch would see')
      sys.clock.advance(sys.config.didRefreshSeconds)
      await verifyTwenty()
      assert.equal(didFetches(), 2, 'one refetch per interval, though the cached document is still within its TTL')
      sys.clock.advance(sys.config.didRefreshSeconds)
      await verifyTwenty()
      assert.equal(didFetches(), 3)
      assert.ok(sys.config.didRefreshSeconds * 2 < sys.config.didCacheTtlSeconds)
    })
  })
})
