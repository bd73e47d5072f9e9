// Types of parse-credential.js, for the TypeScript tests that import it (the browser loads the .js as is).

export type ParseErrorCode =
  | 'empty_input'
  | 'too_large'
  | 'invalid_json'
  | 'invalid_jwt'
  | 'unsupported_envelope'
  | 'unsigned_credential'
  | 'not_a_credential'
  | 'unrecognized_format'

/** How the credential is secured, as far as its shape tells (nothing is verified here). */
export type CredentialFormat = 'vc+jwt' | 'vc1-jwt' | 'data-integrity' | 'linked-data-proof'

export interface WalletRecord {
  /** IndexedDB key: the credential id, else the JWT string (or the JSON text for an id-less JSON credential). */
  readonly key: string
  readonly kind: 'jwt' | 'json'
  readonly format: CredentialFormat
  /** What is sent to the verifier: the compact JWT, or the JSON credential. */
  readonly raw: string | Record<string, unknown>
  /** The credential as decoded, for display only. */
  readonly document: Record<string, unknown>
}

export type ParseResult = { readonly ok: true; readonly record: WalletRecord } | { readonly ok: false; readonly error: ParseErrorCode }

export interface CredentialSummary {
  readonly types: string[]
  readonly report: boolean
  readonly name?: string
  readonly achievementName?: string
  readonly credits?: number | string
  readonly frameworkLevel?: string
  readonly category?: string
  readonly issuerName?: string
  readonly issuerId?: string
  readonly learner?: string
  readonly validFrom?: string
  readonly validUntil?: string
  readonly reportNumber?: string
  readonly totalCredits?: number | string
}

export const MAX_INPUT_CHARS: number
export function parseCredential(text: string): ParseResult
export function documentOf(record: { kind: 'jwt' | 'json'; raw: unknown }): Record<string, unknown> | null
export function summarize(doc: Record<string, unknown>, lang: string): CredentialSummary
