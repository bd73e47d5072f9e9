// Attack helpers for the security integration tests: forged JWS, an attacker-controlled did:web host, holders, presentations.
import { createHash, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { didKeyFromPublicKey } from '../../core/did/did-key.ts'
import { multikeyFromPublicKey } from '../../core/did/verification-key.ts'
import { buildBitstringStatusListCredential } from '../../fixtures/builders.ts'
import { post, type HttpResult, type Report, type TestSystem } from '../../fixtures/test-system.ts'

export type Json = Record<string, unknown>

/** base64url of a JSON value or of raw bytes. */
export const b64u = (value: unknown): string => (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url')

/** The header and payload of a compact JWS, without checking anything. */
export function decodeJwt(jwt: string): { header: Json; payload: Json; signature: Buffer } {
  const [h = '', p = '', s = ''] = jwt.split('.')
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()) as Json,
    payload: JSON.parse(Buffer.from(p, 'base64url').toString()) as Json,
    signature: Buffer.from(s, 'base64url'),
  }
}

/**
 * A compact JWS over any header and payload, signed with `key` the way `header.alg` says for Ed25519
 * (EdDSA/Ed25519) and P-256 (ES256) keys; any other alg gets 64 random-looking bytes.
 */
export function forgeJws(header: Json, payload: unknown, key?: KeyObject): string {
  return signSegments(b64u(header), b64u(payload), key)
}

/** Signs two already-encoded segments (which may hold anything: invalid UTF-8, non-JSON …) as in {@link forgeJws}. */
export function signSegments(header: string, payload: string, key?: KeyObject): string {
  const input = `${header}.${payload}`
  let signature: Buffer
  if (key?.asymmetricKeyType === 'ed25519') signature = cryptoSign(null, Buffer.from(input), key)
  else if (key?.asymmetricKeyType === 'ec') signature = cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
  else signature = createHash('sha512').update(input).digest()
  return `${input}.${signature.toString('base64url')}`
}

/** The EnvelopedVerifiableCredential that carries `jwt`. */
export const envelope = (jwt: string, mediaType = 'application/vc+jwt'): Json => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  id: `data:${mediaType},${jwt}`,
  type: 'EnvelopedVerifiableCredential',
})

/** Re-signs an issued JWT with the bank's own active key after `edit` changed its header and payload. */
export async function resignAsBank(sys: TestSystem, jwt: string, edit: (header: Json, payload: Json) => void): Promise<string> {
  const { header, payload } = decodeJwt(jwt)
  edit(header, payload)
  const key = await sys.issuer.identity.activeKey()
  return forgeJws(header, payload, key.privateKey)
}

/** A signing party with its own keys: a did:key holder or an issuer whose did:web document we serve. */
export interface Signer {
  readonly did: string
  readonly kid: string
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  /** A compact JWS with `alg` EdDSA (or ES256 for P-256 keys), this signer's kid and the given typ. */
  sign(payload: Json, header?: Json): string
}

function signerOf(did: string, kid: string, privateKey: KeyObject, publicKey: KeyObject): Signer {
  const alg = privateKey.asymmetricKeyType === 'ec' ? 'ES256' : 'EdDSA'
  return {
    did,
    kid,
    privateKey,
    publicKey,
    sign: (payload, header = {}) => forgeJws({ alg, kid, typ: 'vc+jwt', ...header }, payload, privateKey),
  }
}

/** A wallet holder with an Ed25519 did:key (its key is under authentication). */
export function newHolder(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const did = didKeyFromPublicKey(publicKey)
  return signerOf(did, `${did}#${multikeyFromPublicKey(publicKey)}`, privateKey, publicKey)
}

/** The minimal public JWK of a key. */
export function publicJwk(publicKey: KeyObject): Json {
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' })
  return { kty, crv, x, ...(y ? { y } : {}) }
}

type Route = (req: IncomingMessage, res: ServerResponse) => void

/**
 * An attacker- (or partner-) controlled host on 127.0.0.1, reachable as `did:web:localhost%3A<port>` because
 * tests run with CB_ALLOW_INSECURE_LOCALHOST. Serves a DID document (changeable) and any routes added; counts hits.
 */
export class FakeHost {
  readonly server: Server
  readonly routes = new Map<string, Route>()
  readonly hits: string[] = []
  port = 0
  constructor() {
    this.server = createServer((req, res) => {
      this.hits.push(req.url ?? '')
      const route = this.routes.get(req.url ?? '')
      if (route) return route(req, res)
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
    })
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
    return this
  }

  get did(): string {
    return `did:web:localhost%3A${this.port}`
  }

  get origin(): string {
    return `http://localhost:${this.port}`
  }

