// Turns a verification method of a DID document into a usable public key, only for the purpose it is authorized for.
import { CodedError } from '../errors.ts'
import { createPublicKey } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import type { DidDocument, VerificationMethod } from './types.ts'

/** The JWS algorithms the bank signs and verifies with (RFC 8725 §3.1: one allow-list per key type). */
export type JwsAlgorithm = 'EdDSA' | 'ES256'

/** A public key taken from a DID document, with the algorithms that key type allows. */
export interface VerificationKey {
  /** Absolute DID URL of the verification method. */
  id: string
  controller: string
  publicKey: KeyObject
  algorithms: readonly JwsAlgorithm[]
  /** The public key as a minimal JWK (`kty`, `crv`, `x`, `y`). */
  jwk: JsonWebKey
}

export type KeyResolutionErrorCode =
  | 'kid_not_issuer' // the reference names another DID, or is not a DID URL
  | 'verification_method_not_found'
  | 'verification_method_not_authorized' // exists, but not under the required relationship
  | 'unsupported_key_type' // e.g. RSA, secp256k1, X25519, or an unknown VM type
  | 'invalid_key' // malformed, private, off-curve, small-order or non-canonical key material

/** Why no key could be taken from a DID document. */
export class KeyResolutionError extends CodedError<KeyResolutionErrorCode> {}

/**
 * Finds the verification method `ref` (absolute DID URL or relative `#fragment`, read against
 * `doc.id`) and requires it under `purpose` (SECURITY.md #6, #28: a `kid` must be a DID URL of the
 * issuer itself, listed under assertionMethod to sign credentials).
 * @throws KeyResolutionError
 */
export function findVerificationKey(doc: DidDocument, ref: string, purpose: 'assertionMethod' | 'authentication'): VerificationKey {
  const id = ref.startsWith('#') ? `${doc.id}${ref}` : ref
  const hash = id.indexOf('#')
  if (hash < 0 || id.slice(0, hash) !== doc.id)
    throw new KeyResolutionError('kid_not_issuer', `${ref} is not a verification method of ${doc.id}`)
  if (hash === id.length - 1) throw new KeyResolutionError('verification_method_not_found', `${ref} has an empty fragment`)

  const absolute = (vmId: string): string => (vmId.startsWith('#') ? `${doc.id}${vmId}` : vmId)
  let authorized = false
  let method: VerificationMethod | undefined
  for (const entry of doc[purpose] ?? []) {
    if (typeof entry === 'string' ? absolute(entry) === id : absolute(entry.id) === id) {
      authorized = true
      // DID Core §5.3: an embedded method is usable only for the relationship that embeds it.
      if (typeof entry !== 'string') method = entry
      break
    }
  }
  method ??= doc.verificationMethod?.find((vm) => absolute(vm.id) === id)
  if (!method && !authorized && !embeddedElsewhere(doc, id, absolute)) {
    throw new KeyResolutionError('verification_method_not_found', `${id} is not in the DID document`)
  }
  if (!authorized) throw new KeyResolutionError('verification_method_not_authorized', `${id} is not listed under ${purpose}`)
  if (!method) throw new KeyResolutionError('verification_method_not_found', `${id} is referenced under ${purpose} but not defined`)

  const key = keyOfMethod(method)
  return { id, controller: method.controller, publicKey: key.publicKey, algorithms: key.algorithms, jwk: key.jwk }
}

/**
 * Imports a public JWK (OKP Ed25519 or EC P-256 only), once: an import costs about 14 signatures,
 * so keys are cached by their canonical form (RFC 7638 member order).
 * @throws KeyResolutionError `invalid_key` (private members, bad encoding, off-curve, small-order,
 *   conflicting `alg`/`use`/`key_ops`) or `unsupported_key_type`.
 */
export function publicKeyFromJwk(jwk: JsonWebKey): KeyObject {
  return importJwk(jwk).publicKey
}

