// createDidResolver: did:web against a loopback server (syntax, SSRF, failures, cache), did:key, did:jwk, and the did-resolver adapter.
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Resolver } from 'did-resolver'
import { fixedClock } from '../../../core/clock.ts'
import { didKeyFromPublicKey } from '../../../core/did/did-key.ts'
import { createDidResolver, DidResolutionError, didResolverRegistry } from '../../../core/did/resolver.ts'
import type { DidResolverOptions } from '../../../core/did/resolver.ts'
import type { DidDocument } from '../../../core/did/types.ts'

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void

const sendJson = (res: http.ServerResponse, value: unknown, status = 200): void => {
  res.writeHead(status, { 'Content-Type': 'application/did+json' })
  res.end(JSON.stringify(value))
}

const buildDocument = (did: string, overrides: Record<string, unknown> = {}): Record<string, unknown> => {
  const { publicKey } = generateKeyPairSync('ed25519')
  const { kty, crv, x } = publicKey.export({ format: 'jwk' })
  return {
    '@context': ['https://www.w3.org/ns/did/v1'],
    id: did,
    verificationMethod: [{ id: `${did}#key-1`, type: 'JsonWebKey', controller: did, publicKeyJwk: { kty, crv, x } }],
    assertionMethod: [`${did}#key-1`],
    ...overrides,
  }
}

const failsWith = async (promise: Promise<unknown>, code: DidResolutionError['code']): Promise<void> => {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof DidResolutionError, `expected DidResolutionError, got ${String(e)}`)
    assert.equal(e.code, code, e.message)
    return true
  })
}

