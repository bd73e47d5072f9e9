// The DID Core data model as far as the credit bank reads it, and the error DID resolution fails with.
import { CodedError } from '../errors.ts'

/** DID Core §5.2: a verification method. Only the key encodings we read are typed. */
export interface VerificationMethod {
  /** A DID URL; relative (`#key-1`) is read against the document `id`. */
  id: string
  /** E.g. `JsonWebKey`, `JsonWebKey2020`, `Multikey`, `Ed25519VerificationKey2020`, `Ed25519VerificationKey2018`. */
  type: string
  controller: string
  /** RFC 7517 public JWK (the WebCrypto `JsonWebKey` type, so browser code can share it). */
  publicKeyJwk?: JsonWebKey
  publicKeyMultibase?: string
  publicKeyBase58?: string
}

/** DID Core §5.3: the verification relationships. */
export type VerificationRelationship =
  'authentication' | 'assertionMethod' | 'keyAgreement' | 'capabilityInvocation' | 'capabilityDelegation'

/** A reference to a verification method (a DID URL, absolute or relative) or one embedded in place. */
export type VerificationMethodEntry = string | VerificationMethod

/** DID Core §5.4: a service endpoint. */
export interface Service {
  id: string
  type: string | string[]
  serviceEndpoint: string | Record<string, unknown> | Array<string | Record<string, unknown>>
}

/** DID Core §5: a DID document. Documents returned by the resolver are deeply frozen. */
export interface DidDocument {
  '@context'?: string | Array<string | Record<string, unknown>>
  id: string
  controller?: string | string[]
  alsoKnownAs?: string[]
  verificationMethod?: VerificationMethod[]
  authentication?: VerificationMethodEntry[]
  assertionMethod?: VerificationMethodEntry[]
  keyAgreement?: VerificationMethodEntry[]
  capabilityInvocation?: VerificationMethodEntry[]
  capabilityDelegation?: VerificationMethodEntry[]
  service?: Service[]
}

export type DidResolutionErrorCode =
  | 'invalid_did' // not DID syntax, or a did:web that could reach an IP, port 0, userinfo, encoded delimiters…
  | 'unsupported_did_method' // a syntactically valid DID of a method we do not resolve
  | 'did_not_found' // did:web host answered 404/410
  | 'did_unreachable' // timeout, network error, redirect, other non-2xx
  | 'invalid_did_document' // not a JSON object, too large, malformed verification methods
  | 'did_document_id_mismatch' // document `id` is not the DID asked for

/** Why a DID could not be resolved to a usable document. Fail closed on every code. */
export class DidResolutionError extends CodedError<DidResolutionErrorCode> {}
