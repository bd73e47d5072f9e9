// Verifies a presentation: the holder's signature (authentication key), a single-use challenge, the domain,
// and every credential inside it with the full credential checks (SECURITY.md B2). Reading its securing form is
// read-presentation.ts; judging is the checks in checks/*.ts, run by run-checks.ts like a credential's.
import { buildReport, type VerificationReport } from './report.ts'
import type { VerifierContext } from './verifier-context.ts'
import { verifyCredential } from './verify-credential.ts'
import { readPresentation, type PresentationFormatCode } from './read-presentation.ts'
import { runChecks, type CheckPlan } from './run-checks.ts'
import type { ConsumeChallenge, PresentationCheckOptions, PresentationInput, PresentationOptions, ReadResult } from './check.ts'
import { presentationFormat, type PresentationFormatReason } from './checks/format.ts'
import { presentationSchemaValidity } from './checks/schema.ts'
import { presentationProof } from './checks/proof.ts'
import { presentationValidityPeriod } from './checks/validity-period.ts'
import { challenge } from './checks/challenge.ts'
import { domain } from './checks/domain.ts'
import { holderBinding } from './checks/holder-binding.ts'
import { credentials } from './checks/credentials.ts'
import { relatedResources } from './checks/related-resources.ts'

export type { ConsumeChallenge, PresentationOptions } from './check.ts'

/** The presentation checks (each a module in checks/); the runner orders them by CHECK_ORDER. */
export const PRESENTATION_PLAN: CheckPlan<PresentationInput, PresentationCheckOptions, PresentationFormatReason> = {
  format: presentationFormat,
  checks: [
    presentationSchemaValidity,
    presentationProof,
    presentationValidityPeriod,
    challenge,
    domain,
    holderBinding,
    credentials,
    relatedResources,
  ],
  unreadable: 'not a presentation we can read',
}

export async function verifyPresentation(
  input: unknown,
  options: PresentationOptions,
  ctx: VerifierContext,
  consume: ConsumeChallenge,
): Promise<VerificationReport> {
  const read = withCredentials(readPresentation(input), ctx)
  const checks = await runChecks(read, PRESENTATION_PLAN, ctx, { ...options, consume })
  if (!read.ok || checks[0]!.status !== 'passed') return buildReport(checks)
  return buildReport(checks, { document: read.input.presentation, credentials: await read.input.credentialReports() })
}

/** The read presentation with the credentials it carries, each verified (once) when a check first asks. */
function withCredentials(
  read: ReadResult<Omit<PresentationInput, 'items' | 'credentialReports'>, PresentationFormatCode>,
  ctx: VerifierContext,
): ReadResult<PresentationInput, PresentationFormatCode> {
  if (!read.ok) return read
  const vcs = read.input.presentation.verifiableCredential
  const items: readonly unknown[] = vcs === undefined ? [] : Array.isArray(vcs) ? vcs : [vcs]
  let reports: Promise<readonly VerificationReport[]> | undefined
  return {
    ok: true,
    input: { ...read.input, items, credentialReports: () => (reports ??= Promise.all(items.map((vc) => verifyCredential(vc, ctx)))) },
  }
}
