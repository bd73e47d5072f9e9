// One validated, frozen configuration object, read from CB_* environment variables at start-up.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { ConfigError } from './errors.ts'
import { didWebFromUrl } from './did/did-web-url.ts'
import type { LogLevel } from './log.ts'

/** `cacheMb` (CB_SQLITE_CACHE_MB): SQLite's page cache per database; unset, openDataSource's SQLITE_CACHE_MB. */
export type DbConfig =
  { readonly type: 'sqlite'; readonly database: string; readonly cacheMb?: number } | { readonly type: 'postgres'; readonly url: string }

/** Sign-in through an external OpenID Connect provider (issuer/accounts/oidc.ts). */
export interface OidcConfig {
  /** CB_OIDC_ISSUER: the provider's issuer identifier; its metadata is discovered from <issuer>/.well-known/openid-configuration. */
  readonly issuer: URL
  /** CB_OIDC_CLIENT_ID: the bank's client id at the provider. */
  readonly clientId: string
  /** CB_OIDC_CLIENT_SECRET: a confidential client's secret (client_secret_basic); unset: a public client, PKCE alone. */
  readonly clientSecret: string | undefined
  /** CB_OIDC_SCOPES: space-separated, with openid. Default "openid profile". */
  readonly scopes: string
  /** <CB_PUBLIC_URL>/session/oidc/callback: what the provider must have registered for the client. */
  readonly redirectUri: URL
  /** A plain-http issuer: only on a loopback host with CB_ALLOW_INSECURE_LOCALHOST (never in production). */
  readonly allowHttp: boolean
}

