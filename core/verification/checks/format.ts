// The format check: the input is a credential or presentation in a securing form this verifier reads.
// VC-JOSE-COSE §3.1 (vc+jwt / vp+jwt payloads), VC DM 2.0 §4.13 (EnvelopedVerifiableCredential/-Presentation),
// VC DM 1.1 §6.3.1 (JWT claims), VC Data Integrity §2.1 (proof objects). Reading is decode-credential.ts and
// read-presentation.ts; this check only judges what they made of the input.
import type { CredentialFormatCode } from '../decode-credential.ts'
import type { PresentationFormatCode } from '../read-presentation.ts'
import {
  fail,
  pass,
  type CredentialInput,
  type CredentialVerifyOptions,
  type FormatCheck,
  type PresentationCheckOptions,
  type PresentationInput,
} from '../check.ts'

export type CredentialFormatReason = CredentialFormatCode
/** A presentation also fails its format when it carries more credentials than the verifier takes (checked before any is verified). */
export type PresentationFormatReason = PresentationFormatCode | 'too_many_credentials'
export type FormatReason = CredentialFormatReason | PresentationFormatReason

export const credentialFormat: FormatCheck<CredentialInput, CredentialVerifyOptions, CredentialFormatReason> = {
  id: 'format',
  judge(read) {
    if (!read.ok) return fail(read.reason, read.message)
    const s = read.input.secured
    return pass({ securing: s.kind === 'jwt' ? (s.model === 'v2' ? 'vc+jwt' : 'jwt-vc-1.1') : s.kind, dataModel: s.model })
  },
}

export const presentationFormat: FormatCheck<PresentationInput, PresentationCheckOptions, PresentationFormatReason> = {
  id: 'format',
  judge(read, { ctx }) {
    if (!read.ok) return fail(read.reason, read.message)
    // Bounded before anything is verified: each credential costs a signature check, and a Data Integrity one a canonicalization.
    const { items, securing } = read.input
    if (items.length > ctx.maxPresentationCredentials) {
      return fail(
        'too_many_credentials',
        `a presentation may carry at most ${ctx.maxPresentationCredentials} credentials; this one has ${items.length}`,
      )
    }
    return pass({ securing })
  },
}