/**
 * Imports a Multikey `publicKeyMultibase` (base58btc, multicodec ed25519-pub 0xed or p256-pub
 * 0x1200 with a compressed point), cached like {@link publicKeyFromJwk}.
 * @throws KeyResolutionError
 */
export function publicKeyFromMultikey(multibase: string): KeyObject {
  return importMultikey(multibase).publicKey
}

/** The Multikey `publicKeyMultibase` of an Ed25519 or P-256 public key (`z6Mk…` / `zDn…`). */
export function multikeyFromPublicKey(publicKey: KeyObject): string {
  if (publicKey.type !== 'public') throw new TypeError('expected a public key')
  const jwk = publicKey.export({ format: 'jwk' })
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    return `z${encodeBase58btc(Buffer.concat([ED25519_PUB, Buffer.from(jwk.x!, 'base64url')]))}`
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    const y = Buffer.from(jwk.y!, 'base64url')
    const prefix = Buffer.of(2 + (y[31]! & 1))
    return `z${encodeBase58btc(Buffer.concat([P256_PUB, prefix, Buffer.from(jwk.x!, 'base64url')]))}`
  }
  throw new TypeError(`unsupported key type for Multikey: ${publicKey.asymmetricKeyType ?? 'unknown'}`)
}

interface ImportedKey {
  publicKey: KeyObject
  algorithms: readonly JwsAlgorithm[]
  jwk: JsonWebKey
}