export interface Config {
  /** NODE_ENV: development (default) | test | production. */
  readonly env: 'development' | 'test' | 'production'
  /** CB_LOG_LEVEL: debug | info (default) | warn | error | silent. */
  readonly logLevel: LogLevel
  /** CB_HOST: address the services bind to. Default 127.0.0.1. */
  readonly host: string
  /** CB_ISSUER_PORT (4000), CB_VERIFIER_PORT (4100), CB_WALLET_PORT (4200). 0 = any free port. */
  readonly ports: { readonly issuer: number; readonly verifier: number; readonly wallet: number }
  /** CB_DATA_DIR: SQLite files, development secrets, demo.json. Default ./data. */
  readonly dataDir: string
  /** CB_DATABASE_URL (postgres://…) or SQLite at <dataDir>/issuer.sqlite. */
  readonly issuerDb: DbConfig
  /** CB_VERIFIER_DATABASE_URL, else CB_DATABASE_URL, else SQLite at <dataDir>/verifier.sqlite. Never the issuer's tables. */
  readonly verifierDb: DbConfig
  /** CB_PUBLIC_URL: the bank's public origin; its did:web is derived from it. Default http://localhost:<issuer port>. */
  readonly publicUrl: URL
  /** The bank's DID, derived from publicUrl. */
  readonly bankDid: string
  /** CB_VERIFIER_PUBLIC_URL (default http://localhost:<verifier port>), CB_WALLET_PUBLIC_URL (default http://localhost:<wallet port>). */
  readonly verifierUrl: URL
  readonly walletUrl: URL
  /** CB_KMS_SECRET_KEY: 64 hex characters encrypting private keys at rest. Development: generated into <dataDir>/kms-secret.key. */
  readonly kmsSecretKey: string
  /** CB_TRUSTED_ISSUERS: comma-separated issuer DIDs the verifier trusts. Default: the bank's DID. */
  readonly trustedIssuers: readonly string[]
  /** CB_ALLOW_INSECURE_LOCALHOST: plain http for localhost DIDs and status lists. Default true outside production; refused in production. */
  readonly allowInsecureLocalhost: boolean
  /** CB_CLOCK_SKEW_SECONDS: tolerance on validFrom/validUntil/nbf/exp. Default 30. */
  readonly clockSkewSeconds: number
  /** CB_DID_CACHE_TTL_SECONDS: how long a resolved DID document is trusted; bounds how long a removed key keeps verifying. Default 300. */
  readonly didCacheTtlSeconds: number
  /** CB_DID_REFRESH_SECONDS: a DID whose document lacks a signature's `kid` is refetched at most once per this interval. Default 30. */
  readonly didRefreshSeconds: number
  /** CB_STATUS_LIST_TTL_SECONDS: Cache-Control max-age of published status lists and the verifier's cache cap. Default 60. */
  readonly statusListTtlSeconds: number
  /** CB_FETCH_TIMEOUT_MS: timeout for DID documents and status lists. Default 3000. */
  readonly fetchTimeoutMs: number
  /** CB_FETCH_MAX_BYTES: size cap for fetched DID documents and status lists. Default 1048576. */
  readonly fetchMaxBytes: number
  /** CB_CHALLENGE_TTL_SECONDS: lifetime of a presentation challenge. Default 300. */
  readonly challengeTtlSeconds: number
  /** CB_RATE_LIMIT_PER_MINUTE: requests per minute per API client or client address on POST endpoints. Default 600. */
  readonly rateLimitPerMinute: number
  /** CB_MAX_BODY_BYTES (262144) and CB_MAX_JSON_DEPTH (32): request body caps, checked before any crypto. */
  readonly maxBodyBytes: number
  readonly maxJsonDepth: number
  /**
   * Every HTTP server the program starts: CB_REQUEST_TIMEOUT_SECONDS (30) for a whole request, headers and body, to
   * arrive (408 after); CB_HEADERS_TIMEOUT_SECONDS (10, at most the request timeout) for its headers;
   * CB_KEEP_ALIVE_TIMEOUT_SECONDS (5) an idle kept-alive connection stays open; CB_MAX_CONNECTIONS (1024) open
   * connections per process, more are closed at once. A slow client holds a connection for seconds, not minutes.
   */
  readonly requestTimeoutSeconds: number
  readonly headersTimeoutSeconds: number
  readonly keepAliveTimeoutSeconds: number
  readonly maxConnections: number
  /** CB_KEY_REFRESH_SECONDS: how often an issuer instance re-reads the bank's keys (picks up `keys rotate`). Default 10. */
  readonly keyRefreshSeconds: number
  /** CB_WORKERS: processes `credit-bank serve` runs (node:cluster, sharing the port). Default 1. */
  readonly workers: number
  /** CB_CANONICALIZE_WORKERS: threads the verifier canonicalizes Data Integrity documents in. Default: cores - 1, at least 1. */
  readonly canonicalizeWorkers: number
  /** CB_SIGNING_WORKERS: threads the issuer signs bulk vc+jwt batches in (an import's chunks); 0 signs on the event loop. Default: the cores. */
  readonly signingWorkers: number
  /** CB_CANONICALIZE_TIMEOUT_MS: deadline of one document's canonicalization. Default 3000. */
  readonly canonicalizeTimeoutMs: number
  /** CB_CANONICALIZE_QUEUE: documents waiting for a canonicalization thread beyond which more are refused at once. Default 64. */
  readonly canonicalizeQueue: number
  /** CB_MAX_PRESENTATION_CREDENTIALS: credentials one presentation may carry. Default 50. */
  readonly maxPresentationCredentials: number
  /** CB_REQUIRE_HOLDER_BINDING: every presentation's credentials must be about its holder, whatever the request asks. Default false. */
  readonly requireHolderBinding: boolean
  /**
   * Accounts: CB_SCRYPT_COST (log2 of scrypt's N for new password hashes; 15, i.e. 32 MiB and tens of milliseconds, at
   * least 14 in production); CB_LOCKOUT_FAILURES (5) wrong passwords in a row lock an account for CB_LOCKOUT_MINUTES
   * (15); CB_SIGN_IN_PER_MINUTE (30) sign-in attempts per client address; browser sessions end after
   * CB_SESSION_HOURS (12) or CB_SESSION_IDLE_MINUTES (30) without a request.
   */
  readonly scryptCost: number
  readonly lockoutFailures: number
  readonly lockoutMinutes: number
  readonly signInPerMinute: number
  /** CB_REPORT_LOOKUPS_PER_MINUTE (20): public report lookups (GET /reports/{number}) per client address, apart from every other limit, so numbers cannot be guessed. */
  readonly reportLookupsPerMinute: number
  readonly sessionHours: number
  readonly sessionIdleMinutes: number
  /** Deposits: CB_EVIDENCE_MAX_BYTES (10 MiB) per evidence file, CB_EVIDENCE_MAX_FILES (5) files per deposit. */
  readonly evidenceMaxBytes: number
  readonly evidenceMaxFiles: number
  /**
   * CB_OIDC_ISSUER, CB_OIDC_CLIENT_ID, CB_OIDC_CLIENT_SECRET, CB_OIDC_SCOPES: people may sign in through this OpenID
   * Connect provider (production: the provincial unified identity service). Undefined when CB_OIDC_ISSUER is unset.
   */
  readonly oidc: OidcConfig | undefined
  /**
   * CB_IDENTITY_REGISTRY: a JSON file of [{idNumber, name}] the built-in registry identity verifier answers from (tests
   * and the demo; real-name verification, issuer/accounts/identity-verifier-config.ts). Unset: null, and verification
   * answers 503 until an identity service is plugged in.
   */
  readonly identityRegistry: string | null
}

