// SECURITY.md B4 over HTTP: keys under the wrong relationship, broken or hostile DID hosts, SSRF DIDs, other methods, rotation.
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { buildAchievementCredential } from '../../fixtures/builders.ts'
import {
  check,
  issueAsBank,
  jwtOf,
  startTestSystem,
  verify,
  type HttpResult,
  type Report,
  type TestSystem,
} from '../../fixtures/test-system.ts'
import { decodeJwt, didDocument, FakeHost, FakeHosts, forgeJws, vcJwtPayload, type Json } from '../helpers/attacks.ts'

/** The fetch timeout of this file's system: short, so hanging hosts cost little. */
const FETCH_TIMEOUT_MS = 400

/** A vc+jwt that claims `did` as its issuer, with kid `${did}#key-1`, signed by a throw-away key. */
function claimedBy(did: string): string {
  const { privateKey } = generateKeyPairSync('ed25519')
  return forgeJws(
    { alg: 'EdDSA', typ: 'vc+jwt', kid: `${did}#key-1` },
    vcJwtPayload(buildAchievementCredential(did) as unknown as Json, did),
    privateKey,
  )
}

function assertProofFailed(res: HttpResult<Report>, reason: string): void {
  assert.equal(check(res.body, 'proof'), `failed:${reason}`, JSON.stringify(res.body.checks))
  assert.equal(res.body.verified, false)
  assert.notEqual(res.status, 500)
}