const ED25519_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze(['EdDSA'])
const ES256_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze(['ES256'])
/** Multicodec varint prefixes: ed25519-pub (0xed) and p256-pub (0x1200). */
const ED25519_PUB = Buffer.of(0xed, 0x01)
const P256_PUB = Buffer.of(0x80, 0x24)
/** Members that only private or symmetric JWKs carry (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

function keyOfMethod(vm: VerificationMethod): ImportedKey {
  switch (vm.type) {
    case 'JsonWebKey':
    case 'JsonWebKey2020':
      if (typeof vm.publicKeyJwk !== 'object' || vm.publicKeyJwk === null) throw invalidKey(`${vm.id} has no publicKeyJwk`)
      return importJwk(vm.publicKeyJwk)
    case 'Multikey':
      if (typeof vm.publicKeyMultibase !== 'string') throw invalidKey(`${vm.id} has no publicKeyMultibase`)
      return importMultikey(vm.publicKeyMultibase)
    case 'Ed25519VerificationKey2020': {
      if (typeof vm.publicKeyMultibase !== 'string') throw invalidKey(`${vm.id} has no publicKeyMultibase`)
      const key = importMultikey(vm.publicKeyMultibase)
      if (key.jwk.crv !== 'Ed25519') throw invalidKey(`${vm.id} is an Ed25519VerificationKey2020 holding a ${key.jwk.crv} key`)
      return key
    }
    case 'Ed25519VerificationKey2018': {
      const raw = typeof vm.publicKeyBase58 === 'string' ? decodeBase58btc(vm.publicKeyBase58) : undefined
      if (!raw || raw.length !== 32) throw invalidKey(`${vm.id} publicKeyBase58 is not a 32-byte key`)
      return importJwk({ kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') })
    }
    default:
      throw new KeyResolutionError('unsupported_key_type', `verification method type ${String(vm.type)} is not supported`)
  }
}

function embeddedElsewhere(doc: DidDocument, id: string, absolute: (vmId: string) => string): boolean {
  const relationships = [doc.authentication, doc.assertionMethod, doc.keyAgreement, doc.capabilityInvocation, doc.capabilityDelegation]
  return relationships.some((entries) => entries?.some((e) => typeof e !== 'string' && absolute(e.id) === id) ?? false)
}

function importJwk(jwk: JsonWebKey): ImportedKey {
  if (typeof jwk !== 'object' || jwk === null) throw invalidKey('JWK is not an object')
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) throw invalidKey('JWK holds private key material')
  if (jwk.use !== undefined && jwk.use !== 'sig') throw invalidKey(`JWK use "${String(jwk.use)}" is not "sig"`)
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) {
    throw invalidKey('JWK key_ops does not allow "verify"')
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    if (jwk.alg !== undefined && jwk.alg !== 'EdDSA' && jwk.alg !== 'Ed25519')
      throw invalidKey(`JWK alg ${String(jwk.alg)} does not fit Ed25519`)
    const x = decodeBase64url(jwk.x, 32)
    if (!x) throw invalidKey('Ed25519 JWK x is not 32 bytes of canonical base64url')
    return importEd25519(x)
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    if (jwk.alg !== undefined && jwk.alg !== 'ES256') throw invalidKey(`JWK alg ${String(jwk.alg)} does not fit P-256`)
    const x = decodeBase64url(jwk.x, 32)
    const y = decodeBase64url(jwk.y, 32)
    if (!x || !y) throw invalidKey('P-256 JWK x and y must be 32 bytes of canonical base64url each')
    return importP256(x, y)
  }
  throw new KeyResolutionError(
    'unsupported_key_type',
    `JWK ${String(jwk.kty)}/${String(jwk.crv)} is not supported (Ed25519 and P-256 only)`,
  )
}

function importMultikey(multibase: string): ImportedKey {
  // Keyed by the multibase itself: P-256 point decompression costs more than an ES256 verification.
  return remember(`multikey:${multibase}`, () => {
    const raw = multibase.startsWith('z') ? decodeBase58btc(multibase.slice(1)) : undefined
    if (!raw) throw invalidKey('publicKeyMultibase is not base58btc (z…)')
    const decoded = Buffer.from(raw)
    const codec = decoded.subarray(0, 2)
    const key = decoded.subarray(2)
    if (codec.equals(ED25519_PUB)) {
      if (key.length !== 32) throw invalidKey('ed25519-pub multikey is not 32 bytes')
      return importEd25519(key)
    }
    if (codec.equals(P256_PUB)) {
      const point = key.length === 33 ? decompressP256(key) : undefined
      if (!point) throw invalidKey('p256-pub multikey is not a compressed point on the curve')
      return importP256(point.x, point.y)
    }
    throw new KeyResolutionError('unsupported_key_type', 'multikey codec is not ed25519-pub or p256-pub')
  })
}

function importEd25519(x: Buffer): ImportedKey {
  if (isWeakEd25519(x)) throw invalidKey('Ed25519 public key is a small-order or non-canonical point')
  const jwk = { crv: 'Ed25519', kty: 'OKP', x: x.toString('base64url') }
  return cached(jwk, ED25519_ALGORITHMS)
}

function importP256(x: Buffer, y: Buffer): ImportedKey {
  const jwk = { crv: 'P-256', kty: 'EC', x: x.toString('base64url'), y: y.toString('base64url') }
  return cached(jwk, ES256_ALGORITHMS)
}

/** Keys come from remote documents, so the cache is bounded (least recently used evicted). */
const MAX_CACHED_KEYS = 1024
const keyCache = new Map<string, ImportedKey>()

/** Returns the cached import for `cacheKey`, or builds and caches it. Failures are not cached. */
function remember(cacheKey: string, build: () => ImportedKey): ImportedKey {
  const hit = keyCache.get(cacheKey)
  if (hit) {
    keyCache.delete(cacheKey)
    keyCache.set(cacheKey, hit)
    return hit
  }
  const imported = build()
  keyCache.set(cacheKey, imported)
  if (keyCache.size > MAX_CACHED_KEYS) keyCache.delete(keyCache.keys().next().value!)
  return imported
}

function cached(jwk: { crv: string; kty: string; x: string; y?: string }, algorithms: readonly JwsAlgorithm[]): ImportedKey {
  return remember(`jwk:${JSON.stringify(jwk)}`, () => {
    try {
      // OpenSSL checks that an EC point lies on the curve here.
      const publicKey = createPublicKey({ key: jwk, format: 'jwk' })
      return { publicKey, algorithms, jwk: Object.freeze(jwk) }
    } catch (e) {
      throw invalidKey(`public key does not import: ${(e as Error).message}`, e)
    }
  })
}

