// did:web <-> URL mapping: malformed percent-encoding is a coded invalid_did, and the scheme rule for localhost origins.
import assert from 'node:assert/strict'
import { didWebDocumentUrl, didWebFromUrl, didWebHost, didWebScheme } from '../../../core/did/did-web-url.ts'
import { DidResolutionError } from '../../../core/did/types.ts'

const invalidDid = (e: unknown): boolean => {
  assert.ok(e instanceof DidResolutionError, `expected DidResolutionError, got ${String(e)}`)
  assert.equal(e.code, 'invalid_did')
  return true
}

describe('did:web URLs', () => {
  describe('didWebHost and didWebDocumentUrl', () => {
    it('when the DID has a port and a path, then the host is decoded and the document is under the path', () => {
      assert.equal(didWebHost('did:web:localhost%3A4000:issuers:jiangsu'), 'localhost:4000')
      assert.equal(
        didWebDocumentUrl('did:web:localhost%3A4000:issuers:jiangsu', 'http').href,
        'http://localhost:4000/issuers/jiangsu/did.json',
      )
      assert.equal(didWebDocumentUrl('did:web:bank.example').href, 'https://bank.example/.well-known/did.json')
    })

    it("when the DID is its URL's did:web, then the round trip keeps host, port and path", () => {
      const did = didWebFromUrl(new URL('https://localhost:8443/jiangsu'))
      assert.equal(did, 'did:web:localhost%3A8443:jiangsu')
      assert.equal(didWebDocumentUrl(did).href, 'https://localhost:8443/jiangsu/did.json')
    })

    for (const did of ['did:web:%zz', 'did:web:%', 'did:web:bank%E0%A4%A']) {
      it(`when the host is malformed percent-encoding (${did}), then didWebHost throws invalid_did, not URIError`, () => {
        assert.throws(() => didWebHost(did), invalidDid)
      })
    }

    for (const did of ['did:web:bank.example:%zz', 'did:web:bank.example:a:%', 'did:web:bank.example:%C3%28']) {
      it(`when a path segment is malformed percent-encoding (${did}), then didWebDocumentUrl throws invalid_did, not URIError`, () => {
        assert.throws(() => didWebDocumentUrl(did), invalidDid)
      })
    }

    it('when the DID is not did:web or has no host, then invalid_did', () => {
      assert.throws(() => didWebHost('did:key:z6Mk'), invalidDid)
      assert.throws(() => didWebHost('did:web:'), invalidDid)
      assert.throws(() => didWebDocumentUrl('did:web:'), invalidDid)
    })
  })

  describe('didWebScheme (which scheme a did:web document is fetched with)', () => {
    const known = [new URL('https://localhost:4000'), new URL('http://localhost:4100'), new URL('https://bank.localhost')]

    it('when the host is not a localhost name, then https, whatever the settings', () => {
      assert.equal(didWebScheme('bank.example', { allowInsecureLocalhost: true, knownOrigins: [new URL('http://bank.example')] }), 'https')
      assert.equal(didWebScheme('bank.example:8443', { allowInsecureLocalhost: false }), 'https')
      assert.equal(didWebScheme('localhost.example', { allowInsecureLocalhost: true }), 'https')
    })

    it('when a localhost host:port is a configured https origin, then https even though insecure localhost is allowed', () => {
      assert.equal(didWebScheme('localhost:4000', { allowInsecureLocalhost: true, knownOrigins: known }), 'https')
      assert.equal(didWebScheme('bank.localhost', { allowInsecureLocalhost: true, knownOrigins: known }), 'https')
      assert.equal(
        didWebScheme('bank.localhost:443', { allowInsecureLocalhost: true, knownOrigins: known }),
        'https',
        "the default port is the origin's",
      )
    })

    it('when a localhost host:port is a configured http origin, then http if insecure localhost is allowed, else https', () => {
      assert.equal(didWebScheme('localhost:4100', { allowInsecureLocalhost: true, knownOrigins: known }), 'http')
      assert.equal(didWebScheme('localhost:4100', { allowInsecureLocalhost: false, knownOrigins: known }), 'https')
    })

    it('when a localhost host:port is not configured, then http if insecure localhost is allowed, else https', () => {
      assert.equal(didWebScheme('localhost:5000', { allowInsecureLocalhost: true, knownOrigins: known }), 'http')
      assert.equal(didWebScheme('localhost:5000', { allowInsecureLocalhost: true }), 'http')
      assert.equal(didWebScheme('localhost:5000', { allowInsecureLocalhost: false, knownOrigins: known }), 'https')
      assert.equal(
        didWebScheme('localhost', { allowInsecureLocalhost: true, knownOrigins: known }),
        'http',
        'localhost:80 is not localhost:4000',
      )
    })
  })
})