describe('security B4: DID and key resolution (HTTP)', () => {
  let sys: TestSystem
  const hosts = new FakeHosts()
  /** A loopback server standing for an internal service: it must never be reached. */
  let internal: FakeHost

  before(async () => {
    sys = await startTestSystem({ CB_FETCH_TIMEOUT_MS: String(FETCH_TIMEOUT_MS), CB_FETCH_MAX_BYTES: '65536' })
    internal = await hosts.create()
    internal.serve('/.well-known/did.json', { secret: true })
    internal.serve('/', { secret: true })
  })
  after(async () => {
    await hosts.closeAll()
    await sys.close()
  })

  describe('#28 the key must be under assertionMethod', () => {
    for (const relationship of ['authentication', 'capabilityInvocation', 'capabilityDelegation', 'keyAgreement']) {
      it(`when the signing key is listed only under ${relationship}, then the proof fails with verification_method_not_authorized`, async () => {
        const signer = await hosts.signer({ relationships: [relationship] })
        assertProofFailed(
          await verify(sys, signer.sign(vcJwtPayload(buildAchievementCredential(signer.did) as unknown as Json, signer.did))),
          'verification_method_not_authorized',
        )
      })
    }

    it('when the signing key is embedded under authentication only (not in verificationMethod), then the proof fails with verification_method_not_authorized', async () => {
      const host = await hosts.create()
      const { privateKey, publicKey } = generateKeyPairSync('ed25519')
      const kid = `${host.did}#auth`
      const doc = didDocument(host.did, [{ kid, publicKey, relationships: [] }])
      host.serveDid({ id: host.did, authentication: doc.verificationMethod })
      const token = forgeJws(
        { alg: 'EdDSA', typ: 'vc+jwt', kid },
        vcJwtPayload(buildAchievementCredential(host.did) as unknown as Json, host.did),
        privateKey,
      )
      assertProofFailed(await verify(sys, token), 'verification_method_not_authorized')
    })

    it('when the kid names a key the document does not define, then the proof fails with verification_method_not_found', async () => {
      const signer = await hosts.signer()
      assertProofFailed(
        await verify(
          sys,
          signer.sign(vcJwtPayload(buildAchievementCredential(signer.did) as unknown as Json, signer.did), { kid: `${signer.did}#key-2` }),
        ),
        'verification_method_not_found',
      )
    })

    it('when the key is under assertionMethod, then the proof passes and only issuer trust fails (control)', async () => {
      const signer = await hosts.signer()
      const res = await verify(sys, signer.sign(vcJwtPayload(buildAchievementCredential(signer.did) as unknown as Json, signer.did)))
      assert.equal(check(res.body, 'proof'), 'passed')
      assert.equal(check(res.body, 'issuer_trust'), 'failed:issuer_not_trusted')
    })
  })

  describe('#29 #30 broken DID hosts fail closed and fast', () => {
    const cases: [string, (host: FakeHost) => void, string][] = [
      ['answers 404', (h) => h.serveDid({ error: 'nope' }, 404), 'did_not_found'],
      ['answers 410', (h) => h.serveDid({ error: 'gone' }, 410), 'did_not_found'],
      ['answers 500', (h) => h.serveDid({ error: 'boom' }, 500), 'did_unreachable'],
      ['answers 503', (h) => h.serveDid('', 503), 'did_unreachable'],
      ['answers 204 with no body', (h) => h.serveDid('', 204), 'invalid_did_document'],
      [
        'sends HTML',
        (h) => h.serve('/.well-known/did.json', '<html><body>hello</body></html>', 200, { 'content-type': 'text/html' }),
        'invalid_did_document',
      ],
      ['sends truncated JSON', (h) => h.serveDid('{"id": "did:web:'), 'invalid_did_document'],
      ['sends a JSON array', (h) => h.serveDid([]), 'invalid_did_document'],
      ['sends a JSON string', (h) => h.serveDid('"did:web:localhost"'), 'invalid_did_document'],
      [
        'sends invalid UTF-8',
        (h) => h.routes.set('/.well-known/did.json', (_q, r) => void r.writeHead(200).end(Buffer.from([0x7b, 0xff, 0x7d]))),
        'invalid_did_document',
      ],
      ['sends a document larger than the cap', (h) => h.serveDid({ id: h.did, padding: 'x'.repeat(100_000) }), 'invalid_did_document'],
      [
        'streams a body larger than the cap without Content-Length',
        (h) =>
          h.routes.set('/.well-known/did.json', (_q, r) => {
            r.writeHead(200, { 'content-type': 'application/json' })
            for (let i = 0; i < 20; i++) r.write(Buffer.alloc(8192, 0x20))
            r.end()
          }),
        'invalid_did_document',
      ],
      [
        'redirects (302) to an internal address',
        (h) => h.serve('/.well-known/did.json', '', 302, { location: `http://127.0.0.1:${internal.port}/` }),
        'did_unreachable',
      ],
      [
        'redirects (301) to a loopback name',
        (h) => h.serve('/.well-known/did.json', '', 301, { location: `${internal.origin}/.well-known/did.json` }),
        'did_unreachable',
      ],
      ['returns a document whose id is another DID', (h) => h.serveDid({ id: 'did:web:bank.example' }), 'did_document_id_mismatch'],
      [
        'returns a document whose id differs only in case',
        (h) => h.serveDid({ id: h.did.replace('localhost', 'LOCALHOST') }),
        'did_document_id_mismatch',
      ],
      ['returns a document without id', (h) => h.serveDid({ verificationMethod: [] }), 'invalid_did_document'],
      [
        'returns a document whose verificationMethod is not an array',
        (h) => h.serveDid({ id: h.did, verificationMethod: { id: 'x' } }),
        'invalid_did_document',
      ],
    ]
    for (const [what, setUp, reason] of cases) {
      it(`when the issuer's DID host ${what}, then the proof fails with ${reason}`, async () => {
        const host = await hosts.create()
        setUp(host)
        internal.hits.length = 0
        assertProofFailed(await verify(sys, claimedBy(host.did)), reason)
        assert.deepEqual(internal.hits, [], 'redirects are not followed')
      })
    }

    it('when the DID host never answers, then the proof fails with did_unreachable within the fetch timeout (no hang)', async () => {
      const host = await hosts.create()
      host.routes.set('/.well-known/did.json', () => undefined)
      const started = Date.now()
      assertProofFailed(await verify(sys, claimedBy(host.did)), 'did_unreachable')
      const ms = Date.now() - started
      assert.ok(ms >= FETCH_TIMEOUT_MS - 50 && ms < FETCH_TIMEOUT_MS + 1500, `answered in ${ms} ms`)
    })

    it('when the DID host drips its body byte by byte, then the proof fails with did_unreachable within the fetch timeout', async () => {
      const host = await hosts.create()
      host.routes.set('/.well-known/did.json', (_q, r) => {
        r.writeHead(200, { 'content-type': 'application/json' })
        const timer = setInterval(() => (r.writableEnded ? clearInterval(timer) : r.write(' ')), 50)
        r.on('close', () => clearInterval(timer))
      })
      const started = Date.now()
      assertProofFailed(await verify(sys, claimedBy(host.did)), 'did_unreachable')
      assert.ok(Date.now() - started < FETCH_TIMEOUT_MS + 1500)
    })

    it("when nothing listens on the DID host's port, then the proof fails with did_unreachable", async () => {
      const host = await hosts.create()
      const did = host.did
      await host.close()
      assertProofFailed(await verify(sys, claimedBy(did)), 'did_unreachable')
    })

    it('when many credentials name hanging DID hosts at once, then the verifier still answers them all and stays healthy', async () => {
      const host = await hosts.create()
      host.routes.set('/.well-known/did.json', () => undefined)
      const answers = await Promise.all(Array.from({ length: 10 }, () => verify(sys, claimedBy(host.did))))
      for (const a of answers) assertProofFailed(a, 'did_unreachable')
      assert.equal((await fetch(`${sys.verifierUrl}/healthz`)).status, 200)
    })
  })

  describe('#31 SSRF and injection through did:web', () => {
    const dids: [string, () => string][] = [
      ['an IPv4 loopback literal with a port', () => `did:web:127.0.0.1%3A${internal.port}`],
      ['the cloud metadata address', () => 'did:web:169.254.169.254'],
      ['a private IPv4 address', () => 'did:web:10.0.0.1'],
      ['an IPv6 literal', () => 'did:web:[::1]'],
      ['an encoded IPv6 literal', () => 'did:web:%5B%3A%3A1%5D'],
      ['a decimal IPv4 integer', () => 'did:web:2130706433'],
      ['a hex IPv4', () => 'did:web:0x7f000001'],
      ['a short IPv4 form', () => 'did:web:127.1'],
      ['userinfo (%40)', () => 'did:web:x%40internal'],
      ['userinfo with a password', () => `did:web:user%3Apass%40localhost%3A${internal.port}`],
      ['an encoded path traversal', () => 'did:web:bank.example:..%2F..%2Fadmin'],
      ['a dot-dot path segment', () => 'did:web:bank.example:..'],
      ['an encoded fragment (%23)', () => 'did:web:bank.example%23frag'],
      ['an encoded query (%3F)', () => 'did:web:bank.example%3Fq%3D1'],
      ['port 0', () => 'did:web:bank.example%3A0'],
      ['port 99999', () => 'did:web:bank.example%3A99999'],
      ['an upper-case host', () => 'did:web:Bank.Example'],
      ['an empty host', () => 'did:web:'],
      ['a host with a space', () => 'did:web:bank example'],
    ]
    for (const [what, didOf] of dids) {
      it(`when the issuer is a did:web with ${what}, then the proof fails with invalid_did before any request is made`, async () => {
        internal.hits.length = 0
        assertProofFailed(await verify(sys, claimedBy(didOf())), 'invalid_did')
        assert.deepEqual(internal.hits, [])
      })
    }
  })

  describe('#32 other methods and malformed DIDs', () => {
    for (const did of [
      'did:ethr:0x52908400098527886E0F7030069857D2E4169EE7',
      'did:example:123456789abcdefghi',
      'did:ion:EiClkZMDxPKqC9c-umQfTkR8vvZ9JPhl_xLDI9Nfk38w5w',
      'did:peer:0z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH',
    ]) {
      it(`when the issuer uses an unsupported method (${did.split(':')[1]}), then the proof fails with unsupported_did_method`, async () => {
        assertProofFailed(await verify(sys, claimedBy(did)), 'unsupported_did_method')
      })
    }

    for (const did of [
      'did:WEB:bank.example',
      'did::bank.example',
      'did:web:bank.example:',
      'did:key:not-a-key',
      'did:jwk:e30',
      'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' + 'x'.repeat(200),
    ]) {
      it(`when the issuer DID is malformed (${did.slice(0, 40)}), then the proof fails with invalid_did`, async () => {
        assertProofFailed(await verify(sys, claimedBy(did)), 'invalid_did')
      })
    }

    for (const issuer of ['bank.example', 'https://bank.example', 'urn:uuid:0b0b6f4e-2f41-4c56-9a43-6c1b2d2f6a01']) {
      it(`when the issuer is not a DID (${issuer}), then the proof fails with issuer_not_did`, async () => {
        const { privateKey } = generateKeyPairSync('ed25519')
        const token = forgeJws(
          { alg: 'EdDSA', typ: 'vc+jwt', kid: 'did:web:bank.example#key-1' },
          vcJwtPayload(buildAchievementCredential(issuer) as unknown as Json, issuer),
          privateKey,
        )
        const res = await verify(sys, token)
        assert.equal(check(res.body, 'proof'), 'failed:issuer_not_did')
        assert.equal(res.body.verified, false)
      })
    }
  })

  describe('#33 key rotation and the DID cache TTL', () => {
    it('when the bank rotates its key, then new credentials use the new kid, both keys are published, and old and new credentials verify', async () => {
      const before = await issueAsBank(sys, buildAchievementCredential(sys.did))
      const oldJwt = jwtOf(before.body.verifiableCredential)
      const oldKid = decodeJwt(oldJwt).header.kid
      assert.equal((await verify(sys, oldJwt)).body.verified, true)

      const newKid = await sys.issuer.identity.rotate()
      assert.notEqual(newKid, oldKid)
      const doc = (await (await fetch(`${sys.issuerUrl}/.well-known/did.json`)).json()) as { assertionMethod: string[] }
      assert.deepEqual([...doc.assertionMethod].sort(), [oldKid, newKid].sort())

      const after = await issueAsBank(sys, buildAchievementCredential(sys.did))
      const newJwt = jwtOf(after.body.verifiableCredential)
      assert.equal(decodeJwt(newJwt).header.kid, newKid)
      assert.equal((await verify(sys, oldJwt)).body.verified, true, 'the old key stays published, so old credentials verify')

      // The verifier may hold the pre-rotation document for up to CB_DID_CACHE_TTL_SECONDS.
      sys.clock.advance(sys.config.didCacheTtlSeconds + 1)
      for (const token of [oldJwt, newJwt]) {
        const res = await verify(sys, token)
        assert.equal(check(res.body, 'proof'), 'passed')
        assert.equal(res.body.verified, true)
      }
    })

    it('when the bank rotates its key, then a credential signed with the new key verifies at a verifier that cached the old DID document, once that document is older than CB_DID_REFRESH_SECONDS (not only after the cache TTL)', async () => {
      const first = await issueAsBank(sys, buildAchievementCredential(sys.did))
      assert.equal((await verify(sys, first.body.verifiableCredential)).body.verified, true, 'the verifier now holds the current document')
      sys.clock.advance(sys.config.didRefreshSeconds)
      const newKid = await sys.issuer.identity.rotate()
      const fresh = await issueAsBank(sys, buildAchievementCredential(sys.did))
      assert.equal(decodeJwt(jwtOf(fresh.body.verifiableCredential)).header.kid, newKid)
      const res = await verify(sys, fresh.body.verifiableCredential)
      assert.equal(check(res.body, 'proof'), 'passed', 'an unknown kid of a cached issuer must trigger one fresh resolution before failing')
    })

    it('when a key is removed from the DID document, then its credentials keep verifying only until the DID cache TTL has passed', async () => {
      const signer = await hosts.signer()
      const token = signer.sign(vcJwtPayload(buildAchievementCredential(signer.did) as unknown as Json, signer.did))
      assert.equal(check((await verify(sys, token)).body, 'proof'), 'passed')

      const { publicKey } = generateKeyPairSync('ed25519')
      signer.host.serveDid(didDocument(signer.did, [{ kid: `${signer.did}#key-2`, publicKey, relationships: ['assertionMethod'] }]))
      sys.clock.advance(sys.config.didCacheTtlSeconds - 1)
      assert.equal(check((await verify(sys, token)).body, 'proof'), 'passed', 'within the TTL the cached document still lists the key')
      sys.clock.advance(2)
      assertProofFailed(await verify(sys, token), 'verification_method_not_found')
    })

    it('when a key stays published but is moved from assertionMethod to authentication, then its credentials fail once the TTL has passed', async () => {
      const signer = await hosts.signer()
      const token = signer.sign(vcJwtPayload(buildAchievementCredential(signer.did) as unknown as Json, signer.did))
      assert.equal(check((await verify(sys, token)).body, 'proof'), 'passed')
      signer.host.serveDid(didDocument(signer.did, [{ kid: signer.kid, publicKey: signer.publicKey, relationships: ['authentication'] }]))
      sys.clock.advance(sys.config.didCacheTtlSeconds + 1)
      assertProofFailed(await verify(sys, token), 'verification_method_not_authorized')
    })
  })
})
