// The foundation end to end: the bank issues over HTTP, the verifier checks from public endpoints only.
import assert from 'node:assert/strict'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose'
import { didKeyFromPublicKey } from '../../core/did/did-key.ts'
import { StatusListStore } from '../../issuer/status/status-list-store.ts'
import {
  buildAchievementCredential,
  buildCertificationReportCredential,
  buildClientCredential,
  TEST_COVERED_CREDENTIAL_IDS,
} from '../../fixtures/builders.ts'
import {
  check,
  issue,
  issueAsBank,
  jwtOf,
  post,
  setStatus,
  startTestSystem,
  storedSlots,
  verify,
  type Report,
  type TestSystem,
} from '../../fixtures/test-system.ts'

describe('issue → verify (HTTP)', () => {
  let sys: TestSystem
  before(async () => {
    sys = await startTestSystem()
  })
  after(() => sys.close())

  const revoke = (id: string, purpose: 'revocation' | 'suspension', status: boolean) => setStatus(sys, id, purpose, status)
  /** The verifier caches status lists for CB_STATUS_LIST_TTL_SECONDS on the injected clock. */
  const expireCaches = () => sys.clock.advance(sys.config.statusListTtlSeconds + 1)

  it('when the bank issues an AchievementCredential, then it answers 201 with an EnvelopedVerifiableCredential that verifies check by check', async () => {
    const res = await issueAsBank(sys, buildAchievementCredential(sys.did))
    assert.equal(res.status, 201)
    const vc = res.body.verifiableCredential
    assert.equal(vc.type, 'EnvelopedVerifiableCredential')
    assert.match(String(vc.id), /^data:application\/vc\+jwt,ey/)
    const { status, body } = await verify(sys, vc)
    assert.equal(status, 200)
    assert.equal(body.verified, true)
    assert.deepEqual(
      body.checks.map((c) => [c.id, c.status]),
      [
        ['format', 'passed'],
        ['schema', 'passed'],
        ['credential_schema', 'skipped'],
        ['proof', 'passed'],
        ['validity_period', 'passed'],
        ['status', 'passed'],
        ['issuer_trust', 'passed'],
      ],
    )
    assert.deepEqual(body.problemDetails, [])
    assert.equal((body.credential?.credentialSubject as { creditsEarned: number }).creditsEarned, 3)
  })

  it('when a CertificationReportCredential is issued as eddsa-rdfc-2022, then the Data Integrity proof verifies', async () => {
    const res = await issueAsBank(sys, buildCertificationReportCredential(sys.did), { format: 'eddsa-rdfc-2022' })
    assert.equal(res.status, 201)
    const vc = res.body.verifiableCredential
    assert.equal((vc.proof as { cryptosuite: string }).cryptosuite, 'eddsa-rdfc-2022')
    const { body } = await verify(sys, vc)
    assert.equal(check(body, 'proof'), 'passed')
    assert.equal(body.verified, true)
    const tampered = structuredClone(vc) as { credentialSubject: { reportNumber: string } }
    tampered.credentialSubject.reportNumber = 'CB-0000-0000-0000-0000'
    const bad = await verify(sys, tampered)
    assert.equal(bad.body.verified, false)
    assert.equal(check(bad.body, 'proof'), 'failed:signature_invalid')
  })

  it('when a VC API client sends a minimal credential of another type, then it is issued and verifies (base data model only)', async () => {
    const res = await issue(sys, {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential', 'ExampleCredential'],
      issuer: sys.did,
      credentialSubject: { id: 'did:example:alice', name: 'Alice' },
    })
    assert.equal(res.status, 201)
    const { body } = await verify(sys, res.body.verifiableCredential)
    assert.equal(body.verified, true, JSON.stringify(body.checks))
    assert.equal(body.credential?.validFrom, sys.clock().toISOString(), 'validFrom defaults to the time of issue')
  })

  it('when a credential we issued is checked with plain jose against our published DID document, then it verifies', async () => {
    const res = await issueAsBank(sys, buildAchievementCredential(sys.did))
    const jwt = jwtOf(res.body.verifiableCredential)
    const doc = (await (await fetch(`${sys.issuerUrl}/.well-known/did.json`)).json()) as {
      id: string
      assertionMethod: string[]
      verificationMethod: { id: string; publicKeyJwk: Record<string, string> }[]
    }
    assert.equal(doc.id, sys.did)
    const keys = createLocalJWKSet({
      keys: doc.verificationMethod.filter((vm) => doc.assertionMethod.includes(vm.id)).map((vm) => ({ ...vm.publicKeyJwk, kid: vm.id })),
    })
    const { payload, protectedHeader } = await jwtVerify(jwt, keys, {
      typ: 'vc+jwt',
      issuer: sys.did,
      algorithms: ['EdDSA'],
      currentDate: sys.clock(),
    })
    assert.equal(protectedHeader.typ, 'vc+jwt')
    assert.equal(payload.issuer && (payload.issuer as { id: string }).id, sys.did)
  })

  it('when the bank revokes a credential, then it fails on status — also when sent as a bare JWT', async () => {
    const res = await issueAsBank(sys, buildAchievementCredential(sys.did, { id: 'urn:uuid:7d1f9a52-0c1e-4b5e-9a43-000000000001' }))
    const vc = res.body.verifiableCredential
    assert.equal(check((await verify(sys, vc)).body, 'status'), 'passed')
    const r = await revoke('urn:uuid:7d1f9a52-0c1e-4b5e-9a43-000000000001', 'revocation', true)
    assert.equal(r.status, 200)
    assert.equal(r.body.changed, true)
    expireCaches()
    for (const form of [vc, jwtOf(vc)]) {
      const { status, body } = await verify(sys, form)
      assert.equal(status, 400, 'a credential that does not verify answers 400 with its report')
      assert.equal(body.verified, false)
      assert.equal(check(body, 'status'), 'failed:revoked')
      assert.equal(check(body, 'proof'), 'passed')
    }
    assert.equal(
      (await revoke('urn:uuid:7d1f9a52-0c1e-4b5e-9a43-000000000001', 'revocation', true)).body.changed,
      false,
      'revoking twice is a no-op',
    )
    const undo = await revoke('urn:uuid:7d1f9a52-0c1e-4b5e-9a43-000000000001', 'revocation', false)
    assert.equal(undo.status, 400)
    assert.equal(undo.body.code, 'revocation_irreversible')
  })

  it('when a credential is suspended and then unsuspended, then it fails and then passes again', async () => {
    const id = 'urn:uuid:7d1f9a52-0c1e-4b5e-9a43-000000000002'
    const vc = (await issueAsBank(sys, buildAchievementCredential(sys.did, { id }))).body.verifiableCredential
    await revoke(id, 'suspension', true)
    expireCaches()
    assert.equal(check((await verify(sys, vc)).body, 'status'), 'failed:suspended')
    await revoke(id, 'suspension', false)
    expireCaches()
    const { body } = await verify(sys, vc)
    assert.equal(check(body, 'status'), 'passed')
    assert.equal(body.verified, true)
  })

  it('when the status list is fetched again with its ETag, then the issuer answers 304, and it is public and cacheable', async () => {
    const vc = (await issueAsBank(sys, buildAchievementCredential(sys.did))).body.verifiableCredential
    const { body } = await verify(sys, vc)
    const entry = ((body.credential?.credentialStatus ?? []) as { statusListCredential: string }[])[0]!
    const first = await fetch(entry.statusListCredential)
    assert.equal(first.status, 200)
    assert.equal(first.headers.get('content-type'), 'application/vc+jwt; charset=utf-8')
    assert.match(first.headers.get('cache-control') ?? '', /max-age=60/)
    const again = await fetch(entry.statusListCredential, { headers: { 'if-none-match': first.headers.get('etag')! } })
    assert.equal(again.status, 304)
  })

  it('when a credential is expired or not yet valid, then validity_period fails at the boundary (skew included)', async () => {
    const validFrom = new Date(sys.clock().getTime() + 3600_000).toISOString()
    const validUntil = new Date(sys.clock().getTime() + 7200_000).toISOString()
    const vc = (await issueAsBank(sys, buildAchievementCredential(sys.did, { validFrom, validUntil }))).body.verifiableCredential
    assert.equal(check((await verify(sys, vc)).body, 'validity_period'), 'failed:not_yet_valid')
    const skew = sys.config.clockSkewSeconds
    sys.clock.set(new Date(Date.parse(validFrom) - (skew - 1) * 1000))
    assert.equal(check((await verify(sys, vc)).body, 'validity_period'), 'passed')
    sys.clock.set(new Date(Date.parse(validUntil) + (skew + 1) * 1000))
    const expired = (await verify(sys, vc)).body
    assert.equal(check(expired, 'validity_period'), 'failed:expired')
    assert.equal(expired.verified, false)
    sys.clock.set(new Date(Date.parse(validUntil) - 3600_000))
  })

  it('when a well-formed credential is signed by an unknown did:key with plain jose, then proof passes and issuer_trust fails', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const did = didKeyFromPublicKey(publicKey)
    const credential = { ...buildAchievementCredential(did), validFrom: '2026-01-01T00:00:00Z' }
    const jwt = await new SignJWT(credential as never)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', kid: `${did}#${did.slice('did:key:'.length)}` })
      .sign(privateKey)
    const { status, body } = await verify(sys, jwt)
    assert.equal(status, 400)
    assert.equal(check(body, 'proof'), 'passed')
    assert.equal(check(body, 'issuer_trust'), 'failed:issuer_not_trusted')
    assert.equal(check(body, 'status'), 'skipped:no_status')
    assert.equal(body.verified, false)
  })

  it('when the bank rotates its key, then new credentials use the new key and old ones still verify', async () => {
    const before = (await issueAsBank(sys, buildAchievementCredential(sys.did))).body.verifiableCredential
    const oldKid = JSON.parse(Buffer.from(jwtOf(before).split('.')[0]!, 'base64url').toString()).kid as string
    const newKid = await sys.issuer.identity.rotate()
    assert.notEqual(newKid, oldKid)
    const after = (await issueAsBank(sys, buildAchievementCredential(sys.did))).body.verifiableCredential
    assert.equal(JSON.parse(Buffer.from(jwtOf(after).split('.')[0]!, 'base64url').toString()).kid, newKid)
    const doc = (await (await fetch(`${sys.issuerUrl}/.well-known/did.json`)).json()) as { assertionMethod: string[] }
    assert.deepEqual(doc.assertionMethod, [oldKid, newKid])
    // The verifier fetched the DID document moments ago: an unknown kid refetches it once the refresh interval passed.
    sys.clock.advance(sys.config.didRefreshSeconds * 1000)
    for (const vc of [before, after]) assert.equal((await verify(sys, vc)).body.verified, true)
  })

  it('when the same credential id is issued twice, then the second gets 409 and only one is stored', async () => {
    const id = 'urn:uuid:7d1f9a52-0c1e-4b5e-9a43-000000000003'
    assert.equal((await issue(sys, buildClientCredential(sys.did, { id }))).status, 201)
    const [a, b] = await Promise.all([
      issue(sys, buildClientCredential(sys.did, { id })),
      issue(sys, buildClientCredential(sys.did, { id })),
    ])
    assert.deepEqual([a.status, b.status], [409, 409])
    assert.equal((a.body as unknown as { code: string }).code, 'duplicate_credential')
    assert.equal((await storedSlots(sys, [id])).length, 1)
  })

  it('when 100 credentials are issued 10 at a time, then each gets its own status slot and all are stored', async () => {
    const ids: string[] = []
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all(Array.from({ length: 10 }, () => issueAsBank(sys, buildAchievementCredential(sys.did))))
      for (const r of results) {
        assert.equal(r.status, 201)
        ids.push(JSON.parse(Buffer.from(jwtOf(r.body.verifiableCredential).split('.')[1]!, 'base64url').toString()).id)
      }
    }
    const rows = await storedSlots(sys, ids)
    assert.equal(rows.length, 100)
    assert.equal(new Set(rows.map((r) => r.slot)).size, 100)
  })

  it('when a status list is full, then issuance rolls over to a new list whose credentials verify', async () => {
    const lists = new StatusListStore(sys.issuer.ds)
    const newest = (await lists.newest())!
    await lists.setNextPosition(newest.id, newest.size - 1)
    const [last, next] = [
      await issueAsBank(sys, buildAchievementCredential(sys.did)),
      await issueAsBank(sys, buildAchievementCredential(sys.did)),
    ]
    const listOf = (r: typeof last) =>
      (
        JSON.parse(Buffer.from(jwtOf(r.body.verifiableCredential).split('.')[1]!, 'base64url').toString()).credentialStatus as {
          statusListCredential: string
        }[]
      )[0]!.statusListCredential
    assert.match(listOf(last), /\/status-lists\/1\/revocation$/)
    assert.match(listOf(next), /\/status-lists\/2\/revocation$/)
    assert.equal((await verify(sys, next.body.verifiableCredential)).body.verified, true)
  })

  it('when a person opens the service roots, then each describes itself and its endpoints', async () => {
    const issuerIndex = (await (await fetch(`${sys.issuerUrl}/`)).json()) as { service: string; did: string }
    assert.deepEqual([issuerIndex.service, issuerIndex.did], ['credit-bank issuer', sys.did])
    const verifierIndex = (await (await fetch(`${sys.verifierUrl}/`)).json()) as { service: string; trustedIssuers: string[] }
    assert.deepEqual([verifierIndex.service, verifierIndex.trustedIssuers], ['credit-bank verifier', [sys.did]])
  })

  it('when the services are asked for health, then /healthz and /readyz answer 200', async () => {
    for (const base of [sys.issuerUrl, sys.verifierUrl]) {
      assert.equal((await fetch(`${base}/healthz`)).status, 200)
      const ready = await fetch(`${base}/readyz`)
      assert.equal(ready.status, 200)
    }
  })
})