function invalidKey(message: string, cause?: unknown): KeyResolutionError {
  return new KeyResolutionError('invalid_key', message, cause === undefined ? undefined : { cause })
}

/** Strict base64url: only the URL-safe alphabet, no padding, no stray low bits; exactly `bytes` long. */
function decodeBase64url(value: unknown, bytes: number): Buffer | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined
  const decoded = Buffer.from(value, 'base64url')
  return decoded.length === bytes && decoded.toString('base64url') === value ? decoded : undefined
}

/**
 * y-coordinates (sign bit cleared) of the eight small-order Ed25519 points: 0 and its x-sign twin
 * (order 4), 1 (order 1), p−1 (order 2), and ±y8 with both x-signs (order 8). Same list as
 * libsodium's ge25519_has_small_order and Wycheproof ed25519_test.json.
 */
const SMALL_ORDER_Y = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
].map((hex) => Buffer.from(hex, 'hex'))

/** RFC 8032 §5.1.3: small-order points, and y ≥ p = 2^255 − 19 (non-canonical encodings). */
function isWeakEd25519(encoded: Buffer): boolean {
  const y = Buffer.from(encoded)
  y[31] = y[31]! & 0x7f
  if (SMALL_ORDER_Y.some((s) => s.equals(y))) return true
  return y[31] === 0x7f && y[0]! >= 0xed && y.subarray(1, 31).every((b) => b === 0xff)
}

// P-256 (SEC 2 §2.4.2): y² = x³ − 3x + b over GF(p), with p ≡ 3 (mod 4) so √a = a^((p+1)/4).
const P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn
const P256_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn

function decompressP256(compressed: Buffer): { x: Buffer; y: Buffer } | undefined {
  const prefix = compressed[0]
  if (prefix !== 2 && prefix !== 3) return undefined
  const x = BigInt(`0x${compressed.subarray(1).toString('hex')}`)
  if (x >= P256_P) return undefined
  const rhs = (((x * x - 3n) % P256_P) * x + P256_B) % P256_P
  let y = modPow(rhs, (P256_P + 1n) / 4n, P256_P)
  if ((y * y) % P256_P !== rhs) return undefined
  if (Number(y & 1n) !== (prefix & 1)) y = P256_P - y
  return { x: compressed.subarray(1), y: Buffer.from(y.toString(16).padStart(64, '0'), 'hex') }
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n
  let b = ((base % modulus) + modulus) % modulus
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus
    b = (b * b) % modulus
  }
  return result
}

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
/** Keys are short; the cap keeps the quadratic decode cheap on hostile input. */
const MAX_BASE58_LENGTH = 128

/** Bitcoin base58 (the multibase `z` alphabet). */
export function encodeBase58btc(bytes: Uint8Array): string {
  const digits: number[] = []
  for (const byte of bytes) {
    let carry = byte
    for (let i = 0; i < digits.length; i++) {
      carry += digits[i]! << 8
      digits[i] = carry % 58
      carry = Math.floor(carry / 58)
    }
    for (; carry > 0; carry = Math.floor(carry / 58)) digits.push(carry % 58)
  }
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  return (
    '1'.repeat(zeros) +
    digits
      .reverse()
      .map((d) => BASE58_ALPHABET[d])
      .join('')
  )
}

/** Decodes Bitcoin base58; undefined for an empty, too long or out-of-alphabet string. */
export function decodeBase58btc(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > MAX_BASE58_LENGTH) return undefined
  const bytes: number[] = []
  for (const char of text) {
    let carry = BASE58_ALPHABET.indexOf(char)
    if (carry < 0) return undefined
    for (let i = 0; i < bytes.length; i++) {
      carry += bytes[i]! * 58
      bytes[i] = carry & 0xff
      carry >>= 8
    }
    for (; carry > 0; carry >>= 8) bytes.push(carry & 0xff)
  }
  let zeros = 0
  while (zeros < text.length && text[zeros] === '1') zeros++
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...bytes.reverse()])
}
