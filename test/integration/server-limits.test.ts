// Issue 5 #6 (low): every server the program starts cuts off slow requests and caps connections, and the data
// directory and SQLite files are not readable by other users.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { loadConfig } from '../../core/config.ts'
import { startSystem, type RunningSystem } from '../../bin/start-system.ts'
import { freePort } from '../../fixtures/processes.ts'

/** Opens a raw connection; `closed` resolves with everything the server sent once it closes the connection. */
async function rawConnection(port: number): Promise<{ socket: Socket; closed: Promise<string> }> {
  const socket = connect(port, '127.0.0.1')
  let received = ''
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')))
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)))
  socket.on('error', () => undefined)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  return { socket, closed }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('HTTP server limit configuration', () => {
  it('when the headers timeout exceeds the request timeout, then the configuration is refused', () => {
    assert.throws(
      () =>
        loadConfig({
          NODE_ENV: 'test',
          CB_KMS_SECRET_KEY: '0f'.repeat(32),
          CB_REQUEST_TIMEOUT_SECONDS: '5',
          CB_HEADERS_TIMEOUT_SECONDS: '6',
        }),
      /CB_HEADERS_TIMEOUT_SECONDS \(6\) must not exceed CB_REQUEST_TIMEOUT_SECONDS \(5\)/,
    )
    const defaults = loadConfig({ NODE_ENV: 'test', CB_KMS_SECRET_KEY: '0f'.repeat(32) })
    assert.deepEqual(
      [defaults.requestTimeoutSeconds, defaults.headersTimeoutSeconds, defaults.keepAliveTimeoutSeconds, defaults.maxConnections],
      [30, 10, 5, 1024],
    )
  })
})

describe('HTTP server limits (issue 5 #6)', function () {
  this.timeout(30_000)
  let dataDir: string
  let system: RunningSystem
  let port: number
  let walletPort: number
  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'credit-bank-limits-'))
    port = await freePort()
    walletPort = await freePort()
    const config = loadConfig({
      NODE_ENV: 'test',
      CB_LOG_LEVEL: 'silent',
      CB_DATA_DIR: path.join(dataDir, 'data'),
      CB_VERIFIER_PORT: String(port),
      CB_WALLET_PORT: String(walletPort),
      CB_REQUEST_TIMEOUT_SECONDS: '2',
      CB_HEADERS_TIMEOUT_SECONDS: '1',
      CB_KEEP_ALIVE_TIMEOUT_SECONDS: '1',
      CB_MAX_CONNECTIONS: '3',
    })
    system = await startSystem(config, ['verifier', 'wallet'])
  })
  after(async () => {
    await system?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('when a client sends its headers and then trickles the body, then it gets 408 and the connection is closed within the request timeout', async () => {
    const started = Date.now()
    const { socket, closed } = await rawConnection(port)
    socket.write('POST /credentials/verify HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{')
    const trickle = setInterval(() => socket.writable && socket.write(' '), 200)
    try {
      const answer = await closed
      const elapsed = Date.now() - started
      assert.match(answer, /^HTTP\/1\.1 408 /)
      assert.ok(elapsed >= 1900 && elapsed < 5000, `closed after ${elapsed} ms (request timeout 2 s, checked every second)`)
    } finally {
      clearInterval(trickle)
    }
  })

  it('when a client trickles its headers, then it gets 408 and the connection is closed within the headers timeout', async () => {
    const started = Date.now()
    const { socket, closed } = await rawConnection(walletPort)
    socket.write('GET / HTTP/1.1\r\n')
    const trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200)
    try {
      const answer = await closed
      const elapsed = Date.now() - started
      assert.match(answer, /^HTTP\/1\.1 408 /)
      assert.ok(elapsed < 4000, `closed after ${elapsed} ms (headers timeout 1 s)`)
    } finally {
      clearInterval(trickle)
    }
  })

  it('when an idle kept-alive connection stays open, then the server closes it after the keep-alive timeout', async () => {
    const { socket, closed } = await rawConnection(walletPort)
    socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n')
    const started = Date.now()
    const answer = await closed
    assert.match(answer, /^HTTP\/1\.1 200 /)
    assert.ok(Date.now() - started < 4000, 'closed after the 1 s keep-alive timeout')
  })

  it('when more connections than CB_MAX_CONNECTIONS are open, then the extra one is closed at once and the server serves again once some close', async () => {
    const held = await Promise.all([rawConnection(port), rawConnection(port), rawConnection(port)])
    await sleep(100)
    const extra = await rawConnection(port)
    extra.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n')
    assert.equal(await extra.closed, '', 'the fourth connection is closed without an answer')
    for (const h of held) h.socket.destroy()
    await Promise.all(held.map((h) => h.closed))
    await sleep(100)
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200)
  })

  it('when the system creates its data directory and SQLite database, then the directory is 0700 and the database files 0600', () => {
    const mode = (p: string) => statSync(p).mode & 0o777
    const dir = path.join(dataDir, 'data')
    assert.equal(mode(dir).toString(8), '700')
    for (const f of ['verifier.sqlite', 'verifier.sqlite-wal', 'verifier.sqlite-shm', 'kms-secret.key'])
      assert.equal(mode(path.join(dir, f)).toString(8), '600', f)
  })
})