describe('presentations (HTTP)', () => {
  let sys: TestSystem
  before(async () => {
    sys = await startTestSystem()
  })
  after(() => sys.close())

  const holder = generateKeyPairSync('ed25519')
  const holderDid = didKeyFromPublicKey(holder.publicKey)
  const kid = `${holderDid}#${holderDid.slice('did:key:'.length)}`

  async function present(credentials: Record<string, unknown>[], nonce: string, aud = 'https://employer.example') {
    const vp = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiablePresentation'],
      holder: holderDid,
      verifiableCredential: credentials,
    }
    return new SignJWT({ ...vp, nonce } as never)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'vp+jwt', kid })
      .setIssuer(holderDid)
      .setAudience(aud)
      .setIssuedAt(Math.floor(sys.clock().getTime() / 1000))
      .sign(holder.privateKey)
  }
  const challenge = async () =>
    (await post<{ challenge: string }>(`${sys.verifierUrl}/challenges`, { domain: 'https://employer.example' })).body.challenge
  const verifyVp = (vp: string, c: string, domain = 'https://employer.example', holderBinding = false) =>
    post<Report>(`${sys.verifierUrl}/presentations/verify`, {
      verifiablePresentation: vp,
      options: { challenge: c, domain, ...(holderBinding ? { holderBinding } : {}) },
    })
  const learnerCredential = async (id?: string) =>
    (
      await issueAsBank(
        sys,
        buildAchievementCredential(sys.did, {
          ...(id ? { id } : {}),
          credentialSubject: { ...buildAchievementCredential(sys.did).credentialSubject, id: holderDid },
        }),
      )
    ).body.verifiableCredential

  it('when a learner presents a credential with the challenge, then the presentation and every credential in it verify', async () => {
    const c = await challenge()
    const { status, body } = await verifyVp(await present([await learnerCredential()], c), c, 'https://employer.example', true)
    assert.equal(status, 200, JSON.stringify(body.checks))
    assert.equal(body.verified, true, JSON.stringify(body.checks))
    assert.equal(check(body, 'challenge'), 'passed')
    assert.equal(check(body, 'domain'), 'passed')
    assert.equal(check(body, 'holder_binding'), 'passed')
    assert.equal(check(body, 'credentials'), 'passed')
    assert.equal(body.credentials?.[0]?.verified, true)
  })

  it('when the same challenge is used twice, then the second presentation fails', async () => {
    const c = await challenge()
    const vp = await present([await learnerCredential()], c)
    assert.equal((await verifyVp(vp, c)).body.verified, true)
    const replay = (await verifyVp(vp, c)).body
    assert.equal(replay.verified, false)
    assert.equal(check(replay, 'challenge'), 'failed:challenge_used')
  })

  it("when the presentation answers another challenge, then it fails; a challenge the caller made is checked as the caller's", async () => {
    const c = await challenge()
    const vp = await present([await learnerCredential()], 'not-the-challenge')
    assert.equal(check((await verifyVp(vp, c)).body, 'challenge'), 'failed:challenge_mismatch')
    const made = await present([await learnerCredential()], 'made-by-the-relying-party')
    const { body } = await verifyVp(made, 'made-by-the-relying-party')
    assert.equal(check(body, 'challenge'), 'passed')
    assert.deepEqual(body.checks.find((x) => x.id === 'challenge')?.details, { issuedBy: 'caller' })
  })

  it('when the challenge has expired, then the presentation fails', async () => {
    const c = await challenge()
    const vp = await present([await learnerCredential()], c)
    sys.clock.advance(sys.config.challengeTtlSeconds + 1)
    assert.equal(check((await verifyVp(vp, c)).body, 'challenge'), 'failed:challenge_expired')
  })

  it('when a presentation carries a revoked credential, then the presentation fails on it', async () => {
    const id = 'urn:uuid:8a2e0b63-1d2f-4c6f-8b54-000000000001'
    const vc = await learnerCredential(id)
    await setStatus(sys, id, 'revocation')
    sys.clock.advance(sys.config.statusListTtlSeconds + 1)
    const c = await challenge()
    const { body } = await verifyVp(await present([vc], c), c)
    assert.equal(body.verified, false)
    assert.equal(check(body, 'credentials'), 'failed:credential_not_verified')
    assert.equal(check(body.credentials![0]!, 'status'), 'failed:revoked')
  })

  it('when a certification report is presented with the credentials it covers, then their digests must match the report', async () => {
    const [first, second] = TEST_COVERED_CREDENTIAL_IDS
    const covered = [await learnerCredential(first), await learnerCredential(second)]
    const sri = (vc: Record<string, unknown>, alg: 'sha256' | 'sha384') => `${alg}-${createHash(alg).update(jwtOf(vc)).digest('base64')}`
    const report = async (digests: string[]) => {
      const base = buildCertificationReportCredential(sys.did)
      const credential = {
        ...base,
        credentialSubject: { ...base.credentialSubject, id: holderDid },
        relatedResource: [
          { id: first, digestSRI: digests[0] },
          { id: second, digestSRI: digests[1] },
        ],
      }
      const res = await issueAsBank(sys, credential)
      assert.equal(res.status, 201, JSON.stringify(res.body))
      return res.body.verifiableCredential
    }
    const genuine = await report([sri(covered[0]!, 'sha384'), sri(covered[1]!, 'sha256')])
    let c = await challenge()
    const ok = (await verifyVp(await present([genuine, ...covered], c), c)).body
    assert.equal(ok.verified, true, JSON.stringify(ok.checks))
    assert.equal(check(ok, 'related_resources'), 'passed')

    const other = await learnerCredential()
    const pinnedOther = await report([sri(other, 'sha384'), sri(covered[1]!, 'sha256')])
    c = await challenge()
    const swapped = (await verifyVp(await present([pinnedOther, ...covered], c), c)).body
    assert.equal(swapped.verified, false)
    assert.equal(check(swapped, 'related_resources'), 'failed:related_resource_digest_mismatch')

    c = await challenge()
    assert.equal(
      check((await verifyVp(await present([covered[0]!], c), c)).body, 'related_resources'),
      'skipped:no_related_resources_presented',
    )
  })

  it('when no challenge is given, then the verifier refuses with 400 invalid_request', async () => {
    const res = await post(`${sys.verifierUrl}/presentations/verify`, { verifiablePresentation: await present([], 'x') })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'invalid_request')
  })
})
