// Starts a real issuer and verifier on loopback ephemeral ports, on SQLite (default) or on the PostgreSQL of
// CB_TEST_DATABASE_URL, with a fixed clock. Tests talk to them over HTTP only.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { DataSource } from 'typeorm'
import { fixedClock } from '../../core/clock.ts'
import { loadConfig, type Config } from '../../core/config.ts'
import { createLogger } from '../../core/log.ts'
import { createIssuerApp } from '../../issuer/app.ts'
import { createApiClient } from '../../issuer/clients/api-clients.ts'
import { CredentialStore } from '../../issuer/credentials/credential-store.ts'
import { createIssuerNode, type IssuerNode } from '../../issuer/issuer-node.ts'
import { createVerifierApp } from '../../verifier/app.ts'
import { createVerifierNode, type VerifierNode } from '../../verifier/verifier-node.ts'
import type { IssueOptions } from '../../issuer/credentials/issue-credential.ts'

/** Every test system starts at this instant; tests move it with `clock.set` / `clock.advance`. */
export const TEST_NOW = '2026-03-01T08:00:00.000Z'
export const TEST_KMS_SECRET = '0f'.repeat(32)

export interface TestSystem {
  readonly config: Readonly<Config>
  readonly clock: ReturnType<typeof fixedClock>
  readonly issuer: IssuerNode
  readonly verifier: VerifierNode
  readonly issuerUrl: string
  readonly verifierUrl: string
  readonly did: string
  /** Bearer token with every scope but admin. */
  readonly token: string
  /** The API client of `token` (name "test", namespace urn:credit-bank:test:). */
  readonly clientId: string
  close(): Promise<void>
}

async function listenEphemeral(): Promise<{ server: Server; port: number }> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port }
}

/** PostgreSQL runs get a clean schema per system: tests never see each other's rows. */
export async function resetPostgres(url: string): Promise<void> {
  const ds = await new DataSource({ type: 'postgres', url }).initialize()
  try {
    await ds.query('DROP SCHEMA IF EXISTS public CASCADE')
    await ds.query('CREATE SCHEMA public')
  } finally {
    await ds.destroy()
  }
}

export async function startTestSystem(env: Record<string, string> = {}): Promise<TestSystem> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'credit-bank-test-'))
  const pg = process.env.CB_TEST_DATABASE_URL
  if (pg) await resetPostgres(pg)
  const issuerHttp = await listenEphemeral()
  const verifierHttp = await listenEphemeral()
  const config = loadConfig({
    NODE_ENV: 'test',
    CB_LOG_LEVEL: process.env.CB_TEST_LOG_LEVEL ?? 'silent',
    CB_DATA_DIR: dataDir,
    CB_KMS_SECRET_KEY: TEST_KMS_SECRET,
    CB_ISSUER_PORT: String(issuerHttp.port),
    CB_VERIFIER_PORT: String(verifierHttp.port),
    CB_PUBLIC_URL: `http://localhost:${issuerHttp.port}`,
    // One address sends every test request within one frozen minute; the burst test sets its own limit.
    CB_RATE_LIMIT_PER_MINUTE: '100000',
    ...(pg ? { CB_DATABASE_URL: pg } : {}),
    ...env,
  })
  const clock = fixedClock(TEST_NOW)
  const log = createLogger(config.logLevel)
  const issuer = await createIssuerNode(config, { clock, log })
  const verifier = await createVerifierNode(config, { clock, log })
  issuerHttp.server.on('request', createIssuerApp(issuer))
  verifierHttp.server.on('request', createVerifierApp(verifier))
  const { token, id: clientId } = await createApiClient(issuer.ds, clock, { name: 'test', scopes: ['credentials:issue', 'credentials:status'] })
  return {
    config,
    clock,
    issuer,
    verifier,
    issuerUrl: `http://localhost:${issuerHttp.port}`,
    verifierUrl: `http://localhost:${verifierHttp.port}`,
    did: config.bankDid,
    token,
    clientId,
    async close() {
      for (const s of [issuerHttp.server, verifierHttp.server]) {
        s.closeAllConnections()
        await new Promise((r) => s.close(r))
      }
      await verifier.close()
      await issuer.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export interface HttpResult<T = Record<string, unknown>> {
  status: number
  headers: Headers
  body: T
}

/** POSTs JSON (or a raw string body) and parses the JSON answer. */
export async function post<T = Record<string, unknown>>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as T }
}

export const auth = (token: string) => ({ authorization: `Bearer ${token}` })

/** Issues through the API and returns the compact JWT (or the DI JSON). */
export async function issue(sys: TestSystem, credential: unknown, options?: Record<string, unknown>): Promise<HttpResult<{ verifiableCredential: Record<string, unknown> }>> {
  return post(`${sys.issuerUrl}/credentials/issue`, { credential, ...(options ? { options } : {}) }, auth(sys.token))
}

/**
 * The bank issuing in its own name, as its recognition and report flows do (no API client policy): credit-bank
 * achievements with `recognizingInstitution`, certification reports. The test client owns the credential (it may
 * fetch it and change its status over HTTP). Same answer shape as `issue`; a refusal throws.
 */
export async function issueAsBank(sys: TestSystem, credential: object, options?: IssueOptions): Promise<HttpResult<{ verifiableCredential: Record<string, unknown> }>> {
  const issued = await sys.issuer.issuer.issue({ credential: credential as Record<string, unknown>, ...(options ? { options } : {}) }, sys.clientId)
  return { status: 201, headers: new Headers(), body: { verifiableCredential: issued.verifiableCredential } }
}

export const jwtOf = (vc: Record<string, unknown>): string => String(vc.id).replace(/^data:application\/vc\+jwt,/, '')

export interface Report {
  verified: boolean
  checks: { id: string; status: string; reason?: string; message?: string; details?: Record<string, unknown> }[]
  problemDetails: { code?: string }[]
  credential?: Record<string, unknown>
  credentials?: Report[]
}

export async function verify(sys: TestSystem, verifiableCredential: unknown): Promise<HttpResult<Report>> {
  return post<Report>(`${sys.verifierUrl}/credentials/verify`, { verifiableCredential })
}

/** The outcome of one check, for compact assertions: 'passed', 'failed:revoked', 'skipped:no_status'. */
export function check(report: Report, id: string): string {
  const c = report.checks.find((x) => x.id === id)
  if (!c) return 'absent'
  return c.status === 'passed' ? 'passed' : `${c.status}:${c.reason}`
}

export type Problem = { type: string; title: string; status: number; code: string; issues?: { path: string; message: string }[] }

/** Asserts an RFC 9457 problem answer with our stable code. */
export function assertProblem(res: { status: number; headers: Headers; body: unknown }, status: number, code: string): void {
  const body = res.body as Problem
  assert.equal(res.status, status, JSON.stringify(body).slice(0, 300))
  assert.equal(body.code, code, JSON.stringify(body).slice(0, 300))
  assert.equal(body.status, status)
  assert.equal(body.type, `urn:credit-bank:problem:${code}`)
  assert.match(String(res.headers.get('content-type')), /^application\/problem\+json/)
}

/** The stored credentials among `ids`, each with its status slot as "list/index" (distinct slots = no index used twice). */
export async function storedSlots(sys: TestSystem, ids: readonly string[]): Promise<{ id: string; slot: string }[]> {
  const stored = await new CredentialStore(sys.issuer.ds).findMany(ids)
  return stored.map((c) => ({ id: c.id, slot: `${c.slot.listId}/${c.slot.index}` }))
}
