// Child-process entry for the HTTP figures: serves one verifier (ours, or Veramo's verifyCredential behind a minimal
// express app) on a loopback port, so the load generator in the parent does not share its event loop.
// Protocol over the IPC channel: child → { ready, port, path, body, expect }; parent → 'cpu' (child answers
// { cpuMicros }) and 'stop' (child closes and exits). The child exits too when the parent goes away.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type RequestListener, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { buildAchievementCredential } from '../fixtures/builders.ts'
import { freePort } from '../fixtures/processes.ts'
import { startBankSystem } from './bank-system.ts'
import { startVeramoBaseline, veramoIssueAndStore } from './veramo-baseline.ts'

export type ServerKind = 'bank' | 'bank-workers' | 'veramo' | 'express' | 'node'

/** What the child tells the parent once it serves. */
export interface ServerReady {
  readonly ready: true
  readonly port: number
  readonly path: string
  readonly body: string
  readonly expect: string
}

interface Served {
  readonly ready: Omit<ServerReady, 'ready'>
  /** CPU time of the processes this one started to serve (the cluster of `serve verifier`), in µs. */
  otherCpuMicros?(): number
  close(): Promise<void>
}

/** Our verifier as deployed: its express app with every middleware, verifying a vc+jwt our issuer just signed. */
async function serveBank(): Promise<Served> {
  const system = await startBankSystem()
  const issued = await system.issuer.issuer.issue({ credential: buildAchievementCredential(system.issuer.identity.did) }, null)
  return {
    ready: {
      port: system.verifierPort,
      path: '/credentials/verify',
      body: JSON.stringify({ verifiableCredential: issued.verifiableCredential }),
      expect: '"verified":true',
    },
    close: () => system.close(),
  }
}

/**
 * Our verifier as an operator runs it on this machine: `credit-bank serve verifier` with CB_WORKERS=2 (node:cluster,
 * one worker per core), against the issuer in this process. Its CPU figure adds the cluster's processes to this one.
 */
async function serveBankWorkers(): Promise<Served> {
  const system = await startBankSystem()
  const issued = await system.issuer.issuer.issue({ credential: buildAchievementCredential(system.issuer.identity.did) }, null)
  const dataDir = mkdtempSync(path.join(tmpdir(), 'credit-bank-bench-verifier-'))
  const port = await freePort()
  const child = spawn(process.execPath, [fileURLToPath(new URL('../bin/credit-bank.js', import.meta.url)), 'serve', 'verifier'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      CB_LOG_LEVEL: 'silent',
      CB_DATA_DIR: dataDir,
      CB_KMS_SECRET_KEY: '5a'.repeat(32),
      CB_VERIFIER_PORT: String(port),
      CB_TRUSTED_ISSUERS: system.issuer.identity.did,
      CB_RATE_LIMIT_PER_MINUTE: '1000000000',
      CB_WORKERS: '2',
    },
    stdio: 'inherit',
  })
  for (let i = 0; ; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    )
    if (up) break
    if (i > 300 || child.exitCode !== null) throw new Error('credit-bank serve verifier did not start')
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    ready: {
      port,
      path: '/credentials/verify',
      body: JSON.stringify({ verifiableCredential: issued.verifiableCredential }),
      expect: '"verified":true',
    },
    otherCpuMicros: () => processTreeCpuMicros(child.pid!),
    async close() {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
      await system.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** user + system CPU of a process and all its live descendants, from /proc (Linux; clock ticks are 1/100 s there). */
function processTreeCpuMicros(root: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      // Fields after the parenthesised command name: state ppid … utime (14th field) stime (15th).
      const f = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]!.split(' ')
      stats.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) })
    } catch {
      // the process ended while we looked
    }
  }
  let ticks = 0
  const pending = [root]
  while (pending.length) {
    const pid = pending.pop()!
    ticks += stats.get(pid)?.ticks ?? 0
    for (const [child, s] of stats) if (s.ppid === pid) pending.push(child)
  }
  return ticks * 10_000
}

/** Veramo's default verification behind the smallest express app that serves it: JSON body in, verified flag out. */
async function serveVeramo(): Promise<Served> {
  const veramo = await startVeramoBaseline()
  const credential = await veramoIssueAndStore(veramo)
  const app = express()
  app.use(express.json({ limit: '256kb' }))
  app.post('/credentials/verify', async (req, res) => {
    const result = await veramo.agent.verifyCredential({ credential: (req.body as { verifiableCredential: never }).verifiableCredential })
    res.status(result.verified ? 200 : 400).json({ verified: result.verified, ...(result.error ? { error: result.error.message } : {}) })
  })
  const { server, port } = await listenLoopback(app)
  return {
    ready: { port, path: '/credentials/verify', body: JSON.stringify({ verifiableCredential: credential }), expect: '"verified":true' },
    async close() {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
      await veramo.close()
    },
  }
}

/** A request body of the size ours carries (a ~3.3 KB vc+jwt), for the floors. */
const FLOOR_BODY = JSON.stringify({ verifiableCredential: 'x'.repeat(3300) })

async function listenLoopback(handler: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port }
}

/**
 * The express floor: express's JSON body parsing and JSON answer, no verification at all. Both verifiers are express
 * apps, so every request of theirs costs at least this much; the rest is their own.
 */
async function serveExpressFloor(): Promise<Served> {
  const app = express()
  app.use(express.json({ limit: '256kb' }))
  app.post('/credentials/verify', (req, res) => {
    res.json({ verified: (req.body as { verifiableCredential?: unknown }).verifiableCredential !== undefined })
  })
  const { server, port } = await listenLoopback(app)
  return {
    ready: { port, path: '/credentials/verify', body: FLOOR_BODY, expect: '"verified":true' },
    async close() {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

/** The node:http floor: read the body, parse it, answer JSON — what this machine's loopback HTTP costs without a framework. */
async function serveNodeFloor(): Promise<Served> {
  const { server, port } = await listenLoopback((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { verifiableCredential?: unknown }
      const out = JSON.stringify({ verified: body.verifiableCredential !== undefined })
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) }).end(out)
    })
  })
  return {
    ready: { port, path: '/credentials/verify', body: FLOOR_BODY, expect: '"verified":true' },
    async close() {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

const SERVERS: Record<ServerKind, () => Promise<Served>> = {
  bank: serveBank,
  'bank-workers': serveBankWorkers,
  veramo: serveVeramo,
  express: serveExpressFloor,
  node: serveNodeFloor,
}

async function main(kind: string): Promise<void> {
  if (!process.send) throw new Error('bench/http-server.ts runs as a child of bench/run.ts (it needs an IPC channel)')
  if (!(kind in SERVERS)) throw new Error(`unknown server kind "${kind}" (${Object.keys(SERVERS).join(', ')})`)
  const served = await SERVERS[kind as ServerKind]()
  const send = process.send.bind(process)
  process.on('disconnect', () => process.exit(0))
  process.on('message', (msg) => {
    if (msg === 'cpu') {
      const { user, system } = process.cpuUsage()
      send({ cpuMicros: user + system + (served.otherCpuMicros?.() ?? 0) })
    } else if (msg === 'stop') {
      void served.close().then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`bench server close failed: ${String(err)}\n`)
          process.exit(1)
        },
      )
    }
  })
  send({ ready: true, ...served.ready } satisfies ServerReady)
}

main(process.argv[2] ?? '').catch((err: unknown) => {
  process.stderr.write(`bench server failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
