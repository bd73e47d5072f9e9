// Issue 5 item 6, the verifier's lows, over HTTP: a challenge's domain is enforced; bad did:web encodings and
// NumericDates no Date can hold are 400 reports, never 500; nothing is fetched for a credential whose proof failed;
// a status entry this verifier cannot read fails.
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { signDataIntegrity } from '../../core/proofs/data-integrity.ts'
import { buildAchievementCredential, buildStatusEntry, buildV1Credential, withValue } from '../../fixtures/builders.ts'
import { check, issueAsBank, startTestSystem, verify, type HttpResult, type Report, type TestSystem } from '../../fixtures/test-system.ts'
import {
  envelope,
  FakeHosts,
  forgeJws,
  newChallenge,
  newHolder,
  signPresentation,
  statusListPayload,
  vcJwtPayload,
  verifyPresentation,
  type FakeHost,
  type Json,
  type Signer,
} from '../helpers/attacks.ts'

const LIST_PATH = '/status/1'
const BAD_DID = 'did:web:%zz'
/** A syntactically valid base58btc proofValue (64 bytes of '1's decode to zeros): a signature that is simply wrong. */
const WRONG_PROOF_VALUE = `z${'1'.repeat(64)}`

type Partner = Signer & { host: FakeHost }

/** A report answer that is a 400 with a readable report, never a 500 or a problem without checks. */
function assertReport(res: HttpResult<Report>, expected: Record<string, string>): void {
  assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 400))
  assert.equal(res.body.verified, false)
  assert.ok(Array.isArray(res.body.checks), 'the body is a report')
  for (const [id, outcome] of Object.entries(expected))
    assert.equal(check(res.body, id), outcome, `${id}: ${JSON.stringify(res.body.checks)}`)
}

