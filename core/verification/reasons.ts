// Every reason a verification report can give, as one closed union, by check. Browser-safe (no node: imports, and
// only type imports of the checks): API clients and the wallet's translations (wallet-web/public/i18n.js) read it.
// Each check declares its own union in its file (checks/*.ts); the lists here are tied to those unions at compile
// time (both directions), and README.md's "Verification reasons" table is tested against them.
import type { CheckId } from './report.ts'
import type { ChallengeReason } from './checks/challenge.ts'
import type { CredentialSchemaReason } from './checks/credential-schema.ts'
import type { CredentialsReason } from './checks/credentials.ts'
import type { DomainReason } from './checks/domain.ts'
import type { FormatReason } from './checks/format.ts'
import type { HolderBindingReason } from './checks/holder-binding.ts'
import type { IssuerTrustReason } from './checks/issuer-trust.ts'
import type { ProofReason } from './checks/proof.ts'
import type { RelatedResourcesReason } from './checks/related-resources.ts'
import type { SchemaReason } from './checks/schema.ts'
import type { StatusReason } from './checks/status.ts'
import type { ValidityPeriodReason } from './checks/validity-period.ts'

/** Reasons the runner (run-checks.ts) gives a check it did not run. */
export const SKIP_REASONS = [
  'format_failed', // the input could not be read, so nothing after `format` means anything
  'proof_failed', // a check that depends on the proof (status, challenge) is not run for an unproven input
  'not_requested', // an optional check the caller did not ask for
] as const
export type SkipReason = (typeof SKIP_REASONS)[number]

/** Each check's own reasons (what its `run` may answer), in CHECK_ORDER. */
export const CHECK_REASONS = {
  format: [
    'jws_malformed',
    'alg_not_allowed',
    'crit_not_supported',
    'b64_not_allowed',
    'header_key_not_allowed',
    'kid_malformed',
    'kid_missing',
    'credential_malformed',
    'envelope_malformed',
    'profile_mismatch',
    'wrong_token_type',
    'claims_mismatch',
    'claims_malformed',
    'proof_malformed',
    'wrapper_mismatch',
    'unsupported_presentation_format',
    'too_many_credentials',
  ],
  schema: ['schema_invalid'],
  credential_schema: ['no_credential_schema', 'schema_unknown', 'credential_schema_invalid'],
  proof: [
    // DID resolution (core/did/types.ts)
    'invalid_did',
    'unsupported_did_method',
    'did_not_found',
    'did_unreachable',
    'invalid_did_document',
    'did_document_id_mismatch',
    // key resolution (core/did/verification-key.ts)
    'kid_not_issuer',
    'verification_method_not_found',
    'verification_method_not_authorized',
    'unsupported_key_type',
    'invalid_key',
    // canonicalization (core/proofs/canonicalizer.ts)
    'unknown_context',
    'jsonld_safe_mode',
    'jsonld_invalid',
    'malformed_proof',
    'canonicalization_timeout',
    'verifier_busy',
    // Data Integrity (core/proofs/data-integrity.ts)
    'no_proof',
    'unsupported_cryptosuite',
    'proof_purpose_mismatch',
    'proof_expired',
    'challenge_mismatch',
    'domain_mismatch',
    'verification_method_unresolved',
    'jsonld_not_compact',
    'document_too_large',
    'signature_invalid',
    // JWS and the proof check itself
    'alg_key_mismatch',
    'issuer_not_did',
    'holder_not_did',
    'challenge_missing',
  ],
  validity_period: ['not_yet_valid', 'expired', 'no_validity_period'],
  status: [
    'no_status',
    'unsupported_status_type',
    'status_entry_malformed',
    'status_list_unreachable',
    'status_list_invalid',
    'status_list_length',
    'status_index_out_of_range',
    'status_list_untrusted_origin',
    'revoked',
    'suspended',
  ],
  issuer_trust: ['issuer_not_trusted'],
  challenge: ['challenge_mismatch', 'challenge_used', 'challenge_expired'],
  domain: ['domain_mismatch', 'no_domain_requested'],
  holder_binding: ['no_credentials', 'holder_missing', 'subject_not_identified', 'subject_not_holder'],
  credentials: ['no_credentials', 'credential_not_verified'],
  related_resources: ['related_resource_digest_malformed', 'related_resource_digest_mismatch', 'no_related_resources_presented'],
} as const satisfies Record<CheckId, readonly string[]>

/** Every reason a check of a verification report can give: the checks' own and the runner's skips. */
export type VerificationReason = (typeof CHECK_REASONS)[keyof typeof CHECK_REASONS][number] | SkipReason

/** {@link VerificationReason} as a list, each reason once. */
export const VERIFICATION_REASONS: readonly VerificationReason[] = [
  ...new Set<VerificationReason>([...Object.values(CHECK_REASONS).flat(), ...SKIP_REASONS]),
]

export function isVerificationReason(value: unknown): value is VerificationReason {
  return typeof value === 'string' && (VERIFICATION_REASONS as readonly string[]).includes(value)
}

// ---- the lists above are exactly the checks' unions (a compile error otherwise) --------------------

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type Listed<C extends keyof typeof CHECK_REASONS> = (typeof CHECK_REASONS)[C][number]
const exact = <T extends true>(_: T): void => undefined
exact<Same<Listed<'format'>, FormatReason>>(true)
exact<Same<Listed<'schema'>, SchemaReason>>(true)
exact<Same<Listed<'credential_schema'>, CredentialSchemaReason>>(true)
exact<Same<Listed<'proof'>, ProofReason>>(true)
exact<Same<Listed<'validity_period'>, ValidityPeriodReason>>(true)
exact<Same<Listed<'status'>, StatusReason>>(true)
exact<Same<Listed<'issuer_trust'>, IssuerTrustReason>>(true)
exact<Same<Listed<'challenge'>, ChallengeReason>>(true)
exact<Same<Listed<'domain'>, DomainReason>>(true)
exact<Same<Listed<'holder_binding'>, HolderBindingReason>>(true)
exact<Same<Listed<'credentials'>, CredentialsReason>>(true)
exact<Same<Listed<'related_resources'>, RelatedResourcesReason>>(true)
