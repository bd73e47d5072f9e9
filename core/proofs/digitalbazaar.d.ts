// Minimal types for the untyped Digital Bazaar packages, limited to the parts our code calls.

declare module '@digitalbazaar/credentials-context' {
  /** Context URL → context document (VC v1, VC v2, undefined-terms v2). */
  export const contexts: ReadonlyMap<string, object>
}

declare module '@digitalbazaar/data-integrity' {
  /** What a jsonld `documentLoader` returns. */
  export interface RemoteDocument {
    contextUrl: string | null
    documentUrl: string
    document: object
  }
  export type DocumentLoader = (url: string) => Promise<RemoteDocument>

  /** Signer interface the suite calls with the bytes to sign. */
  export interface Signer {
    id: string
    algorithm: string
    sign(input: { data: Uint8Array }): Promise<Uint8Array>
  }

  export interface Verifier {
    id?: string
    algorithm: string
    verify(input: { data: Uint8Array; signature: Uint8Array }): Promise<boolean>
  }

  /** A verification method as the suite consumes it (Multikey form). */
  export interface MultikeyVerificationMethod {
    '@context'?: string | string[]
    id: string
    type: 'Multikey'
    controller: string
    publicKeyMultibase: string
  }

  export interface Cryptosuite {
    name: string
    requiredAlgorithm: string | string[]
    canonize(input: object, options: object): Promise<string>
    createVerifier(input: { verificationMethod: MultikeyVerificationMethod }): Promise<Verifier>
  }

  /** Proof options/proof as a plain JSON object. */
  export type ProofObject = Record<string, unknown>

  /** The part of a jsonld-signatures ProofPurpose that `createProof` calls. */
  export interface ProofPurposeUpdater {
    update(proof: ProofObject, options: object): Promise<ProofObject>
  }

  export class DataIntegrityProof {
    constructor(options: { signer?: Signer; date?: Date | string | number | null; cryptosuite: Cryptosuite })
    readonly type: string
    readonly cryptosuite: string
    /** Adds the suite context if missing (when allowed) or throws TypeError. */
    ensureSuiteContext(input: { document: object; addSuiteContext: boolean }): void
    createProof(input: {
      document: object
      purpose: ProofPurposeUpdater
      proofSet: ProofObject[]
      documentLoader: DocumentLoader
    }): Promise<ProofObject>
    /** Hash of the canonical proof options ‖ hash of the canonical document (cached per document object). */
    createVerifyData(input: { document: object; proof: ProofObject; documentLoader: DocumentLoader }): Promise<Uint8Array>
    verifySignature(input: { verifyData: Uint8Array; verificationMethod: MultikeyVerificationMethod; proof: ProofObject }): Promise<boolean>
  }
}

declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  import type { Cryptosuite } from '@digitalbazaar/data-integrity'
  export const cryptosuite: Cryptosuite
}

declare module '@digitalbazaar/ed25519-multikey' {
  export interface Ed25519MultikeyKeyPair {
    id?: string
    controller?: string
    publicKeyMultibase: string
    export(options: { publicKey?: boolean; includeContext?: boolean; raw: true }): Promise<{ publicKey: Uint8Array }>
  }
  /** Imports a Multikey (or a JsonWebKey/JsonWebKey2020 with publicKeyJwk). Validates the key header and size. */
  export function from(key: object): Promise<Ed25519MultikeyKeyPair>
  /** Imports an OKP/Ed25519 JWK; throws TypeError on another kty/crv or a wrong size. */
  export function fromJwk(input: { jwk: JsonWebKey; secretKey?: false; id?: string; controller?: string }): Promise<Ed25519MultikeyKeyPair>
}
