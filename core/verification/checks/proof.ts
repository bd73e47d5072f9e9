// The proof check: the signature is the issuer's (credentials) or the holder's (presentations), by a key its DID
// document lists under assertionMethod / authentication. VC-JOSE-COSE §3 and RFC 7515 for JWTs, VC Data Integrity
// §4.2 (verify proof) and eddsa-rdfc-2022 for JSON; DID Core §5.3 (verification relationships).
import type { DidResolutionErrorCode } from '../../did/types.ts'
import type { KeyResolutionErrorCode } from '../../did/verification-key.ts'
import type { DataIntegrityFailureCode } from '../../proofs/data-integrity.ts'
import { fail, type CredentialCheck, type PresentationCheck } from '../check.ts'
import { verifyDataIntegrityProof, verifyJwsProof } from '../verify-proof.ts'

export type ProofReason =
  | DidResolutionErrorCode
  | KeyResolutionErrorCode
  | DataIntegrityFailureCode
  | 'alg_key_mismatch' // the JWS alg cannot be used with the key the kid names
  | 'signature_invalid'
  | 'issuer_not_did'
  | 'holder_not_did'
  | 'no_proof'
  | 'challenge_missing' // a Data Integrity presentation whose proofs do not all carry one challenge

export const credentialProof: CredentialCheck<ProofReason> = {
  id: 'proof',
  async run({ secured, issuer }, { ctx }) {
    if (!issuer || !issuer.startsWith('did:')) return fail('issuer_not_did', 'the issuer must be a DID so its keys can be resolved')
    if (secured.kind === 'jwt') return verifyJwsProof(secured.jws, issuer, 'assertionMethod', ctx.resolver)
    if (secured.kind === 'data-integrity') {
      return verifyDataIntegrityProof(secured.credential, issuer, 'assertionMethod', ctx.resolver, ctx.clock(), {
        canonicalizer: ctx.canonicalizer,
      })
    }
    return fail('no_proof', 'the credential carries no proof')
  },
}

export const presentationProof: PresentationCheck<ProofReason> = {
  id: 'proof',
  async run({ presentation, holder, jws, answeredChallenge }, { ctx }) {
    if (!holder?.startsWith('did:')) return fail('holder_not_did', 'the presentation must be signed by a holder DID')
    if (jws) return verifyJwsProof(jws, holder, 'authentication', ctx.resolver)
    if (typeof answeredChallenge !== 'string')
      return fail('challenge_missing', 'every proof of a presentation must carry the same challenge')
    return verifyDataIntegrityProof(presentation, holder, 'authentication', ctx.resolver, ctx.clock(), {
      challenge: answeredChallenge,
      canonicalizer: ctx.canonicalizer,
    })
  },
}
