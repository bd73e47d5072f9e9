// Writes the verification test vectors (one JSON file per scenario, beside this script). Run by hand, never by the
// tests: `npx tsx test/vectors/verification/generate.ts`. Keys come from fixed seeds and the clock is fixed, and
// Ed25519 signatures are deterministic, so a run writes the same files unless the verifier's reports changed (then
// review the diff: a changed expected report is a behaviour change). See README.md.
import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto'
import { readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ACHIEVEMENT_CREDENTIAL_SCHEMA_ID, VC_V2_CONTEXT } from '../../../core/credentials/types.ts'
import { signDataIntegrity } from '../../../core/proofs/data-integrity.ts'
import { canonicalJson } from '../../../core/credentials/jcs.ts'
import { encodeBitstring, MIN_STATUS_LIST_SIZE } from '../../../core/status/bitstring.ts'
import { runVector, type VectorEnvironment, type VerificationVector } from './environment.ts'

const DIR = path.dirname(fileURLToPath(import.meta.url))
const NOW = '2026-06-01T12:00:00Z'
const CREATED = new Date('2026-05-01T00:00:00Z')
const BANK = 'did:web:bank.example'
const HOLDER = 'did:web:holder.example'
const OTHER = 'did:web:other.example'
const STATUS_URL = 'https://bank.example/status/1'

/** An Ed25519 key from a fixed seed: SHA-256 of the label is the private key. */
function seededKey(label: string): { privateKey: KeyObject; publicKey: KeyObject; jwk: JsonWebKey } {
  const seed = createHash('sha256').update(`credit-bank verification vectors: ${label}`).digest()
  const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' })
  const publicKey = createPublicKey(privateKey)
  const { kty, crv, x } = publicKey.export({ format: 'jwk' })
  return { privateKey, publicKey, jwk: { kty, crv, x } }
}
const bankKey = seededKey('bank key-1')
const bankAuthKey = seededKey('bank auth-1')
const holderKey = seededKey('holder key-1')
const otherKey = seededKey('other key-1')
/** RFC 7517 Appendix A.1's P-256 public key: a key the Data Integrity suite (Ed25519 only) cannot use. */
const P256_JWK = { kty: 'EC', crv: 'P-256', x: 'MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4', y: '4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM' }

const vm = (did: string, fragment: string, publicKeyJwk: unknown, type = 'JsonWebKey') => ({ id: `${did}#${fragment}`, type, controller: did, publicKeyJwk })
const didDocument = (did: string, key: JsonWebKey, extra: Record<string, unknown> = {}) => ({
  '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/jwk/v1'],
  id: did,
  verificationMethod: [vm(did, 'key-1', key)],
  assertionMethod: [`${did}#key-1`],
  authentication: [`${did}#key-1`],
  ...extra,
})
const bankDocument = didDocument(BANK, bankKey.jwk, {
  verificationMethod: [
    vm(BANK, 'key-1', bankKey.jwk),
    vm(BANK, 'auth-1', bankAuthKey.jwk),
    vm(BANK, 'p256', P256_JWK),
    vm(BANK, 'rsa', { kty: 'RSA', n: 'sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw', e: 'AQAB' }),
    vm(BANK, 'short', { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }),
  ],
  assertionMethod: [`${BANK}#key-1`, `${BANK}#p256`, `${BANK}#rsa`, `${BANK}#short`],
  authentication: [`${BANK}#auth-1`],
})

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
/** A compact JWS with any header: signed with `key` (Ed25519), or with a placeholder signature for input refused before any key. */
function jwt(header: Record<string, unknown>, payload: unknown, key?: KeyObject): string {
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${key ? sign(null, Buffer.from(input), key).toString('base64url') : b64('not a signature')}`
}
const vcJwt = (payload: Record<string, unknown>, header: Record<string, unknown> = {}, key: KeyObject = bankKey.privateKey) =>
  jwt({ alg: 'EdDSA', typ: 'vc+jwt', kid: `${BANK}#key-1`, ...header }, payload, key)

const credential = (overrides: Record<string, unknown> = {}): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries({
      '@context': [VC_V2_CONTEXT],
      id: 'urn:uuid:0b7a4c2e-5d1f-4e3a-9c8b-7a6f5e4d3c2b',
      type: ['VerifiableCredential'],
      issuer: BANK,
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2027-01-01T00:00:00Z',
      credentialSubject: { id: HOLDER },
      ...overrides,
    }).filter(([, v]) => v !== undefined),
  )
