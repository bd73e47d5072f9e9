// Verifies a credential from public information alone and reports, check by check, why it passes or fails.
// Reading is decode-credential.ts; judging is the checks in checks/*.ts, run by run-checks.ts.
import { issuerOf } from '../credentials/types.ts'
import { FormatError } from '../proofs/jws.ts'
import { decodeCredential, type CredentialFormatCode } from './decode-credential.ts'
import { buildReport, type VerificationReport } from './report.ts'
import type { VerifierContext } from './verifier-context.ts'
import { runChecks, type CheckPlan } from './run-checks.ts'
import type { CredentialInput, CredentialVerifyOptions, ReadResult } from './check.ts'
import { credentialFormat } from './checks/format.ts'
import { credentialSchemaValidity } from './checks/schema.ts'
import { credentialSchema } from './checks/credential-schema.ts'
import { credentialProof } from './checks/proof.ts'
import { credentialValidityPeriod } from './checks/validity-period.ts'
import { status } from './checks/status.ts'
import { issuerTrust } from './checks/issuer-trust.ts'

export { OPTIONAL_CREDENTIAL_CHECKS, type OptionalCredentialCheck, type CredentialVerifyOptions } from './check.ts'
export { validityPeriod } from './checks/validity-period.ts'

/** The credential checks (each a module in checks/); the runner orders them by CHECK_ORDER. */
export const CREDENTIAL_PLAN: CheckPlan<CredentialInput, CredentialVerifyOptions, CredentialFormatCode> = {
  format: credentialFormat,
  checks: [credentialSchemaValidity, credentialSchema, credentialProof, credentialValidityPeriod, status, issuerTrust],
  unreadable: 'the input is not a credential we can read',
}

/** The credential as read from its securing form, or why it could not be read. */
export function readCredential(input: unknown): ReadResult<CredentialInput, CredentialFormatCode> {
  try {
    const secured = decodeCredential(input)
    return { ok: true, input: { secured, issuer: issuerOf(secured.credential) } }
  } catch (err) {
    if (!(err instanceof FormatError)) throw err
    return { ok: false, reason: err.code as CredentialFormatCode, message: err.message }
  }
}

export async function verifyCredential(
  input: unknown,
  ctx: VerifierContext,
  options: CredentialVerifyOptions = {},
): Promise<VerificationReport> {
  const read = readCredential(input)
  const checks = await runChecks(read, CREDENTIAL_PLAN, ctx, options)
  return buildReport(checks, read.ok ? { document: read.input.secured.credential } : {})
}