describe('verifier lows (issue 5 item 6, HTTP)', () => {
  let sys: TestSystem
  const hosts = new FakeHosts()

  before(async () => {
    sys = await startTestSystem()
  })
  after(async () => {
    await hosts.closeAll()
    await sys.close()
  })

  describe('the domain a challenge was issued for is enforced', () => {
    const X = 'https://employer.example'
    const Y = 'https://elsewhere.example'
    const holder = newHolder()
    let vc: Json
    before(async () => {
      vc = (await issueAsBank(sys, withValue(buildAchievementCredential(sys.did), '/credentialSubject/id', holder.did))).body
        .verifiableCredential
    })

    it('when a challenge made for X is answered by a presentation addressed to X and the request names no domain, then domain passes (control)', async () => {
      const challenge = await newChallenge(sys, X)
      const res = await verifyPresentation(sys, signPresentation(holder, [vc], { challenge, domain: X }), { challenge })
      assert.equal(res.status, 200, JSON.stringify(res.body.checks))
      assert.deepEqual(
        res.body.checks.find((c) => c.id === 'domain'),
        { id: 'domain', status: 'passed', details: { domain: X } },
      )
    })

    it('when a challenge made for X is answered by a presentation addressed to Y and the request names no domain, then domain fails with domain_mismatch', async () => {
      const challenge = await newChallenge(sys, X)
      const res = await verifyPresentation(sys, signPresentation(holder, [vc], { challenge, domain: Y }), { challenge })
      assertReport(res, { proof: 'passed', challenge: 'passed', domain: 'failed:domain_mismatch' })
    })

    it('when a challenge made for X is answered by a presentation without any audience, then domain fails with domain_mismatch', async () => {
      const challenge = await newChallenge(sys, X)
      assertReport(await verifyPresentation(sys, signPresentation(holder, [vc], { challenge }), { challenge }), {
        domain: 'failed:domain_mismatch',
      })
    })

    it('when a challenge made for X is checked with options.domain Y and the presentation is addressed to Y, then domain fails with domain_mismatch', async () => {
      const challenge = await newChallenge(sys, X)
      const res = await verifyPresentation(sys, signPresentation(holder, [vc], { challenge, domain: Y }), { challenge, domain: Y })
      assertReport(res, { challenge: 'passed', domain: 'failed:domain_mismatch' })
      assert.match(String(res.body.checks.find((c) => c.id === 'domain')?.message), /issued for https:\/\/employer\.example/)
    })

    it('when a Data Integrity presentation answers a challenge made for X with proof.domain Y, then domain fails with domain_mismatch', async () => {
      const challenge = await newChallenge(sys, X)
      const vp = await signDataIntegrity(
        {
          '@context': ['https://www.w3.org/ns/credentials/v2'],
          type: ['VerifiablePresentation'],
          holder: holder.did,
          verifiableCredential: [vc],
        },
        { verificationMethod: holder.kid, privateKey: holder.privateKey, publicKey: holder.publicKey },
        { created: sys.clock(), proofPurpose: 'authentication', challenge, domain: Y },
      )
      assertReport(await verifyPresentation(sys, vp, { challenge }), { proof: 'passed', domain: 'failed:domain_mismatch' })
    })
  })

  describe('malformed input is a 400 report, never a 500', () => {
    it(`when a vc+jwt names ${BAD_DID} as issuer and kid, then the proof fails with invalid_did (400)`, async () => {
      const credential = buildAchievementCredential(BAD_DID, { id: 'urn:uuid:6d000000-0000-4000-8000-000000000001' }) as unknown as Json
      const { privateKey } = generateKeyPairSync('ed25519')
      const jwt = forgeJws({ alg: 'EdDSA', typ: 'vc+jwt', kid: `${BAD_DID}#key-1` }, vcJwtPayload(credential, BAD_DID), privateKey)
      for (const input of [jwt, envelope(jwt)])
        assertReport(await verify(sys, input), { format: 'passed', proof: 'failed:invalid_did', status: 'skipped:proof_failed' })
    })

    it(`when a Data Integrity credential names ${BAD_DID} as issuer and verification method, then the proof fails with invalid_did (400)`, async () => {
      const credential = buildAchievementCredential(BAD_DID, { id: 'urn:uuid:6d000000-0000-4000-8000-000000000002' })
      const proof = {
        type: 'DataIntegrityProof',
        cryptosuite: 'eddsa-rdfc-2022',
        verificationMethod: `${BAD_DID}#key-1`,
        proofPurpose: 'assertionMethod',
        created: '2026-02-01T00:00:00Z',
        proofValue: WRONG_PROOF_VALUE,
      }
      assertReport(await verify(sys, { ...credential, proof }), { format: 'passed', proof: 'failed:invalid_did' })
    })

    it(`when a presentation's holder is ${BAD_DID}, then the proof fails with invalid_did (400)`, async () => {
      const holder = newHolder()
      const forged = forgeJws(
        { alg: 'EdDSA', typ: 'vp+jwt', kid: `${BAD_DID}#key-1` },
        {
          '@context': ['https://www.w3.org/ns/credentials/v2'],
          type: ['VerifiablePresentation'],
          holder: BAD_DID,
          iss: BAD_DID,
          nonce: 'rp-bad-did',
        },
        holder.privateKey,
      )
      assertReport(await verifyPresentation(sys, forged, { challenge: 'rp-bad-did' }), { proof: 'failed:invalid_did' })
    })

    for (const [claim, value] of [
      ['nbf', 1e20],
      ['exp', -1e20],
      ['nbf', -1e20],
      ['exp', 1e20],
      ['nbf', 'tomorrow'],
    ] as const) {
      it(`when a VC 1.1 JWT (typ JWT, vc claim) has ${claim}: ${JSON.stringify(value)}, then format fails with claims_malformed (400)`, async () => {
        const issuer = await hosts.signer()
        const vc = buildV1Credential(issuer.did)
        delete vc.issuer
        const jwt = forgeJws(
          { alg: 'EdDSA', typ: 'JWT', kid: issuer.kid },
          { iss: issuer.did, sub: 'did:example:learner', [claim]: value, vc },
          issuer.privateKey,
        )
        assertReport(await verify(sys, jwt), { format: 'failed:claims_malformed', proof: 'skipped:format_failed' })
      })
    }

    it('when a VC 1.1 JWT has an ordinary nbf, then it is read (control: the claim itself is accepted)', async () => {
      const issuer = await hosts.signer()
      const vc = buildV1Credential(issuer.did)
      delete vc.issuer
      delete vc.issuanceDate
      const jwt = forgeJws({ alg: 'EdDSA', typ: 'JWT', kid: issuer.kid }, { iss: issuer.did, nbf: 1_767_225_600, vc }, issuer.privateKey)
      const res = await verify(sys, jwt)
      assert.equal(check(res.body, 'format'), 'passed')
      assert.equal(check(res.body, 'proof'), 'passed')
      assert.equal(res.body.credential?.issuanceDate, '2026-01-01T00:00:00Z')
    })
  })

  describe('nothing is fetched for a credential whose proof failed', () => {
    /** A partner credential with a revocation entry on the partner's own list (which is served, all bits clear). */
    const withStatus = async (): Promise<{ partner: Partner; credential: Json }> => {
      const partner = await hosts.signer()
      const url = `${partner.host.origin}${LIST_PATH}`
      partner.host.serve(LIST_PATH, partner.sign(statusListPayload(partner.did, url)), 200, { 'content-type': 'application/vc+jwt' })
      const credential = buildAchievementCredential(partner.did, {
        id: 'urn:uuid:6d000000-0000-4000-8000-000000000010',
        credentialStatus: buildStatusEntry(url),
      }) as unknown as Json
      return { partner, credential }
    }
    const listHits = (p: Partner) => p.host.hits.filter((h) => h !== '/.well-known/did.json')

    it('when the vc+jwt is signed by the issuer, then its status list is fetched (control)', async () => {
      const { partner, credential } = await withStatus()
      const res = await verify(sys, partner.sign(vcJwtPayload(credential, partner.did)))
      assert.equal(check(res.body, 'status'), 'passed')
      assert.deepEqual(listHits(partner), [LIST_PATH])
    })

    it("when the vc+jwt is signed by another key under the issuer's kid, then the status is skipped (proof_failed) and the list host sees only the DID request", async () => {
      const { partner, credential } = await withStatus()
      const { privateKey } = generateKeyPairSync('ed25519')
      const forged = forgeJws({ alg: 'EdDSA', typ: 'vc+jwt', kid: partner.kid }, vcJwtPayload(credential, partner.did), privateKey)
      assertReport(await verify(sys, forged), { proof: 'failed:signature_invalid', status: 'skipped:proof_failed' })
      assert.deepEqual(listHits(partner), [])
      assert.deepEqual(partner.host.hits, ['/.well-known/did.json'])
    })

    it('when a Data Integrity credential was altered after signing, then the status is skipped (proof_failed) and nothing but the DID is fetched', async () => {
      const { partner, credential } = await withStatus()
      const signed = await signDataIntegrity(
        credential,
        { verificationMethod: partner.kid, privateKey: partner.privateKey, publicKey: partner.publicKey },
        { created: sys.clock() },
      )
      const genuine = await verify(sys, signed)
      assert.equal(check(genuine.body, 'status'), 'passed', 'control: the genuine one is looked up')
      partner.host.hits.length = 0
      const moved = withValue(signed, '/credentialStatus/statusListCredential', `${partner.host.origin}/anything/else`)
      assertReport(await verify(sys, moved), { proof: 'failed:signature_invalid', status: 'skipped:proof_failed' })
      assert.deepEqual(listHits(partner), [])
    })
  })

  describe('a status entry this verifier cannot read fails', () => {
    const credentialWith = async (entries: Json[]): Promise<{ partner: Partner; jwt: string }> => {
      const partner = await hosts.signer()
      const url = `${partner.host.origin}${LIST_PATH}`
      partner.host.serve(LIST_PATH, partner.sign(statusListPayload(partner.did, url)), 200, { 'content-type': 'application/vc+jwt' })
      // Each entry says its own purpose (or none): no default revocation purpose under it.
      const credentialStatus = entries.map((e) => {
        const { statusPurpose: _default, ...entry } = buildStatusEntry(url)
        return { ...entry, ...e }
      })
      const credential = buildAchievementCredential(partner.did, {
        id: 'urn:uuid:6d000000-0000-4000-8000-000000000020',
        credentialStatus,
      }) as unknown as Json
      return { partner, jwt: partner.sign(vcJwtPayload(credential, partner.did)) }
    }

    for (const [what, entry] of [
      ['"bogus"', { statusPurpose: 'bogus' }],
      ['missing', { statusPurpose: undefined }],
      ['an array', { statusPurpose: ['revocation'] }],
      ['"Revocation" (case matters)', { statusPurpose: 'Revocation' }],
    ] as const) {
      it(`when statusPurpose is ${what}, then status fails with status_entry_malformed (400)`, async () => {
        const { jwt } = await credentialWith([entry])
        assertReport(await verify(sys, jwt), { proof: 'passed', status: 'failed:status_entry_malformed' })
      })
    }

    it('when a readable revocation entry sits beside a bogus one, then status still fails with status_entry_malformed', async () => {
      const { jwt } = await credentialWith([{ statusPurpose: 'revocation' }, { statusPurpose: 'bogus' }])
      assertReport(await verify(sys, jwt), { status: 'failed:status_entry_malformed' })
    })

    it('when the entries are message and refresh purposes, then they are recorded as not checked and nothing is fetched', async () => {
      const { partner, jwt } = await credentialWith([{ statusPurpose: 'message' }, { statusPurpose: 'refresh' }])
      const res = await verify(sys, jwt)
      assert.deepEqual(
        res.body.checks.find((c) => c.id === 'status'),
        {
          id: 'status',
          status: 'passed',
          details: {
            entries: [
              { statusPurpose: 'message', checked: false },
              { statusPurpose: 'refresh', checked: false },
            ],
          },
        },
      )
      assert.deepEqual(
        partner.host.hits.filter((h) => h === LIST_PATH),
        [],
      )
    })

    it('when a message entry sits beside a revocation entry, then the revocation one is checked and the message one recorded as not checked', async () => {
      const { jwt } = await credentialWith([{ statusPurpose: 'message' }, { statusPurpose: 'revocation' }])
      const res = await verify(sys, jwt)
      assert.deepEqual(res.body.checks.find((c) => c.id === 'status')?.details, {
        entries: [
          { statusPurpose: 'message', checked: false },
          { statusPurpose: 'revocation', set: false },
        ],
      })
    })
  })
})