const statusEntry = (purpose: unknown, index = '7', url = STATUS_URL) => ({ id: `${url}#${index}`, type: 'BitstringStatusListEntry', statusPurpose: purpose, statusListIndex: index, statusListCredential: url })
const diSign = (doc: Record<string, unknown>, opts: { vm?: string; key?: KeyObject; pub?: KeyObject; purpose?: 'assertionMethod' | 'authentication'; challenge?: string; domain?: string } = {}) =>
  signDataIntegrity(doc, { verificationMethod: opts.vm ?? `${BANK}#key-1`, privateKey: opts.key ?? bankKey.privateKey, publicKey: opts.pub ?? bankKey.publicKey }, {
    created: CREATED,
    ...(opts.purpose ? { proofPurpose: opts.purpose } : {}),
    ...(opts.challenge ? { challenge: opts.challenge } : {}),
    ...(opts.domain ? { domain: opts.domain } : {}),
  }) as Promise<Record<string, unknown>>

/** A status list as the bank serves it: a vc+jwt BitstringStatusListCredential. */
function statusList(purpose: string, set: number[], opts: { size?: number; issuer?: string; key?: KeyObject } = {}) {
  const payload = {
    '@context': [VC_V2_CONTEXT],
    id: STATUS_URL,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: opts.issuer ?? BANK,
    validFrom: '2026-01-01T00:00:00Z',
    credentialSubject: { id: `${STATUS_URL}#list`, type: 'BitstringStatusList', statusPurpose: purpose, encodedList: encodeBitstring(opts.size ?? MIN_STATUS_LIST_SIZE, set) },
  }
  return { [STATUS_URL]: { status: 200, contentType: 'application/vc+jwt', body: vcJwt(payload, {}, opts.key) } }
}

const ENV: VectorEnvironment = {
  didDocuments: { [BANK]: bankDocument, [HOLDER]: didDocument(HOLDER, holderKey.jwk), [OTHER]: didDocument(OTHER, otherKey.jwk) },
  trustedIssuers: [BANK],
  clockSkewSeconds: 30,
  maxPresentationCredentials: 10,
  requireHolderBinding: false,
}

const vpJwt = (payload: Record<string, unknown>, header: Record<string, unknown> = {}, key: KeyObject = holderKey.privateKey) =>
  jwt({ alg: 'EdDSA', typ: 'vp+jwt', kid: `${HOLDER}#key-1`, ...header }, payload, key)
const presentation = (credentials: readonly unknown[], overrides: Record<string, unknown> = {}) => ({
  '@context': [VC_V2_CONTEXT],
  type: ['VerifiablePresentation'],
  holder: HOLDER,
  ...(credentials.length ? { verifiableCredential: credentials.map((c) => (typeof c === 'string' ? { '@context': [VC_V2_CONTEXT], id: `data:application/vc+jwt,${c}`, type: 'EnvelopedVerifiableCredential' } : c)) } : {}),
  ...overrides,
})
const vp = (credentials: readonly unknown[], claims: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}) =>
  vpJwt({ ...presentation(credentials, overrides), iss: HOLDER, nonce: 'challenge-1', aud: 'https://verifier.example', iat: 1780000000, ...claims })

interface Scenario {
  name: string
  description: string
  kind?: 'credential' | 'presentation'
  input: unknown
  options?: Record<string, unknown>
  environment?: Partial<VectorEnvironment>
  /** The check outcomes the scenario exists for: [check, reason]; the generator refuses to write a vector without them. */
  expect: readonly (readonly [string, string])[]
}