  /** Serves `body` (JSON unless a string) at `path`, with `status` and headers. */
  serve(path: string, body: unknown, status = 200, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    this.routes.set(path, (_req, res) => void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text))
  }

  /** Serves this host's DID document. */
  serveDid(document: unknown, status = 200): void {
    this.serve('/.well-known/did.json', document, status)
  }

  /** A fresh Ed25519 (or P-256) key published under `relationships` of this host's DID document, which is served. */
  newIssuer(opts: { relationships?: readonly string[]; curve?: 'ed25519' | 'p256'; fragment?: string } = {}): Signer {
    const { privateKey, publicKey } =
      opts.curve === 'p256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519')
    const kid = `${this.did}#${opts.fragment ?? 'key-1'}`
    this.serveDid(didDocument(this.did, [{ kid, publicKey, relationships: opts.relationships ?? ['assertionMethod'] }]))
    return signerOf(this.did, kid, privateKey, publicKey)
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise((resolve) => this.server.close(resolve))
  }
}

/** A DID document listing each key under the given relationships. */
export function didDocument(did: string, keys: readonly { kid: string; publicKey: KeyObject; relationships: readonly string[] }[]): Json {
  const doc: Json = {
    '@context': ['https://www.w3.org/ns/did/v1'],
    id: did,
    verificationMethod: keys.map((k) => ({ id: k.kid, type: 'JsonWebKey', controller: did, publicKeyJwk: publicJwk(k.publicKey) })),
  }
  for (const k of keys) for (const r of k.relationships) doc[r] = [...((doc[r] as string[] | undefined) ?? []), k.kid]
  return doc
}

/** A vc+jwt payload (credential plus consistent JWT claims) for a credential signed by `issuer`. */
export function vcJwtPayload(credential: Json, issuerDid: string): Json {
  const subject = credential.credentialSubject as { id?: unknown } | undefined
  return {
    ...credential,
    iss: issuerDid,
    ...(typeof credential.id === 'string' ? { jti: credential.id } : {}),
    ...(typeof subject?.id === 'string' ? { sub: subject.id } : {}),
  }
}

/** A BitstringStatusListCredential payload for `issuerDid` at `url`, with `bits` (default: 131,072 zero bits). */
export function statusListPayload(
  issuerDid: string,
  url: string,
  opts: { purpose?: string; bytes?: Buffer; encodedList?: string } = {},
): Json {
  const encodedList = opts.encodedList ?? `u${gzipSync(opts.bytes ?? Buffer.alloc(131_072 / 8)).toString('base64url')}`
  const base = buildBitstringStatusListCredential(issuerDid, { id: url }) as unknown as Json
  return {
    ...base,
    iss: issuerDid,
    credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: opts.purpose ?? 'revocation', encodedList },
  }
}

/** A vp+jwt by `holder` answering `challenge` (nonce), addressed to `domain` (aud) when given. */
export function signPresentation(
  holder: Signer,
  credentials: readonly unknown[],
  opts: { challenge?: string; domain?: string; claims?: Json; header?: Json; presentation?: Json } = {},
): string {
  const presentation = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiablePresentation'],
    holder: holder.did,
    verifiableCredential: [...credentials],
    ...opts.presentation,
  }
  const claims = {
    iss: holder.did,
    ...(opts.challenge !== undefined ? { nonce: opts.challenge } : {}),
    ...(opts.domain !== undefined ? { aud: opts.domain } : {}),
    ...opts.claims,
  }
  return holder.sign({ ...presentation, ...claims }, { typ: 'vp+jwt', ...opts.header })
}

/** POST /challenges on the verifier. */
export async function newChallenge(sys: TestSystem, domain?: string): Promise<string> {
  const res = await post<{ challenge: string }>(`${sys.verifierUrl}/challenges`, domain === undefined ? {} : { domain })
  if (res.status !== 201) throw new Error(`POST /challenges answered ${res.status}`)
  return res.body.challenge
}

/** POST /presentations/verify. */
export function verifyPresentation(sys: TestSystem, verifiablePresentation: unknown, options: unknown): Promise<HttpResult<Report>> {
  return post<Report>(`${sys.verifierUrl}/presentations/verify`, { verifiablePresentation, options })
}

/** The raw answer to a request, for bodies that are not JSON or headers that matter. */
export async function rawPost(
  url: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

/**
 * Fresh fake hosts on demand, all closed by `closeAll`. Use a new host (hence a new DID) per scenario: the
 * verifier caches DID documents for CB_DID_CACHE_TTL_SECONDS on the injected clock.
 */
export class FakeHosts {
  private readonly hosts: FakeHost[] = []
  async create(): Promise<FakeHost> {
    const host = await new FakeHost().start()
    this.hosts.push(host)
    return host
  }
  /** A new host whose DID document publishes one fresh key (see {@link FakeHost.newIssuer}). */
  async signer(opts: Parameters<FakeHost['newIssuer']>[0] = {}): Promise<Signer & { host: FakeHost }> {
    const host = await this.create()
    return { ...host.newIssuer(opts), host }
  }
  async closeAll(): Promise<void> {
    await Promise.all(this.hosts.splice(0).map((h) => h.close()))
  }
}
