// W3C Data Integrity `eddsa-rdfc-2022` proofs: sign (appending to a proof set) and verify every proof.
import { CodedError } from '../errors.ts'
import { createPublicKey, KeyObject as KeyObjectClass, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto'
import { DataIntegrityProof, type ProofObject } from '@digitalbazaar/data-integrity'
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite'
import { offlineDocumentLoader } from '../credentials/document-loader.ts'
import { CONTEXTS } from '../credentials/contexts.ts'
import { countJsonNodes, isPlainObject } from '../json.ts'
import { classifyJsonLdError, errorMessage, inlineCanonicalizer, type CanonicalizeCode, type Canonicalizer } from './canonicalizer.ts'
import { findNonCompactForm } from './compact-form.ts'
import { DidResolutionError, type DidResolutionErrorCode } from '../did/types.ts'
import { decodeBase58btc, KeyResolutionError, type KeyResolutionErrorCode } from '../did/verification-key.ts'

const PROOF_TYPE = 'DataIntegrityProof'
const CRYPTOSUITE = 'eddsa-rdfc-2022'
/** A proof whose `created` is further in the future than this is malformed (clock skew allowance). */
const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000
// XSD dateTimeStamp: a timezone is mandatory (Data Integrity §2.1 `created`/`expires`).
const DATE_TIME_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
const DID_URL_WITH_FRAGMENT = /^did:[a-z0-9]+:[^\s#]+#[^\s#]+$/
/**
 * JSON values (objects, arrays, scalars) a secured document may have. Canonicalization cost grows with it; a
 * certification report over a hundred credentials, or a presentation of fifty, stays far below.
 */
export const MAX_DOCUMENT_NODES = 20_000
const ALLOWED_CONTEXTS: ReadonlySet<string> = new Set(CONTEXTS.keys())

export type ProofPurpose = 'assertionMethod' | 'authentication'

/** Stable codes of a failed proof or a failed signing attempt. */
export type DataIntegrityCode =
  | CanonicalizeCode
  | 'no_proof'
  | 'unsupported_cryptosuite'
  | 'proof_purpose_mismatch'
  | 'proof_expired'
  | 'challenge_mismatch'
  | 'domain_mismatch'
  | 'verification_method_unresolved'
  | 'jsonld_not_compact' // the JSON is not the compact form of its contexts, so it may hide what is signed
  | 'document_too_large'
  | 'signature_invalid'

/** Why a proof did not verify: one of ours, or the code of the caller's refusal to resolve its verification method. */
export type DataIntegrityFailureCode = DataIntegrityCode | DidResolutionErrorCode | KeyResolutionErrorCode

/** Thrown by {@link signDataIntegrity} when the document itself cannot be signed (nothing is signed). */
export class DataIntegrityError extends CodedError<DataIntegrityCode> {}

export interface DataIntegritySigner {
  /** Absolute DID URL of the verification method, e.g. `did:web:bank.example#key-1`. */
  verificationMethod: string
  /** Ed25519 private key. */
  privateKey: KeyObject
  /** Its public key; checked once per key pair against the private key. */
  publicKey: KeyObject
}

export interface SignDataIntegrityOptions {
  created: Date
  /** Default `assertionMethod`. `authentication` requires `challenge`. */
  proofPurpose?: ProofPurpose
  challenge?: string
  domain?: string
}

/**
 * A verification method as the caller resolves it from the controller's DID document: its public key already
 * imported (core/did/verification-key.ts imports and caches keys from JWK and multibase), so nothing here converts it.
 */
export interface ResolvedVerificationMethod {
  id: string
  controller: string
  publicKey: KeyObject
}

export interface VerifyDataIntegrityOptions {
  /**
   * Resolves a proof's verification method for a proof purpose. This is where the caller enforces
   * that the key is listed under that relationship of the controller's DID document; a thrown error
   * fails the proof with the error's `code` (or `verification_method_unresolved`).
   */
  resolveVerificationMethod: (id: string, purpose: string) => Promise<ResolvedVerificationMethod>
  proofPurpose: ProofPurpose
  /** Required for `authentication` (SECURITY.md #19); compared exactly when given. */
  challenge?: string
  /** When given, the proof's `domain` must equal it (or, if an array, contain it). */
  domain?: string
  now: Date
  /** Where canonicalization runs; default on the caller's thread. The verifier passes its worker pool. */
  canonicalizer?: Canonicalizer
}

export interface DataIntegrityProofResult {
  verificationMethod: string
  verified: boolean
  code?: DataIntegrityFailureCode
  message?: string
}

export interface DataIntegrityVerification {
  /** True iff there is at least one proof and every proof verified. */
  verified: boolean
  /** One entry per proof, in document order. */
  proofs: DataIntegrityProofResult[]
  /** The code and message of the first failure, when not verified. */
  code?: DataIntegrityFailureCode
  message?: string
}

/**
 * Adds one `eddsa-rdfc-2022` DataIntegrityProof. If the document already has a proof, the new one is
 * appended and `proof` becomes an array (a proof set: co-signing; each proof signs the document without
 * its proofs). Never mutates the input. The document's `@context` must already include the VC 2.0
 * context (or the Data Integrity v2 context): adding one would break the proofs already there.
 *
 * @throws TypeError on a bad signer or options (programmer error).
 * @throws DataIntegrityError `unknown_context`, `jsonld_safe_mode` or `jsonld_invalid` when the document
 *   cannot be canonicalized strictly; nothing is signed.
 */
export async function signDataIntegrity<T extends object>(
  document: T,
  signer: DataIntegritySigner,
  opts: SignDataIntegrityOptions,
): Promise<T & { proof: unknown }> {
  const proofPurpose = opts.proofPurpose ?? 'assertionMethod'
  assertSignArguments(signer, opts, proofPurpose)
  const { proof: existing, ...unsecured } = structuredClone(document) as T & { proof?: unknown }
  const proofSet = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]
  if (!proofSet.every(isPlainObject)) throw new TypeError('document.proof must be an object or an array of objects')
  // What the bank signs must verify: a shape its verifiers refuse is refused here, before anything is signed.
  const notCompact = findNonCompactForm(unsecured, ALLOWED_CONTEXTS)
  if (notCompact) throw new DataIntegrityError(notCompact.code, `${notCompact.path}: ${notCompact.message}`)

  const suite = new DataIntegrityProof({ signer: nativeSigner(signer), date: opts.created, cryptosuite: eddsaRdfc2022 })
  suite.ensureSuiteContext({ document: unsecured, addSuiteContext: false })
  const purpose = {
    async update(proof: ProofObject): Promise<ProofObject> {
      proof.proofPurpose = proofPurpose
      if (opts.challenge !== undefined) proof.challenge = opts.challenge
      if (opts.domain !== undefined) proof.domain = opts.domain
      return proof
    },
  }
  let proof: ProofObject
  try {
    proof = await suite.createProof({ document: unsecured, purpose, proofSet, documentLoader: offlineDocumentLoader })
  } catch (err) {
    const failure = classifyJsonLdError(err)
    if (failure === undefined) throw err
    throw new DataIntegrityError(failure.code, failure.message, { cause: err })
  }
  return { ...unsecured, proof: proofSet.length === 0 ? proof : [...proofSet, proof] } as T & { proof: unknown }
}

/**
 * Verifies every proof of the document. A proof passes only with type DataIntegrityProof and cryptosuite
 * `eddsa-rdfc-2022`, the expected `proofPurpose`, a verification method the caller resolves, a valid
 * signature over the document canonicalized in JSON-LD safe mode with bundled contexts only, `created`
 * not more than 5 minutes after `now`, `expires` (if any) not before `now`, and (if given) the
 * challenge and domain. The document must be in the compact form of its allow-listed contexts
 * (compact-form.ts), so that what the caller reads from the JSON is what the proofs sign.
 *
 * Cheap before expensive (DESIGN.md): size, compact form, proof options and key resolution are checked
 * first; only proofs that pass them are canonicalized, by `opts.canonicalizer`. Never throws for a bad
 * document; throws TypeError for bad options.
 */
export async function verifyDataIntegrity(document: object, opts: VerifyDataIntegrityOptions): Promise<DataIntegrityVerification> {
  assertVerifyOptions(opts)
  if (!isPlainObject(document)) {
    return { verified: false, proofs: [], code: 'malformed_proof', message: 'the document must be a JSON object' }
  }
  const { proof: proofValue, ...unsecured } = document
  if (proofValue === undefined || (Array.isArray(proofValue) && proofValue.length === 0)) {
    return { verified: false, proofs: [], code: 'no_proof', message: 'the document has no proof' }
  }
  if (!Array.isArray(proofValue) && !isPlainObject(proofValue)) {
    return { verified: false, proofs: [], code: 'malformed_proof', message: 'proof must be an object or an array' }
  }
  if (countJsonNodes(document, MAX_DOCUMENT_NODES) > MAX_DOCUMENT_NODES) {
    return {
      verified: false,
      proofs: [],
      code: 'document_too_large',
      message: `the document has more than ${MAX_DOCUMENT_NODES} JSON values`,
    }
  }
  const notCompact = findNonCompactForm(document, ALLOWED_CONTEXTS)
  if (notCompact) {
    return { verified: false, proofs: [], code: notCompact.code, message: `${notCompact.path}: ${notCompact.message}` }
  }
  const proofSet: unknown[] = Array.isArray(proofValue) ? proofValue : [proofValue]
  const prepared = await Promise.all(proofSet.map((proof) => prepareProof(proof, opts)))
  const ready = prepared.filter((p): p is ReadyProof => 'publicKey' in p)
  const canonical = ready.length
    ? await (opts.canonicalizer ?? inlineCanonicalizer).verifyData(
        unsecured,
        ready.map((p) => p.proof),
      )
    : undefined
  const proofs = await Promise.all(
    prepared.map(async (p) => {
      if (!('publicKey' in p)) return p
      if (!canonical!.ok) return fail(p.verificationMethod, canonical!.code, canonical!.message)
      return checkSignature(p, canonical!.verifyData[ready.indexOf(p)]!)
    }),
  )
  const failed = proofs.find((p) => !p.verified)
  if (failed === undefined) return { verified: true, proofs }
  return { verified: false, proofs, code: failed.code, message: failed.message }
}

interface ReadyProof {
  verificationMethod: string
  proof: Record<string, unknown>
  publicKey: KeyObject
}

/** Everything about one proof that needs no canonicalization: its options, and its key from the signer's DID document. */
async function prepareProof(proof: unknown, opts: VerifyDataIntegrityOptions): Promise<ReadyProof | DataIntegrityProofResult> {
  if (!isPlainObject(proof)) return fail('', 'malformed_proof', 'a proof must be an object')
  const verificationMethod = typeof proof.verificationMethod === 'string' ? proof.verificationMethod : ''
  const problem = checkProofOptions(proof, opts)
  if (problem !== undefined) return fail(verificationMethod, problem.code, problem.message)

  let resolved: ResolvedVerificationMethod
  try {
    resolved = await opts.resolveVerificationMethod(verificationMethod, opts.proofPurpose)
  } catch (err) {
    // The caller's refusal (e.g. key not under this relationship) keeps the caller's code.
    return fail(verificationMethod, errorCode(err) ?? 'verification_method_unresolved', errorMessage(err))
  }
  const { publicKey } = isPlainObject(resolved) ? resolved : { publicKey: undefined }
  if (resolved?.id !== verificationMethod || typeof resolved.controller !== 'string') {
    return fail(
      verificationMethod,
      'verification_method_unresolved',
      `the resolved verification method does not match ${verificationMethod}`,
    )
  }
  // eddsa-rdfc-2022 §3.3: an Ed25519 public key.
  if (!(publicKey instanceof KeyObjectClass) || publicKey.type !== 'public' || publicKey.asymmetricKeyType !== 'ed25519') {
    return fail(
      verificationMethod,
      'verification_method_unresolved',
      `verification method ${verificationMethod} is not an Ed25519 public key`,
    )
  }
  return { verificationMethod, proof, publicKey }
}

/** eddsa-rdfc-2022 §3.3.4: the proofValue is the base58btc Ed25519 signature over the verify data. */
function checkSignature(p: ReadyProof, verifyData: Uint8Array): DataIntegrityProofResult {
  const signature = decodeBase58btc(String(p.proof.proofValue).slice(1))
  if (signature === undefined || signature.length !== 64)
    return fail(p.verificationMethod, 'malformed_proof', 'proof.proofValue is not a base58btc Ed25519 signature')
  if (!cryptoVerify(null, verifyData, p.publicKey, signature))
    return fail(p.verificationMethod, 'signature_invalid', 'the signature does not match the document')
  return { verificationMethod: p.verificationMethod, verified: true }
}

/** Checks that need no key and no canonicalization; returns the first problem found. */
function checkProofOptions(
  proof: Record<string, unknown>,
  opts: VerifyDataIntegrityOptions,
): { code: DataIntegrityCode; message: string } | undefined {
  if (proof.type !== PROOF_TYPE || proof.cryptosuite !== CRYPTOSUITE) {
    return {
      code: 'unsupported_cryptosuite',
      message: `expected ${PROOF_TYPE}/${CRYPTOSUITE}, got ${String(proof.type)}/${String(proof.cryptosuite)}`,
    }
  }
  if (typeof proof.verificationMethod !== 'string' || proof.verificationMethod === '') {
    return { code: 'malformed_proof', message: 'proof.verificationMethod must be a URL string' }
  }
  // eddsa-rdfc-2022 §3.3: proofValue is multibase base58btc ('z').
  if (typeof proof.proofValue !== 'string' || !proof.proofValue.startsWith('z')) {
    return { code: 'malformed_proof', message: 'proof.proofValue must be a base58btc multibase string' }
  }
  if (proof.proofPurpose !== opts.proofPurpose) {
    return {
      code: 'proof_purpose_mismatch',
      message: `proofPurpose is ${JSON.stringify(proof.proofPurpose)}, expected ${opts.proofPurpose}`,
    }
  }
  if (proof.created !== undefined) {
    const created = parseDateTimeStamp(proof.created)
    if (created === undefined) return { code: 'malformed_proof', message: 'proof.created is not an XSD dateTimeStamp' }
    if (created > opts.now.getTime() + MAX_FUTURE_SKEW_MS) {
      return { code: 'malformed_proof', message: 'proof.created is in the future' }
    }
  }
  if (proof.expires !== undefined) {
    const expires = parseDateTimeStamp(proof.expires)
    if (expires === undefined) return { code: 'malformed_proof', message: 'proof.expires is not an XSD dateTimeStamp' }
    if (expires < opts.now.getTime()) return { code: 'proof_expired', message: 'the proof has expired' }
  }
  if (opts.challenge !== undefined && proof.challenge !== opts.challenge) {
    return { code: 'challenge_mismatch', message: 'proof.challenge does not match the expected challenge' }
  }
  if (opts.domain !== undefined) {
    const { domain } = proof
    const matches = domain === opts.domain || (Array.isArray(domain) && domain.includes(opts.domain))
    if (!matches) return { code: 'domain_mismatch', message: 'proof.domain does not match the expected domain' }
  }
  return undefined
}

function parseDateTimeStamp(value: unknown): number | undefined {
  if (typeof value !== 'string' || !DATE_TIME_STAMP.test(value)) return undefined
  const time = Date.parse(value)
  return Number.isNaN(time) ? undefined : time
}

/** Signs with node:crypto directly on the caller's KeyObject: no per-signature key import. */
function nativeSigner(signer: DataIntegritySigner) {
  const { privateKey } = signer
  return {
    id: signer.verificationMethod,
    algorithm: 'Ed25519',
    async sign({ data }: { data: Uint8Array }): Promise<Uint8Array> {
      return cryptoSign(null, data, privateKey)
    },
  }
}

function assertSignArguments(signer: DataIntegritySigner, opts: SignDataIntegrityOptions, purpose: ProofPurpose): void {
  if (typeof signer.verificationMethod !== 'string' || !DID_URL_WITH_FRAGMENT.test(signer.verificationMethod)) {
    throw new TypeError('signer.verificationMethod must be an absolute DID URL with a fragment')
  }
  const { privateKey, publicKey } = signer
  if (privateKey?.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('signer.privateKey must be an Ed25519 private KeyObject')
  }
  if (publicKey?.type !== 'public' || publicKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('signer.publicKey must be an Ed25519 public KeyObject')
  }
  // A few microseconds beside a canonicalization of milliseconds: checked every time rather than remembered.
  if (createPublicKey(privateKey).export({ format: 'jwk' }).x !== publicKey.export({ format: 'jwk' }).x) {
    throw new TypeError('signer.publicKey does not belong to signer.privateKey')
  }
  if (!(opts.created instanceof Date) || Number.isNaN(opts.created.getTime())) {
    throw new TypeError('opts.created must be a valid Date')
  }
  if (purpose !== 'assertionMethod' && purpose !== 'authentication') {
    throw new TypeError(`unsupported proofPurpose ${String(purpose)}`)
  }
  if (purpose === 'authentication' && typeof opts.challenge !== 'string') {
    throw new TypeError('an authentication proof needs a challenge')
  }
}

function assertVerifyOptions(opts: VerifyDataIntegrityOptions): void {
  if (typeof opts.resolveVerificationMethod !== 'function') {
    throw new TypeError('opts.resolveVerificationMethod must be a function')
  }
  if (opts.proofPurpose !== 'assertionMethod' && opts.proofPurpose !== 'authentication') {
    throw new TypeError(`unsupported proofPurpose ${String(opts.proofPurpose)}`)
  }
  if (opts.proofPurpose === 'authentication' && typeof opts.challenge !== 'string') {
    throw new TypeError('verifying an authentication proof needs the expected challenge (SECURITY.md #19)')
  }
  if (!(opts.now instanceof Date) || Number.isNaN(opts.now.getTime())) {
    throw new TypeError('opts.now must be a valid Date')
  }
}

function fail(verificationMethod: string, code: DataIntegrityFailureCode, message: string): DataIntegrityProofResult {
  return { verificationMethod, verified: false, code, message }
}

/** The code of a resolution or key error the caller threw; any other error is `verification_method_unresolved`. */
function errorCode(err: unknown): DidResolutionErrorCode | KeyResolutionErrorCode | undefined {
  return err instanceof DidResolutionError || err instanceof KeyResolutionError ? err.code : undefined
}