type Env = Readonly<Record<string, string | undefined>>

const warned = new Set<string>()
function warnOnce(message: string): void {
  if (warned.has(message)) return
  warned.add(message)
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'warn', msg: message }) + '\n')
}

/** Reads and validates configuration. Throws ConfigError listing every problem at once. */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const problems: string[] = []
  const envName = env.NODE_ENV ?? 'development'
  if (!['development', 'test', 'production'].includes(envName))
    problems.push(`NODE_ENV must be development, test or production, got "${envName}"`)
  const production = envName === 'production'

  const int = (key: string, def: number, min: number, max: number): number => {
    const raw = env[key]
    if (raw === undefined || raw === '') return def
    const n = Number(raw)
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      problems.push(`${key} must be an integer from ${min} to ${max}, got "${raw}"`)
      return def
    }
    return n
  }
  const bool = (key: string, def: boolean): boolean => {
    const raw = env[key]
    if (raw === undefined || raw === '') return def
    if (['1', 'true', 'yes'].includes(raw)) return true
    if (['0', 'false', 'no'].includes(raw)) return false
    problems.push(`${key} must be true or false, got "${raw}"`)
    return def
  }
  const url = (key: string, def: string): URL => {
    const raw = env[key] || def
    try {
      const u = new URL(raw)
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error()
      if (u.search || u.hash || u.username || u.password)
        problems.push(`${key} must be an origin with an optional path, no query, fragment or credentials: "${raw}"`)
      if (production && u.protocol !== 'https:') problems.push(`${key} must be https in production, got "${raw}"`)
      return u
    } catch {
      problems.push(`${key} must be an http(s) URL, got "${raw}"`)
      return new URL(def)
    }
  }
  const dbUrl = (key: string): string | undefined => {
    const raw = env[key]
    if (!raw) return undefined
    if (!/^postgres(ql)?:\/\//.test(raw)) problems.push(`${key} must be a postgres:// URL, got "${raw.replace(/\/\/[^@]*@/, '//***@')}"`)
    return raw
  }

  const logLevel = (env.CB_LOG_LEVEL ?? 'info') as LogLevel
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel))
    problems.push(`CB_LOG_LEVEL must be debug, info, warn, error or silent, got "${logLevel}"`)

  const ports = {
    issuer: int('CB_ISSUER_PORT', 4000, 0, 65535),
    verifier: int('CB_VERIFIER_PORT', 4100, 0, 65535),
    wallet: int('CB_WALLET_PORT', 4200, 0, 65535),
  }
  const dataDir = path.resolve(env.CB_DATA_DIR || './data')
  const pgUrl = dbUrl('CB_DATABASE_URL')
  const verifierPgUrl = dbUrl('CB_VERIFIER_DATABASE_URL') ?? pgUrl
  const publicUrl = url('CB_PUBLIC_URL', `http://localhost:${ports.issuer}`)
  const allowInsecureLocalhost = bool('CB_ALLOW_INSECURE_LOCALHOST', !production)
  if (production && allowInsecureLocalhost) problems.push('CB_ALLOW_INSECURE_LOCALHOST must not be enabled in production')

  let kmsSecretKey = env.CB_KMS_SECRET_KEY ?? ''
  if (kmsSecretKey && !/^[0-9a-fA-F]{64}$/.test(kmsSecretKey))
    problems.push('CB_KMS_SECRET_KEY must be 64 hexadecimal characters (32 bytes); create one with: openssl rand -hex 32')
  if (!kmsSecretKey && production) problems.push('CB_KMS_SECRET_KEY is required in production (private keys are encrypted with it)')

  const tunables = {
    clockSkewSeconds: int('CB_CLOCK_SKEW_SECONDS', 30, 0, 600),
    didCacheTtlSeconds: int('CB_DID_CACHE_TTL_SECONDS', 300, 0, 86400),
    didRefreshSeconds: int('CB_DID_REFRESH_SECONDS', 30, 0, 86400),
    statusListTtlSeconds: int('CB_STATUS_LIST_TTL_SECONDS', 60, 0, 86400),
    fetchTimeoutMs: int('CB_FETCH_TIMEOUT_MS', 3000, 100, 60000),
    fetchMaxBytes: int('CB_FETCH_MAX_BYTES', 1048576, 1024, 67108864),
    challengeTtlSeconds: int('CB_CHALLENGE_TTL_SECONDS', 300, 10, 3600),
    rateLimitPerMinute: int('CB_RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000_000),
    maxBodyBytes: int('CB_MAX_BODY_BYTES', 262144, 1024, 16777216),
    maxJsonDepth: int('CB_MAX_JSON_DEPTH', 32, 4, 256),
    requestTimeoutSeconds: int('CB_REQUEST_TIMEOUT_SECONDS', 30, 1, 3600),
    headersTimeoutSeconds: int('CB_HEADERS_TIMEOUT_SECONDS', 10, 1, 3600),
    keepAliveTimeoutSeconds: int('CB_KEEP_ALIVE_TIMEOUT_SECONDS', 5, 0, 3600),
    maxConnections: int('CB_MAX_CONNECTIONS', 1024, 1, 1_000_000),
    keyRefreshSeconds: int('CB_KEY_REFRESH_SECONDS', 10, 0, 3600),
    workers: int('CB_WORKERS', 1, 1, 64),
    canonicalizeWorkers: int('CB_CANONICALIZE_WORKERS', Math.max(1, availableParallelism() - 1), 1, 64),
    signingWorkers: int('CB_SIGNING_WORKERS', availableParallelism(), 0, 64),
    canonicalizeTimeoutMs: int('CB_CANONICALIZE_TIMEOUT_MS', 3000, 100, 60000),
    canonicalizeQueue: int('CB_CANONICALIZE_QUEUE', 64, 1, 100000),
    maxPresentationCredentials: int('CB_MAX_PRESENTATION_CREDENTIALS', 50, 1, 1000),
    requireHolderBinding: bool('CB_REQUIRE_HOLDER_BINDING', false),
    scryptCost: int('CB_SCRYPT_COST', 15, production ? 14 : 10, 20),
    lockoutFailures: int('CB_LOCKOUT_FAILURES', 5, 1, 100),
    lockoutMinutes: int('CB_LOCKOUT_MINUTES', 15, 1, 1440),
    signInPerMinute: int('CB_SIGN_IN_PER_MINUTE', 30, 1, 1_000_000),
    reportLookupsPerMinute: int('CB_REPORT_LOOKUPS_PER_MINUTE', 20, 1, 1_000_000_000),
    sessionHours: int('CB_SESSION_HOURS', 12, 1, 720),
    sessionIdleMinutes: int('CB_SESSION_IDLE_MINUTES', 30, 1, 1440),
    evidenceMaxBytes: int('CB_EVIDENCE_MAX_BYTES', 10 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    evidenceMaxFiles: int('CB_EVIDENCE_MAX_FILES', 5, 1, 20),
  }
  if (tunables.headersTimeoutSeconds > tunables.requestTimeoutSeconds)
    problems.push(
      `CB_HEADERS_TIMEOUT_SECONDS (${tunables.headersTimeoutSeconds}) must not exceed CB_REQUEST_TIMEOUT_SECONDS (${tunables.requestTimeoutSeconds})`,
    )
  const verifierUrl = url('CB_VERIFIER_PUBLIC_URL', `http://localhost:${ports.verifier}`)
  const walletUrl = url('CB_WALLET_PUBLIC_URL', `http://localhost:${ports.wallet}`)
  const trustedIssuers = (env.CB_TRUSTED_ISSUERS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const d of trustedIssuers) if (!/^did:[a-z0-9]+:\S+$/.test(d)) problems.push(`CB_TRUSTED_ISSUERS must list DIDs, got "${d}"`)

  const oidc = oidcConfig(env, publicUrl, allowInsecureLocalhost, problems)

  const sqliteCacheMb = env.CB_SQLITE_CACHE_MB ? int('CB_SQLITE_CACHE_MB', 0, 1, 4096) : undefined
  if (problems.length) throw new ConfigError(problems)

  if (!kmsSecretKey) kmsSecretKey = developmentSecret(dataDir)
  const bankDid = didWebFromUrl(publicUrl)
  return Object.freeze({
    env: envName as Config['env'],
    logLevel,
    host: env.CB_HOST || '127.0.0.1',
    ports: Object.freeze(ports),
    dataDir,
    issuerDb: dbConfig(pgUrl, path.join(dataDir, 'issuer.sqlite'), sqliteCacheMb),
    verifierDb: dbConfig(verifierPgUrl, path.join(dataDir, 'verifier.sqlite'), sqliteCacheMb),
    publicUrl,
    bankDid,
    verifierUrl,
    walletUrl,
    kmsSecretKey,
    trustedIssuers: Object.freeze(trustedIssuers.length ? trustedIssuers : [bankDid]),
    allowInsecureLocalhost,
    ...tunables,
    oidc,
    identityRegistry: env.CB_IDENTITY_REGISTRY ? path.resolve(env.CB_IDENTITY_REGISTRY) : null,
  })
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/** CB_OIDC_*: undefined when CB_OIDC_ISSUER is unset; problems are added to the start-up list. */
function oidcConfig(env: Env, publicUrl: URL, allowInsecureLocalhost: boolean, problems: string[]): OidcConfig | undefined {
  const raw = env.CB_OIDC_ISSUER
  if (!raw) {
    for (const key of ['CB_OIDC_CLIENT_ID', 'CB_OIDC_CLIENT_SECRET', 'CB_OIDC_SCOPES'])
      if (env[key]) problems.push(`${key} is set but CB_OIDC_ISSUER is not: set the provider's issuer URL, or unset ${key}`)
    return undefined
  }
  let issuer: URL
  try {
    issuer = new URL(raw)
  } catch {
    problems.push(`CB_OIDC_ISSUER must be the provider's https issuer URL, got "${raw}"`)
    return undefined
  }
  const loopback = LOOPBACK_HOSTS.has(issuer.hostname)
  if (issuer.search || issuer.hash || issuer.username || issuer.password)
    problems.push(`CB_OIDC_ISSUER must have no query, fragment or credentials, got "${raw}"`)
  if (issuer.href.length > 300) problems.push('CB_OIDC_ISSUER must be at most 300 characters (accounts are linked by it)')
  if (issuer.protocol === 'http:' && !(loopback && allowInsecureLocalhost))
    problems.push(
      `CB_OIDC_ISSUER must be https, got "${raw}" (plain http only for a localhost provider with CB_ALLOW_INSECURE_LOCALHOST, never in production)`,
    )
  else if (issuer.protocol !== 'https:' && issuer.protocol !== 'http:') problems.push(`CB_OIDC_ISSUER must be an https URL, got "${raw}"`)
  const clientId = env.CB_OIDC_CLIENT_ID ?? ''
  if (!clientId) problems.push("CB_OIDC_CLIENT_ID is required with CB_OIDC_ISSUER: the bank's client id at the provider")
  else if (clientId.length > 255 || !/^[\x21-\x7E]+$/.test(clientId))
    problems.push('CB_OIDC_CLIENT_ID must be 1 to 255 printable ASCII characters')
  const scopes = (env.CB_OIDC_SCOPES || 'openid profile').trim().split(/\s+/)
  if (!scopes.includes('openid')) problems.push(`CB_OIDC_SCOPES must include openid, got "${env.CB_OIDC_SCOPES}"`)
  const badScope = scopes.find((s) => !SCOPE_TOKEN.test(s))
  if (badScope !== undefined) problems.push(`CB_OIDC_SCOPES has a character a scope may not contain: "${badScope}"`)
  return Object.freeze({
    issuer,
    clientId,
    clientSecret: env.CB_OIDC_CLIENT_SECRET || undefined,
    scopes: [...new Set(scopes)].join(' '),
    redirectUri: new URL('session/oidc/callback', publicUrl.href.endsWith('/') ? publicUrl : new URL(publicUrl.href + '/')),
    allowHttp: issuer.protocol === 'http:',
  })
}

function dbConfig(pgUrl: string | undefined, sqliteFile: string, cacheMb: number | undefined): DbConfig {
  return pgUrl ? { type: 'postgres', url: pgUrl } : { type: 'sqlite', database: sqliteFile, ...(cacheMb === undefined ? {} : { cacheMb }) }
}

/** Development only: a key-encryption secret generated once and kept in the data dir (mode 0600). */
function developmentSecret(dataDir: string): string {
  const file = path.join(dataDir, 'kms-secret.key')
  warnOnce(`CB_KMS_SECRET_KEY is not set: using the development secret in ${file}. This is refused when NODE_ENV=production.`)
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const secret = randomBytes(32).toString('hex')
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' })
  return secret
}