async function scenarios(): Promise<Scenario[]> {
  const good = vcJwt(credential())
  const other = vcJwt(credential({ id: 'urn:uuid:2c1d9e8f-7a6b-4c5d-8e9f-0a1b2c3d4e5f', issuer: OTHER }), { kid: `${OTHER}#key-1` }, otherKey.privateKey)
  const diGood = await diSign(credential())
  const PO = { challenge: 'challenge-1', domain: 'https://verifier.example' }
  const pinned = vcJwt(credential({ id: 'urn:uuid:5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b' }))
  const report = (digestSRI: string) => vcJwt(credential({ id: 'urn:uuid:9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d', relatedResource: [{ id: 'urn:uuid:5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b', digestSRI }] }))
  const sri = `sha256-${createHash('sha256').update(pinned).digest('base64')}`
  const diPresentation = (opts: { challenge?: string; domain?: string }, credentials: unknown[] = [good]) =>
    diSign(presentation(credentials), { vm: `${HOLDER}#key-1`, key: holderKey.privateKey, pub: holderKey.publicKey, purpose: 'authentication', ...opts })
  const big = Array.from({ length: 20_001 }, () => 0)

  return [
    // ---- credentials that pass, and the skips of a passing one
    { name: 'credential-vc-jwt-verified', description: 'a vc+jwt from a trusted issuer, no status: verified', input: good, expect: [['proof', 'passed'], ['status', 'no_status']] },
    { name: 'credential-data-integrity-verified', description: 'an eddsa-rdfc-2022 credential: verified', input: diGood, expect: [['proof', 'passed']] },
    { name: 'credential-checks-not-requested', description: 'options.checks names only status: validity_period and issuer_trust are not_requested', input: good, options: { checks: ['status'] }, expect: [['validity_period', 'not_requested'], ['issuer_trust', 'not_requested']] },
    // ---- format
    { name: 'format-jws-malformed', description: 'a string that is not a compact JWS', input: 'not.a-jws', expect: [['format', 'jws_malformed'], ['proof', 'format_failed']] },
    { name: 'format-alg-not-allowed', description: 'alg HS256', input: jwt({ alg: 'HS256', typ: 'vc+jwt', kid: `${BANK}#key-1` }, credential()), expect: [['format', 'alg_not_allowed']] },
    { name: 'format-crit-not-supported', description: 'a crit header', input: vcJwt(credential(), { crit: ['exp'] }), expect: [['format', 'crit_not_supported']] },
    { name: 'format-b64-not-allowed', description: 'an unencoded-payload (b64) header', input: vcJwt(credential(), { b64: false }), expect: [['format', 'b64_not_allowed']] },
    { name: 'format-header-key-not-allowed', description: 'a jku header', input: vcJwt(credential(), { jku: 'https://evil.example/keys' }), expect: [['format', 'header_key_not_allowed']] },
    { name: 'format-kid-malformed', description: 'an empty kid', input: vcJwt(credential(), { kid: '' }), expect: [['format', 'kid_malformed']] },
    { name: 'format-kid-missing', description: 'a vc+jwt without kid', input: jwt({ alg: 'EdDSA', typ: 'vc+jwt' }, credential()), expect: [['format', 'kid_missing']] },
    { name: 'format-credential-malformed', description: 'a number', input: 42, expect: [['format', 'credential_malformed']] },
    { name: 'format-envelope-malformed', description: 'an EnvelopedVerifiableCredential whose id is no data: URL', input: { '@context': [VC_V2_CONTEXT], id: 'https://bank.example/c/1', type: 'EnvelopedVerifiableCredential' }, expect: [['format', 'envelope_malformed']] },
    { name: 'format-profile-mismatch', description: 'a vc+jwt with a vc claim', input: vcJwt({ vc: credential() }), expect: [['format', 'profile_mismatch']] },
    { name: 'format-wrong-token-type', description: 'typ at+jwt', input: vcJwt(credential(), { typ: 'at+jwt' }), expect: [['format', 'wrong_token_type']] },
    { name: 'format-claims-mismatch', description: 'iss differs from issuer', input: vcJwt({ ...credential(), iss: OTHER }), expect: [['format', 'claims_mismatch']] },
    { name: 'format-claims-malformed', description: 'a VC 1.1 JWT with nbf 1e20', input: jwt({ alg: 'EdDSA', typ: 'JWT', kid: `${BANK}#key-1` }, { iss: BANK, nbf: 1e20, vc: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential'], credentialSubject: { id: HOLDER } } }), expect: [['format', 'claims_malformed']] },
    { name: 'format-proof-malformed', description: 'proof is an empty array', input: credential({ proof: [] }), expect: [['format', 'proof_malformed']] },
    { name: 'format-wrapper-mismatch', description: "Veramo's JSON form whose JSON differs from its JWT", input: { ...credential({ validUntil: '2099-01-01T00:00:00Z' }), proof: { type: 'JwtProof2020', jwt: good } }, expect: [['format', 'wrapper_mismatch']] },
    // ---- schema
    { name: 'schema-invalid', description: 'a signed vc+jwt without credentialSubject', input: vcJwt(credential({ credentialSubject: undefined })), expect: [['schema', 'schema_invalid']] },
    // ---- credential_schema
    { name: 'credential-schema-unknown', description: 'a credentialSchema that is not one of the bank\'s (never fetched)', input: vcJwt(credential({ credentialSchema: { id: 'https://example.org/schemas/alumni.json', type: 'JsonSchema' } })), expect: [['credential_schema', 'schema_unknown']] },
    { name: 'credential-schema-invalid', description: "a plain credential naming the bank's achievement schema", input: vcJwt(credential({ credentialSchema: { id: ACHIEVEMENT_CREDENTIAL_SCHEMA_ID, type: 'JsonSchema' } })), expect: [['credential_schema', 'credential_schema_invalid']] },
    // ---- proof
    { name: 'proof-no-proof', description: 'a JSON credential without proof', input: credential(), expect: [['proof', 'no_proof'], ['status', 'proof_failed']] },
    { name: 'proof-issuer-not-did', description: 'an issuer that is a URL', input: credential({ issuer: 'https://bank.example', proof: { type: 'DataIntegrityProof' } }), expect: [['proof', 'issuer_not_did']] },
    { name: 'proof-invalid-did', description: 'issuer did:web:%zz', input: vcJwt(credential({ issuer: 'did:web:%zz' }), { kid: 'did:web:%zz#key-1' }), expect: [['proof', 'invalid_did']] },
    { name: 'proof-unsupported-did-method', description: 'issuer did:example', input: vcJwt(credential({ issuer: 'did:example:123' }), { kid: 'did:example:123#key-1' }), expect: [['proof', 'unsupported_did_method']] },
    { name: 'proof-did-not-found', description: 'an issuer with no DID document', input: vcJwt(credential({ issuer: 'did:web:nobody.example' }), { kid: 'did:web:nobody.example#key-1' }), expect: [['proof', 'did_not_found']] },
    { name: 'proof-did-unreachable', description: "an issuer whose DID document cannot be fetched", input: vcJwt(credential({ issuer: 'did:web:down.example' }), { kid: 'did:web:down.example#key-1' }), environment: { unreachable: ['did:web:down.example'] }, expect: [['proof', 'did_unreachable']] },
    { name: 'proof-invalid-did-document', description: 'a DID document whose verificationMethod is not an array', input: vcJwt(credential({ issuer: 'did:web:broken.example' }), { kid: 'did:web:broken.example#key-1' }), environment: { didDocuments: { ...ENV.didDocuments, 'did:web:broken.example': { id: 'did:web:broken.example', verificationMethod: {} } } }, expect: [['proof', 'invalid_did_document']] },
    { name: 'proof-did-document-id-mismatch', description: "a DID document with another DID's id", input: vcJwt(credential({ issuer: 'did:web:mirror.example' }), { kid: 'did:web:mirror.example#key-1' }), environment: { didDocuments: { ...ENV.didDocuments, 'did:web:mirror.example': bankDocument } }, expect: [['proof', 'did_document_id_mismatch']] },
    { name: 'proof-kid-not-issuer', description: "a kid of another DID", input: vcJwt(credential(), { kid: `${OTHER}#key-1` }, otherKey.privateKey), expect: [['proof', 'kid_not_issuer']] },
    { name: 'proof-verification-method-not-found', description: 'a kid the document does not list', input: vcJwt(credential(), { kid: `${BANK}#key-9` }), expect: [['proof', 'verification_method_not_found']] },
    { name: 'proof-verification-method-not-authorized', description: 'a key listed only under authentication', input: vcJwt(credential(), { kid: `${BANK}#auth-1` }, bankAuthKey.privateKey), expect: [['proof', 'verification_method_not_authorized']] },
    { name: 'proof-unsupported-key-type', description: 'an RSA key', input: vcJwt(credential(), { kid: `${BANK}#rsa` }), expect: [['proof', 'unsupported_key_type']] },
    { name: 'proof-invalid-key', description: 'an Ed25519 JWK with a 3-byte x', input: vcJwt(credential(), { kid: `${BANK}#short` }), expect: [['proof', 'invalid_key']] },
    { name: 'proof-alg-key-mismatch', description: 'alg ES256 with an Ed25519 key', input: vcJwt(credential(), { alg: 'ES256' }), expect: [['proof', 'alg_key_mismatch']] },
    { name: 'proof-signature-invalid', description: "a vc+jwt signed by another key under the bank's kid", input: vcJwt(credential(), {}, otherKey.privateKey), expect: [['proof', 'signature_invalid'], ['status', 'proof_failed']] },
    { name: 'proof-unknown-context', description: 'a Data Integrity credential with a context that is not bundled', input: { ...diGood, '@context': [VC_V2_CONTEXT, 'https://example.org/unknown/v1'] }, expect: [['proof', 'unknown_context']] },
    { name: 'proof-jsonld-not-compact', description: 'a Data Integrity credential with a property under its full IRI', input: { ...diGood, 'https://www.w3.org/2018/credentials#credentialStatus': { id: 'https://bank.example/x' } }, expect: [['proof', 'jsonld_not_compact']] },
    { name: 'proof-jsonld-safe-mode', description: 'a Data Integrity credential whose subject has a term no context defines', input: { ...diGood, '@context': [VC_V2_CONTEXT, 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'], credentialSubject: { id: HOLDER, type: ['AchievementSubject'], secretGrade: 'A+' } }, expect: [['proof', 'jsonld_safe_mode']] },
    { name: 'proof-jsonld-invalid', description: 'a Data Integrity credential whose @id is not a string', input: { ...diGood, credentialSubject: { id: 42 } }, expect: [['proof', 'jsonld_invalid']] },
    { name: 'proof-malformed-proof', description: 'a proofValue that is not base58btc', input: { ...diGood, proof: { ...(diGood.proof as object), proofValue: 'x' } }, expect: [['proof', 'malformed_proof']] },
    { name: 'proof-unsupported-cryptosuite', description: 'cryptosuite ecdsa-rdfc-2019', input: { ...diGood, proof: { ...(diGood.proof as object), cryptosuite: 'ecdsa-rdfc-2019' } }, expect: [['proof', 'unsupported_cryptosuite']] },
    { name: 'proof-purpose-mismatch', description: 'a credential proof made for authentication', input: await diSign(credential(), { vm: `${BANK}#auth-1`, key: bankAuthKey.privateKey, pub: bankAuthKey.publicKey, purpose: 'authentication', challenge: 'x' }), expect: [['proof', 'proof_purpose_mismatch']] },
    { name: 'proof-expired', description: 'a proof whose expires has passed', input: { ...diGood, proof: { ...(diGood.proof as object), expires: '2026-05-02T00:00:00Z' } }, expect: [['proof', 'proof_expired']] },
    { name: 'proof-verification-method-unresolved', description: 'a Data Integrity proof by a P-256 key (eddsa-rdfc-2022 takes Ed25519 only)', input: await diSign(credential(), { vm: `${BANK}#p256` }), expect: [['proof', 'verification_method_unresolved']] },
    { name: 'proof-document-too-large', description: 'a Data Integrity credential of more than 20,000 JSON values', input: { ...diGood, credentialSubject: { id: HOLDER, list: big } }, expect: [['proof', 'document_too_large']] },
    // ---- validity period
    { name: 'validity-not-yet-valid', description: 'validFrom after now', input: vcJwt(credential({ validFrom: '2026-07-01T00:00:00Z' })), expect: [['validity_period', 'not_yet_valid']] },
    { name: 'validity-expired', description: 'validUntil before now', input: vcJwt(credential({ validUntil: '2026-05-01T00:00:00Z' })), expect: [['validity_period', 'expired']] },
    // ---- status
    { name: 'status-not-set', description: 'a revocation entry whose bit is not set', input: vcJwt(credential({ credentialStatus: statusEntry('revocation') })), environment: { statusLists: statusList('revocation', [8]) }, expect: [['status', 'passed']] },
    { name: 'status-revoked', description: 'a revocation entry whose bit is set', input: vcJwt(credential({ credentialStatus: statusEntry('revocation') })), environment: { statusLists: statusList('revocation', [7]) }, expect: [['status', 'revoked']] },
    { name: 'status-suspended', description: 'a suspension entry whose bit is set', input: vcJwt(credential({ credentialStatus: statusEntry('suspension') })), environment: { statusLists: statusList('suspension', [7]) }, expect: [['status', 'suspended']] },
    { name: 'status-unsupported-type', description: 'a StatusList2021Entry', input: vcJwt(credential({ credentialStatus: { ...statusEntry('revocation'), type: 'StatusList2021Entry' } })), expect: [['status', 'unsupported_status_type']] },
    { name: 'status-entry-malformed', description: 'statusPurpose bogus', input: vcJwt(credential({ credentialStatus: statusEntry('bogus') })), expect: [['status', 'status_entry_malformed']] },
    { name: 'status-list-unreachable', description: 'the list answers 404', input: vcJwt(credential({ credentialStatus: statusEntry('revocation') })), expect: [['status', 'status_list_unreachable']] },
    { name: 'status-list-invalid', description: 'the list is issued by another DID', input: vcJwt(credential({ credentialStatus: statusEntry('revocation') })), environment: { statusLists: statusList('revocation', [], { issuer: OTHER, key: otherKey.privateKey }) }, expect: [['status', 'status_list_invalid']] },
    { name: 'status-list-length', description: 'a list shorter than 131,072 entries', input: vcJwt(credential({ credentialStatus: statusEntry('revocation') })), environment: { statusLists: statusList('revocation', [], { size: 1024 }) }, expect: [['status', 'status_list_length']] },
    { name: 'status-index-out-of-range', description: 'an index past the end of the list', input: vcJwt(credential({ credentialStatus: statusEntry('revocation', '200000') })), environment: { statusLists: statusList('revocation', []) }, expect: [['status', 'status_index_out_of_range']] },
    { name: 'status-list-untrusted-origin', description: "a list on another origin than the issuer's", input: vcJwt(credential({ credentialStatus: statusEntry('revocation', '7', 'https://elsewhere.example/status/1') })), expect: [['status', 'status_list_untrusted_origin']] },
    // ---- issuer trust
    { name: 'issuer-not-trusted', description: 'a well-signed credential from an issuer this verifier does not trust', input: other, expect: [['issuer_trust', 'issuer_not_trusted']] },
    // ---- presentations
    { name: 'presentation-vp-jwt-verified', description: 'a vp+jwt answering a challenge this verifier issued, for its domain', kind: 'presentation', input: vp([good]), options: PO, environment: { challenges: { 'challenge-1': { state: 'ok', domain: 'https://verifier.example' } } }, expect: [['challenge', 'passed'], ['related_resources', 'no_related_resources_presented'], ['holder_binding', 'not_requested']] },
    { name: 'presentation-data-integrity-verified', description: 'a Data Integrity presentation with holder binding', kind: 'presentation', input: await diPresentation(PO), options: { ...PO, holderBinding: true }, expect: [['proof', 'passed'], ['validity_period', 'no_validity_period'], ['holder_binding', 'passed']] },
    { name: 'presentation-unsupported-format', description: 'JSON that is no presentation form we read', kind: 'presentation', input: { type: 'VerifiablePresentation' }, options: PO, expect: [['format', 'unsupported_presentation_format'], ['challenge', 'format_failed']] },
    { name: 'presentation-too-many-credentials', description: 'two credentials where one is allowed', kind: 'presentation', input: vp([good, good]), options: PO, environment: { maxPresentationCredentials: 1 }, expect: [['format', 'too_many_credentials']] },
    { name: 'presentation-holder-not-did', description: 'a vp+jwt whose iss is a URL', kind: 'presentation', input: vp([good], { iss: 'https://holder.example' }, { holder: undefined }), options: PO, expect: [['proof', 'holder_not_did'], ['challenge', 'proof_failed']] },
    { name: 'presentation-challenge-missing', description: 'a Data Integrity presentation without a challenge', kind: 'presentation', input: await diSign(presentation([good]), { vm: `${HOLDER}#key-1`, key: holderKey.privateKey, pub: holderKey.publicKey }), options: PO, expect: [['proof', 'challenge_missing'], ['challenge', 'challenge_mismatch']] },
    { name: 'presentation-expired', description: 'a vp+jwt whose exp has passed', kind: 'presentation', input: vp([good], { exp: 1780000001 }), options: PO, expect: [['validity_period', 'expired']] },
    { name: 'presentation-not-yet-valid', description: 'a vp+jwt issued in the future', kind: 'presentation', input: vp([good], { iat: 1790000000 }), options: PO, expect: [['validity_period', 'not_yet_valid']] },
    { name: 'presentation-challenge-used', description: 'a challenge already used', kind: 'presentation', input: vp([good]), options: PO, environment: { challenges: { 'challenge-1': { state: 'used' } } }, expect: [['challenge', 'challenge_used']] },
    { name: 'presentation-challenge-expired', description: 'a challenge past its lifetime', kind: 'presentation', input: vp([good]), options: PO, environment: { challenges: { 'challenge-1': { state: 'expired' } } }, expect: [['challenge', 'challenge_expired']] },
    { name: 'presentation-domain-mismatch', description: 'a vp+jwt addressed elsewhere', kind: 'presentation', input: vp([good], { aud: 'https://elsewhere.example' }), options: PO, expect: [['domain', 'domain_mismatch']] },
    { name: 'presentation-no-domain-requested', description: 'no domain requested nor bound to the challenge', kind: 'presentation', input: vp([good]), options: { challenge: 'challenge-1' }, expect: [['domain', 'no_domain_requested']] },
    { name: 'presentation-no-credentials', description: 'a presentation without credentials, holder binding asked', kind: 'presentation', input: vp([]), options: { ...PO, holderBinding: true }, expect: [['credentials', 'no_credentials'], ['holder_binding', 'no_credentials']] },
    { name: 'presentation-holder-missing', description: 'holder binding for a presentation that names no holder', kind: 'presentation', input: vp([good], { iss: undefined }, { holder: undefined }), options: { ...PO, holderBinding: true }, expect: [['holder_binding', 'holder_missing']] },
    { name: 'presentation-subject-not-identified', description: 'holder binding (required by the verifier) for a subject without id', kind: 'presentation', input: vp([vcJwt(credential({ credentialSubject: { name: 'someone' } }))]), options: PO, environment: { requireHolderBinding: true }, expect: [['holder_binding', 'subject_not_identified']] },
    { name: 'presentation-subject-not-holder', description: "holder binding for someone else's credential", kind: 'presentation', input: vp([vcJwt(credential({ credentialSubject: { id: OTHER } }))]), options: { ...PO, holderBinding: true }, expect: [['holder_binding', 'subject_not_holder']] },
    { name: 'presentation-credential-not-verified', description: 'a presentation carrying a revoked-by-forgery credential', kind: 'presentation', input: vp([vcJwt(credential(), {}, otherKey.privateKey)]), options: PO, expect: [['credentials', 'credential_not_verified']] },
    { name: 'presentation-related-resources-compared', description: 'a report pinning a presented credential by digest', kind: 'presentation', input: vp([report(sri), pinned]), options: PO, expect: [['related_resources', 'passed']] },
    { name: 'presentation-related-resource-digest-malformed', description: 'a pinned digest that is no SRI value', kind: 'presentation', input: vp([report('md5-abc'), pinned]), options: PO, expect: [['related_resources', 'related_resource_digest_malformed']] },
    { name: 'presentation-related-resource-digest-mismatch', description: 'a presented credential that is not the pinned one', kind: 'presentation', input: vp([report(`sha256-${createHash('sha256').update('other').digest('base64')}`), pinned]), options: PO, expect: [['related_resources', 'related_resource_digest_mismatch']] },
    { name: 'presentation-data-integrity-domain-mismatch', description: 'a Data Integrity presentation whose proof names another domain', kind: 'presentation', input: await diPresentation({ challenge: 'challenge-1', domain: 'https://elsewhere.example' }), options: PO, expect: [['domain', 'domain_mismatch']] },
  ]
}

async function main(): Promise<void> {
  for (const f of readdirSync(DIR)) if (f.endsWith('.json')) rmSync(path.join(DIR, f))
  for (const s of await scenarios()) {
    const vector: Omit<VerificationVector, 'expected'> = {
      name: s.name,
      description: s.description,
      kind: s.kind ?? 'credential',
      input: s.input,
      options: s.options ?? {},
      environment: { ...ENV, ...s.environment },
      now: NOW,
    }
    const expected = await runVector(vector)
    for (const [check, want] of s.expect) {
      const got = expected.checks.find((c) => c.id === check)
      const actual = got?.status === 'passed' ? 'passed' : got?.reason
      if (actual !== want) throw new Error(`${s.name}: expected ${check} ${want}, got ${JSON.stringify(got)}`)
    }
    // Stable files: canonical JSON, pretty-printed unless large (the document_too_large vector).
    const json = canonicalJson({ ...vector, expected })
    writeFileSync(path.join(DIR, `${s.name}.json`), `${json.length > 50_000 ? json : JSON.stringify(JSON.parse(json), null, 2)}\n`)
  }
}

await main()
