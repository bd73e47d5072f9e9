// Interoperability with Veramo 7: VC 1.1 JWTs as Veramo issues them go through the same checks as ours.
import assert from 'node:assert/strict'
import { createAgent, type ICredentialPlugin, type IDIDManager, type IKeyManager, type IResolver } from '@veramo/core'
import { CredentialPlugin } from '@veramo/credential-w3c'
import { CredentialProviderJWT } from '@veramo/credential-jwt'
import { DIDManager, MemoryDIDStore } from '@veramo/did-manager'
import { getDidKeyResolver, KeyDIDProvider } from '@veramo/did-provider-key'
import { DIDResolverPlugin } from '@veramo/did-resolver'
import { KeyManager, MemoryKeyStore, MemoryPrivateKeyStore } from '@veramo/key-manager'
import { KeyManagementSystem } from '@veramo/kms-local'
import { Resolver } from 'did-resolver'
import { check, startTestSystem, verify, type TestSystem } from '../../fixtures/test-system.ts'

describe('Veramo VC 1.1 JWTs', () => {
  let sys: TestSystem
  const agent = createAgent<IKeyManager & IDIDManager & IResolver & ICredentialPlugin>({
    plugins: [
      new KeyManager({ store: new MemoryKeyStore(), kms: { local: new KeyManagementSystem(new MemoryPrivateKeyStore()) } }),
      new DIDManager({
        store: new MemoryDIDStore(),
        defaultProvider: 'did:key',
        providers: { 'did:key': new KeyDIDProvider({ defaultKms: 'local' }) },
      }),
      new DIDResolverPlugin({ resolver: new Resolver({ ...getDidKeyResolver() }) }),
      new CredentialPlugin([new CredentialProviderJWT()]),
    ],
  })
  before(async () => {
    sys = await startTestSystem()
  })
  after(() => sys.close())

  async function veramoCredential(expirationDate?: string) {
    const issuer = await agent.didManagerCreate({ provider: 'did:key', options: { keyType: 'Ed25519' } })
    const vc = await agent.createVerifiableCredential({
      proofFormat: 'jwt',
      credential: {
        issuer: { id: issuer.did },
        issuanceDate: '2026-01-01T00:00:00Z',
        ...(expirationDate ? { expirationDate } : {}),
        credentialSubject: { id: 'did:example:learner', course: 'Data Structures', creditsEarned: 3 },
      },
    })
    return { vc, issuer: issuer.did }
  }

  it('when Veramo issues a VC 1.1 JWT with a did:key, then our verifier passes the proof and fails trust', async () => {
    const { vc } = await veramoCredential()
    for (const form of [vc, vc.proof.jwt]) {
      const { status, body } = await verify(sys, form)
      assert.equal(status, 400, JSON.stringify(body.checks))
      assert.equal(check(body, 'format'), 'passed')
      assert.equal(check(body, 'proof'), 'passed')
      assert.equal(check(body, 'validity_period'), 'passed')
      assert.equal(check(body, 'issuer_trust'), 'failed:issuer_not_trusted')
      assert.equal(body.verified, false)
    }
  })

  it('when the issuer is trusted, then the Veramo credential verifies', async () => {
    const { vc, issuer } = await veramoCredential()
    const trusting = await startTestSystem({ CB_TRUSTED_ISSUERS: issuer })
    try {
      const { body } = await verify(trusting, vc)
      assert.equal(body.verified, true, JSON.stringify(body.checks))
    } finally {
      await trusting.close()
    }
  })

  it('when the JSON around a Veramo JWT is changed — with or without proof.type — then it is refused', async () => {
    const { vc } = await veramoCredential()
    const changed = { ...vc, credentialSubject: { ...vc.credentialSubject, creditsEarned: 30 } }
    const noType = { ...changed, proof: { jwt: vc.proof.jwt } }
    for (const form of [changed, noType]) {
      const { status, body } = await verify(sys, form)
      assert.equal(status, 400)
      assert.equal(check(body, 'format'), 'failed:wrapper_mismatch')
    }
  })

  it('when proof is a string, null, a number, an array, or a JwtProof2020 without its jwt, then the answer is 400 with a stable code, never a 500 (SECURITY.md #27)', async () => {
    const { vc } = await veramoCredential()
    for (const proof of [
      'eyJhbGciOiJFZERTQSJ9',
      null,
      4,
      [],
      [vc.proof, 'x'],
      { type: 'JwtProof2020' },
      { type: 'JwtProof2020', jwt: 42 },
    ]) {
      const { status, body } = await verify(sys, { ...vc, proof })
      assert.equal(status, 400, `proof ${JSON.stringify(proof)?.slice(0, 40)}: ${JSON.stringify(body.checks?.[0] ?? body)}`)
      assert.equal(body.verified, false)
      const first = body.checks.find((c) => c.status === 'failed')!
      assert.ok(['format', 'schema'].includes(first.id) && /^[a-z_]+$/.test(first.reason ?? ''), JSON.stringify(first))
    }
  })

  it('when a Veramo credential has expired, even by less than 300 s, then validity_period fails', async () => {
    const { vc } = await veramoCredential(new Date(sys.clock().getTime() - 120_000).toISOString())
    assert.equal(check((await verify(sys, vc)).body, 'validity_period'), 'failed:expired')
  })
})
