// The proof check: the signature is the issuer's (or holder's), by a key its DID document lists for the purpose.
import type { DidResolver } from '../did/resolver.ts'
import { DidResolutionError } from '../did/types.ts'
import { findVerificationKey, KeyResolutionError, type VerificationKey } from '../did/verification-key.ts'
import type { DidDocument } from '../did/types.ts'
import { jwsAlgorithm, verifyJwsSignature, type DecodedJws } from '../proofs/jws.ts'
import { verifyDataIntegrity } from '../proofs/data-integrity.ts'
import type { Canonicalizer } from '../proofs/canonicalizer.ts'
import { fail, pass, type Verdict } from './check.ts'
import type { ProofReason } from './checks/proof.ts'

export type ProofPurpose = 'assertionMethod' | 'authentication'

/** Resolution and key errors carry stable codes; anything else is a bug and propagates. */
function fromError(err: unknown): Verdict<ProofReason> {
  if (err instanceof DidResolutionError || err instanceof KeyResolutionError) return fail(err.code, err.message)
  throw err
}

/** VC-JOSE-COSE / RFC 7515: kid → verification method of `signer` under `purpose`; alg allowed for that key; signature. */
export async function verifyJwsProof(
  jws: DecodedJws,
  signer: string,
  purpose: ProofPurpose,
  resolver: DidResolver,
): Promise<Verdict<ProofReason>> {
  const alg = jwsAlgorithm(jws.header)
  let candidates: VerificationKey[]
  try {
    candidates = await keysFor(jws, signer, purpose, resolver)
  } catch (err) {
    return fromError(err)
  }
  const usable = candidates.filter((k) => k.algorithms.includes(alg))
  if (!usable.length)
    return fail('alg_key_mismatch', `alg ${jws.header.alg} cannot be used with the key ${candidates[0]?.id ?? '(none)'} of ${signer}`)
  const key = usable.find((k) => verifyJwsSignature(jws, k.publicKey))
  if (!key) return fail('signature_invalid', `the signature does not verify with ${usable.map((k) => k.id).join(', ')}`)
  return pass({ verificationMethod: key.id, alg })
}

/**
 * The keys a JWS may be checked with. A kid the cached document does not list may be a key added since
 * (rotation): the document is fetched once more before the kid is refused.
 */
async function keysFor(jws: DecodedJws, signer: string, purpose: ProofPurpose, resolver: DidResolver): Promise<VerificationKey[]> {
  const lookup = (doc: DidDocument) => {
    // A VC 1.1 JWT may omit kid (did-jwt then tries every key of the purpose); vc+jwt always names it.
    const refs = typeof jws.header.kid === 'string' ? [jws.header.kid] : (doc[purpose] ?? []).map((e) => (typeof e === 'string' ? e : e.id))
    return refs.map((ref) => findVerificationKey(doc, ref, purpose))
  }
  try {
    return lookup(await resolver.resolve(signer))
  } catch (err) {
    if (!(err instanceof KeyResolutionError) || err.code !== 'verification_method_not_found') throw err
    resolver.refresh(signer)
    return lookup(await resolver.resolve(signer))
  }
}

/** W3C Data Integrity eddsa-rdfc-2022: every proof must verify, each by a key of `signer` under `purpose`. */
export async function verifyDataIntegrityProof(
  document: Record<string, unknown>,
  signer: string,
  purpose: ProofPurpose,
  resolver: DidResolver,
  now: Date,
  options: { challenge?: string; domain?: string; canonicalizer?: Canonicalizer } = {},
): Promise<Verdict<ProofReason>> {
  const result = await verifyDataIntegrity(document, {
    proofPurpose: purpose,
    now,
    ...options,
    resolveVerificationMethod: async (id, p) => {
      if (!id.startsWith(`${signer}#`)) throw new KeyResolutionError('kid_not_issuer', `${id} is not a verification method of ${signer}`)
      const key = findVerificationKey(await resolver.resolve(signer), id, p as ProofPurpose)
      return { id: key.id, controller: key.controller, publicKey: key.publicKey }
    },
  })
  if (!result.verified)
    return fail(result.code ?? 'signature_invalid', result.message ?? 'the Data Integrity proof does not verify', {
      proofs: result.proofs,
    })
  return pass({ proofs: result.proofs })
}