describe('createDidResolver', () => {
  let server: http.Server
  let port: number
  let did: string
  let requests: string[]
  let handler: Handler
  let clock: ReturnType<typeof fixedClock>

  before(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '')
      handler(req, res)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
    did = `did:web:localhost%3A${port}`
  })
  after(() => {
    server.closeAllConnections()
    server.close()
  })
  beforeEach(() => {
    requests = []
    clock = fixedClock('2025-01-01T00:00:00Z')
    handler = (_req, res) => sendJson(res, buildDocument(did))
  })

  const resolverWith = (overrides: Partial<DidResolverOptions> = {}) =>
    createDidResolver({ allowInsecureLocalhost: true, timeoutMs: 2000, maxBytes: 64 * 1024, cacheTtlSeconds: 300, clock, ...overrides })

  describe('did:web', () => {
    it('when a loopback server serves the document in development, then it resolves from /.well-known/did.json', async () => {
      const doc = await resolverWith().resolve(did)
      assert.equal(doc.id, did)
      assert.equal(doc.verificationMethod?.[0]?.type, 'JsonWebKey')
      assert.deepEqual(requests, ['/.well-known/did.json'])
    })

    it('when the DID has path segments, then the document is fetched from <path>/did.json', async () => {
      const pathDid = `${did}:issuers:jiangsu`
      handler = (_req, res) => sendJson(res, buildDocument(pathDid))
      assert.equal((await resolverWith().resolve(pathDid)).id, pathDid)
      assert.deepEqual(requests, ['/issuers/jiangsu/did.json'])
    })

    it('when a document is resolved, then it is deeply frozen so callers cannot poison the cache', async () => {
      const doc = await resolverWith().resolve(did)
      assert.ok(Object.isFrozen(doc))
      assert.ok(Object.isFrozen(doc.verificationMethod?.[0]?.publicKeyJwk))
    })

    it('when allowInsecureLocalhost is off, then the localhost DID is refused and the server sees no request', async () => {
      await failsWith(resolverWith({ allowInsecureLocalhost: false }).resolve(did), 'invalid_did')
      assert.deepEqual(requests, [])
    })

    for (const status of [404, 410]) {
      it(`when the server answers ${status}, then did_not_found`, async () => {
        handler = (_req, res) => sendJson(res, { error: 'gone' }, status)
        await failsWith(resolverWith().resolve(did), 'did_not_found')
      })
    }

    it('when the server answers 500, then did_unreachable', async () => {
      handler = (_req, res) => sendJson(res, buildDocument(did), 500)
      await failsWith(resolverWith().resolve(did), 'did_unreachable')
    })

    it('when the server redirects (e.g. to an internal host), then did_unreachable and the redirect is not followed', async () => {
      handler = (_req, res) => {
        res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data/' })
        res.end()
      }
      await failsWith(resolverWith().resolve(did), 'did_unreachable')
      assert.equal(requests.length, 1)
    })

    it('when the server is slower than the timeout, then did_unreachable quickly', async () => {
      handler = () => undefined
      const started = performance.now()
      await failsWith(resolverWith({ timeoutMs: 150 }).resolve(did), 'did_unreachable')
      assert.ok(performance.now() - started < 1000)
    })

    it('when the body is not JSON, then invalid_did_document', async () => {
      handler = (_req, res) => res.end('<html>not a DID document</html>')
      await failsWith(resolverWith().resolve(did), 'invalid_did_document')
    })

    it('when the body is JSON but not an object, then invalid_did_document', async () => {
      handler = (_req, res) => sendJson(res, [buildDocument(did)])
      await failsWith(resolverWith().resolve(did), 'invalid_did_document')
    })

    it('when the document is larger than maxBytes, then invalid_did_document', async () => {
      handler = (_req, res) => sendJson(res, buildDocument(did, { padding: 'x'.repeat(5000) }))
      await failsWith(resolverWith({ maxBytes: 2000 }).resolve(did), 'invalid_did_document')
    })

    it('when the document id is another DID, then did_document_id_mismatch', async () => {
      handler = (_req, res) => sendJson(res, buildDocument('did:web:evil.example'))
      await failsWith(resolverWith().resolve(did), 'did_document_id_mismatch')
    })

    for (const [name, overrides] of [
      ['a verification method without type', { verificationMethod: [{ id: '#k', controller: 'x' }] }],
      ['verificationMethod not an array', { verificationMethod: {} }],
      ['assertionMethod holding a number', { assertionMethod: [7] }],
      ['publicKeyJwk a string', { verificationMethod: [{ id: '#k', type: 'JsonWebKey', controller: 'x', publicKeyJwk: 'k' }] }],
      [
        'a verification method id defined twice',
        {
          verificationMethod: [{ id: '#k', type: 'Multikey', controller: 'x' }],
          assertionMethod: [{ id: 'DID#k', type: 'Multikey', controller: 'x' }],
        },
      ],
      ['controller a number', { controller: 5 }],
    ] as const) {
      it(`when the document has ${name}, then invalid_did_document`, async () => {
        const patched = JSON.parse(JSON.stringify(overrides).replaceAll('DID#', `${did}#`)) as Record<string, unknown>
        handler = (_req, res) => sendJson(res, buildDocument(did, patched))
        await failsWith(resolverWith().resolve(did), 'invalid_did_document')
      })
    }

    const ssrf = [
      'did:web:127.0.0.1%3APORT',
      'did:web:127.0.0.1',
      'did:web:169.254.169.254',
      'did:web:[::1]',
      'did:web:x%40internal',
      'did:web:localhost%40127.0.0.1%3APORT',
      'did:web:example.com:..%2F..%2Fadmin',
      'did:web:example.com:..',
      'did:web:example.com%23frag',
      'did:web:example.com%3Fq',
      'did:web:example.com%2Fadmin',
      'did:web:example.com%3A0',
      'did:web:example.com%3A65536',
      'did:web:example.com%3A080',
      'did:web:example.com::admin',
      'did:web:example.com:',
      'did:web:2130706433',
      'did:web:0x7f000001',
      'did:web:0x7f.1',
      'did:web:Example.com',
      'did:web:-example.com',
      'did:web:example..com',
      'did:web:localhost%3APORT:a%20b',
      'did:web:%zz',
      'did:web:example.com:%zz',
      'did:web:example.com:%E0%A4%A',
      'did:web:%',
      'did:web:',
    ]
    for (const example of ssrf) {
      it(`when the DID is ${example}, then invalid_did and no request is made`, async () => {
        await failsWith(resolverWith().resolve(example.replace('PORT', String(port))), 'invalid_did')
        assert.deepEqual(requests, [])
      })
    }
  })

  describe('cache', () => {
    it('when resolved twice within the TTL, then only one request is made, and after the TTL a new one', async () => {
      const resolver = resolverWith({ cacheTtlSeconds: 60 })
      await resolver.resolve(did)
      clock.advance(59)
      await resolver.resolve(did)
      assert.equal(requests.length, 1)
      clock.advance(1)
      await resolver.resolve(did)
      assert.equal(requests.length, 2)
    })

    it('when the TTL is 0, then every resolve fetches', async () => {
      const resolver = resolverWith({ cacheTtlSeconds: 0 })
      await resolver.resolve(did)
      await resolver.resolve(did)
      assert.equal(requests.length, 2)
    })

    it('when invalidated, then the next resolve fetches again (one DID: once the refresh interval has passed; all: at once)', async () => {
      const resolver = resolverWith()
      await resolver.resolve(did)
      clock.advance(30)
      resolver.invalidate(did)
      await resolver.resolve(did)
      resolver.invalidate()
      await resolver.resolve(did)
      assert.equal(requests.length, 3)
    })

    it('when refreshed 20 times within the refresh interval, then at most one request is made, and after the interval one more', async () => {
      const resolver = resolverWith()
      await resolver.resolve(did)
      for (let i = 0; i < 20; i++) {
        resolver.refresh(did)
        await resolver.resolve(did)
      }
      assert.equal(requests.length, 1, 'the document fetched just now is what a refetch would see')
      clock.advance(29)
      resolver.refresh(did)
      await resolver.resolve(did)
      assert.equal(requests.length, 1)
      clock.advance(1)
      for (let i = 0; i < 20; i++) {
        resolver.refresh(did)
        await resolver.resolve(did)
      }
      assert.equal(requests.length, 2)
      clock.advance(30)
      resolver.invalidate(did)
      await resolver.resolve(did)
      assert.equal(requests.length, 3)
    })

    it('when the refresh interval is configured, then it is the bound', async () => {
      const resolver = resolverWith({ refreshIntervalSeconds: 5 })
      await resolver.resolve(did)
      clock.advance(5)
      resolver.refresh(did)
      await resolver.resolve(did)
      resolver.refresh(did)
      await resolver.resolve(did)
      assert.equal(requests.length, 2)
    })

    it('when several resolves of one DID run at once, then they share one fetch', async () => {
      handler = (_req, res) => setTimeout(() => sendJson(res, buildDocument(did)), 50)
      const resolver = resolverWith()
      const docs = await Promise.all([resolver.resolve(did), resolver.resolve(did), resolver.resolve(did)])
      assert.equal(requests.length, 1)
      assert.ok(docs.every((d) => d === docs[0]))
    })

    it('when a resolve fails, then the failure is not cached', async () => {
      const resolver = resolverWith()
      handler = (_req, res) => sendJson(res, {}, 503)
      await failsWith(resolver.resolve(did), 'did_unreachable')
      handler = (_req, res) => sendJson(res, buildDocument(did))
      assert.equal((await resolver.resolve(did)).id, did)
      assert.equal(requests.length, 2)
    })

    it('when everything is invalidated while a fetch is in flight, then that fetch does not fill the cache', async () => {
      handler = (_req, res) => setTimeout(() => sendJson(res, buildDocument(did)), 50)
      const resolver = resolverWith()
      const first = resolver.resolve(did)
      resolver.invalidate()
      await first
      await resolver.resolve(did)
      assert.equal(requests.length, 2)
    })
  })

  describe('other methods', () => {
    it('when given a did:key of a generated key, then it resolves without any request', async () => {
      const key = didKeyFromPublicKey(generateKeyPairSync('ed25519').publicKey)
      const doc = await resolverWith().resolve(key)
      assert.equal(doc.id, key)
      assert.deepEqual(requests, [])
    })

    for (const unsupported of [
      'did:ethr:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed',
      'did:example:123',
      'did:ion:EiClkZMDxPKqC9c-umQfTkR8',
    ]) {
      it(`when the method is unsupported (${unsupported}), then unsupported_did_method`, async () => {
        await failsWith(resolverWith().resolve(unsupported), 'unsupported_did_method')
      })
    }

    for (const malformed of [
      '',
      'did',
      'did:',
      'did:web',
      'did:WEB:example.com',
      'https://example.com',
      'did:key:z6Mk#frag',
      'did:web:example.com/path',
      `did:web:${'a'.repeat(3000)}.com`,
    ]) {
      it(`when the DID is malformed (${JSON.stringify(malformed.slice(0, 40))}), then invalid_did`, async () => {
        await failsWith(resolverWith().resolve(malformed), 'invalid_did')
      })
    }
  })

  describe('didResolverRegistry', () => {
    it('when used by did-resolver, then documents resolve and our errors become didResolutionMetadata.error', async () => {
      const resolver = new Resolver(didResolverRegistry(resolverWith()))
      const key = didKeyFromPublicKey(generateKeyPairSync('ed25519').publicKey)

      const ok = await resolver.resolve(`${key}#${key.slice('did:key:'.length)}`)
      assert.equal((ok.didDocument as DidDocument | null)?.id, key)
      assert.equal(ok.didResolutionMetadata.error, undefined)

      const web = await resolver.resolve(did)
      assert.equal(web.didDocument?.id, did)

      const ssrf = await resolver.resolve('did:web:169.254.169.254')
      assert.equal(ssrf.didDocument, null)
      assert.equal(ssrf.didResolutionMetadata.error, 'invalidDid')
      assert.equal(ssrf.didResolutionMetadata.code, 'invalid_did')

      handler = (_req, res) => sendJson(res, {}, 404)
      const missing = await resolver.resolve(`did:web:localhost%3A${port}:nobody`)
      assert.equal(missing.didResolutionMetadata.error, 'notFound')
    })
  })
})
