// safeFetch against a real loopback server: scheme, host and address rules, redirects, deadline, size cap.
import assert from 'node:assert/strict'
import dns from 'node:dns'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { FetchError, isPublicAddress, safeFetch } from '../../../core/net/safe-fetch.ts'
import type { SafeFetchOptions } from '../../../core/net/safe-fetch.ts'

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void

describe('safeFetch', () => {
  let server: http.Server
  let port: number
  let requests: string[]
  let handler: Handler

  before(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '')
      handler(req, res)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  after(() => {
    server.closeAllConnections()
    server.close()
  })
  beforeEach(() => {
    requests = []
    handler = (_req, res) => res.end('unexpected')
  })

  const options = (overrides: Partial<SafeFetchOptions> = {}): SafeFetchOptions => ({
    timeoutMs: 2000,
    maxBytes: 1024,
    allowInsecureLocalhost: true,
    accept: 'application/json',
    ...overrides,
  })
  const local = (path: string): URL => new URL(`http://localhost:${port}${path}`)
  const failsWith = async (promise: Promise<unknown>, code: FetchError['code']): Promise<void> => {
    await assert.rejects(promise, (e: unknown) => e instanceof FetchError && e.code === code)
  }

  it('when the server answers JSON, then returns the status, lower-cased headers and the body', async () => {
    handler = (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Accept-Seen': req.headers.accept ?? '' })
      res.end('{"ok":true}')
    }
    const res = await safeFetch(local('/doc.json'), options())
    assert.equal(res.status, 200)
    assert.equal(res.headers['content-type'], 'application/json')
    assert.equal(res.headers['x-accept-seen'], 'application/json')
    assert.deepEqual(JSON.parse(res.body.toString()), { ok: true })
  })

  it('when the server answers 500, then returns it as a response for the caller to judge', async () => {
    handler = (_req, res) => {
      res.writeHead(500)
      res.end('boom')
    }
    assert.equal((await safeFetch(local('/'), options())).status, 500)
  })

  it('when the server redirects, then fails with redirect and does not follow it', async () => {
    handler = (_req, res) => {
      res.writeHead(302, { Location: `http://localhost:${port}/elsewhere` })
      res.end()
    }
    await failsWith(safeFetch(local('/start'), options()), 'redirect')
    assert.deepEqual(requests, ['/start'])
  })

  it('when ifNoneMatch is sent and the server answers 304, then returns the 304', async () => {
    handler = (req, res) => {
      res.writeHead(req.headers['if-none-match'] === '"v1"' ? 304 : 200, { ETag: '"v1"' })
      res.end()
    }
    const res = await safeFetch(local('/list'), options({ ifNoneMatch: '"v1"' }))
    assert.equal(res.status, 304)
    assert.equal(res.headers.etag, '"v1"')
  })

  it('when a 304 arrives for an unconditional request, then fails with redirect', async () => {
    handler = (_req, res) => {
      res.writeHead(304)
      res.end()
    }
    await failsWith(safeFetch(local('/list'), options()), 'redirect')
  })

  it('when the server never answers, then fails with timeout soon after the deadline', async () => {
    handler = () => undefined
    const started = performance.now()
    await failsWith(safeFetch(local('/slow'), options({ timeoutMs: 150 })), 'timeout')
    assert.ok(performance.now() - started < 1000)
  })

  it('when the body trickles past the deadline, then fails with timeout (one deadline covers the body)', async () => {
    handler = (_req, res) => {
      res.writeHead(200)
      const timer = setInterval(() => res.write('x'), 30)
      res.on('close', () => clearInterval(timer))
    }
    const started = performance.now()
    await failsWith(safeFetch(local('/trickle'), options({ timeoutMs: 200, maxBytes: 1_000_000 })), 'timeout')
    assert.ok(performance.now() - started < 1000)
  })

  it('when content-length exceeds maxBytes, then fails with too_large', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '2000' })
      res.end('x'.repeat(2000))
    }
    await failsWith(safeFetch(local('/big'), options({ maxBytes: 1000 })), 'too_large')
  })

  it('when a chunked body without content-length exceeds maxBytes, then fails with too_large', async () => {
    handler = (_req, res) => {
      res.writeHead(200)
      for (let i = 0; i < 20; i++) res.write('x'.repeat(100))
      res.end()
    }
    await failsWith(safeFetch(local('/chunked'), options({ maxBytes: 1000 })), 'too_large')
  })

  it('when the body is exactly maxBytes, then it is returned', async () => {
    handler = (_req, res) => {
      res.writeHead(200)
      res.write('x'.repeat(600))
      res.end('y'.repeat(400))
    }
    assert.equal((await safeFetch(local('/edge'), options({ maxBytes: 1000 }))).body.length, 1000)
  })

  it('when the connection closes mid-body, then fails with network', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' })
      res.write('x'.repeat(10), () => res.destroy())
    }
    await failsWith(safeFetch(local('/cut'), options()), 'network')
  })

  it('when nothing listens on the port, then fails with network', async () => {
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const freePort = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    await failsWith(safeFetch(new URL(`http://localhost:${freePort}/`), options()), 'network')
  })

  it('when plain http targets a name other than localhost, then fails with forbidden_url before any I/O', async () => {
    await failsWith(safeFetch(new URL('http://example.com/'), options()), 'forbidden_url')
    await failsWith(safeFetch(new URL('http://localhost.example.com/'), options()), 'forbidden_url')
  })

  it('when allowInsecureLocalhost is off, then localhost is refused over http and https and the server sees nothing', async () => {
    await failsWith(safeFetch(local('/'), options({ allowInsecureLocalhost: false })), 'forbidden_url')
    await failsWith(safeFetch(new URL(`https://localhost:${port}/`), options({ allowInsecureLocalhost: false })), 'forbidden_url')
    await failsWith(safeFetch(new URL(`https://api.localhost:${port}/`), options({ allowInsecureLocalhost: false })), 'forbidden_url')
    assert.deepEqual(requests, [])
  })

  it('when a *.localhost name is used in development, then it reaches the loopback server', async () => {
    handler = (_req, res) => res.end('hi')
    const res = await safeFetch(new URL(`http://issuer.localhost:${port}/x`), options())
    assert.equal(res.body.toString(), 'hi')
  })

  for (const literal of [
    `http://127.0.0.1:PORT/`,
    'https://127.0.0.1/',
    'https://169.254.169.254/latest/meta-data/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://2130706433/',
    'https://0x7f000001/',
    'https://0177.0.0.1/',
    'https://127.1/',
    'https://93.184.215.14/',
  ]) {
    it(`when the host is an IP literal (${literal}), then fails with forbidden_url`, async () => {
      await failsWith(safeFetch(new URL(literal.replace('PORT', String(port))), options()), 'forbidden_url')
      assert.deepEqual(requests, [])
    })
  }

  it('when the URL carries userinfo, then fails with forbidden_url', async () => {
    await failsWith(safeFetch(new URL(`http://user:pw@localhost:${port}/`), options()), 'forbidden_url')
    await failsWith(safeFetch(new URL('https://user@bank.example/'), options()), 'forbidden_url')
  })

  it('when the scheme is neither https nor http, then fails with forbidden_url', async () => {
    await failsWith(safeFetch(new URL('ftp://bank.example/'), options()), 'forbidden_url')
    await failsWith(safeFetch(new URL('file:///etc/passwd'), options()), 'forbidden_url')
  })

  describe('with DNS answers stubbed', () => {
    const realLookup = dns.lookup
    const answerWith = (addresses: dns.LookupAddress[]): void => {
      dns.lookup = ((_host: string, _opts: unknown, callback: (err: null, a: dns.LookupAddress[]) => void) => {
        callback(null, addresses)
      }) as unknown as typeof dns.lookup
    }
    afterEach(() => {
      dns.lookup = realLookup
    })

    for (const [name, addresses] of [
      ['private', [{ address: '10.1.2.3', family: 4 }]],
      ['loopback', [{ address: '127.0.0.1', family: 4 }]],
      ['cloud metadata', [{ address: '169.254.169.254', family: 4 }]],
      ['IPv6 loopback', [{ address: '::1', family: 6 }]],
      ['IPv4-mapped private', [{ address: '::ffff:192.168.1.1', family: 6 }]],
      [
        'public then private (rebinding)',
        [
          { address: '93.184.215.14', family: 4 },
          { address: '10.0.0.1', family: 4 },
        ],
      ],
    ] as const) {
      it(`when a name resolves to a ${name} address, then fails with forbidden_url`, async () => {
        answerWith([...addresses])
        await failsWith(safeFetch(new URL('https://internal.bank.example/'), options()), 'forbidden_url')
      })
    }
  })
})

describe('isPublicAddress', () => {
  const blocked = [
    '0.0.0.0',
    '10.0.0.1',
    '100.64.0.1',
    '100.127.255.255',
    '127.0.0.1',
    '127.255.255.254',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '192.0.2.1',
    '198.18.0.1',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '::',
    '::1',
    '::ffff:10.0.0.1',
    '::ffff:7f00:1',
    '::127.0.0.1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'ff02::1',
    '64:ff9b::a00:1',
    '2002:c0a8:101::1',
    '2001:db8::1',
    'not-an-ip',
  ]
  const allowed = [
    '93.184.215.14',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '192.169.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ]

  for (const address of blocked) {
    it(`when the address is ${address}, then it is not public`, () => assert.equal(isPublicAddress(address), false))
  }
  for (const address of allowed) {
    it(`when the address is ${address}, then it is public`, () => assert.equal(isPublicAddress(address), true))
  }
})
