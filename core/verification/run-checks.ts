// The runner: judges an input check by check in CHECK_ORDER, and owns what is not run. When `format` does not
// pass, every other check is skipped (`format_failed`); an optional check the caller did not ask for is skipped
// (`not_requested`); a check whose requirement (an earlier check that must pass, e.g. the proof before a status list
// is fetched or a challenge consumed) did not pass is skipped with the requirement's reason. Credentials and
// presentations share it; each has its plan (verify-credential.ts, verify-presentation.ts).
import { CHECK_ORDER, type CheckId, type CheckOutcome, type VerificationReason } from './report.ts'
import { skip, type Check, type CheckEnv, type FormatCheck, type ReadResult, type Verdict } from './check.ts'
import type { VerifierContext } from './verifier-context.ts'

export interface CheckPlan<I, O, F extends VerificationReason> {
  readonly format: FormatCheck<I, O, F>
  /** The other checks; run in CHECK_ORDER, whatever order they are listed in. */
  readonly checks: readonly Check<I, O, VerificationReason>[]
  /** Why the other checks are skipped when the input could not be read, e.g. "not a presentation we can read". */
  readonly unreadable: string
}

/** The outcome of every check of `plan`, `format` first, then CHECK_ORDER. */
export async function runChecks<I, O, F extends VerificationReason>(
  read: ReadResult<I, F>,
  plan: CheckPlan<I, O, F>,
  ctx: VerifierContext,
  options: O,
): Promise<CheckOutcome[]> {
  const earlier = new Map<CheckId, Verdict<VerificationReason>>()
  const env: CheckEnv<O> = { ctx, options, earlier }
  const outcomes: CheckOutcome[] = []
  const record = (id: CheckId, verdict: Verdict<VerificationReason>): void => {
    earlier.set(id, verdict)
    outcomes.push(toOutcome(id, verdict))
  }
  const format = plan.format.judge(read, env)
  record('format', format)
  const ordered = [...plan.checks].sort((a, b) => CHECK_ORDER.indexOf(a.id) - CHECK_ORDER.indexOf(b.id))
  for (const check of ordered) {
    record(check.id, format.status === 'passed' && read.ok ? await judge(check, read.input, env) : skip('format_failed', plan.unreadable))
  }
  return outcomes
}

async function judge<I, O>(check: Check<I, O, VerificationReason>, input: I, env: CheckEnv<O>): Promise<Verdict<VerificationReason>> {
  if (check.optional && !check.optional.requested(env)) return skip('not_requested', check.optional.message)
  const screened = check.screen?.(input, env)
  if (screened) return screened
  const unmet = check.requires?.find((r) => env.earlier.get(r.check)?.status !== 'passed')
  if (unmet) return skip(unmet.reason, unmet.message)
  return check.run(input, env)
}

/** The wire form: the check's id, and what the verdict says except the facts it carries for later checks. */
function toOutcome(id: CheckId, v: Verdict<VerificationReason>): CheckOutcome {
  if (v.status === 'passed') return { id, status: 'passed', ...(v.details ? { details: v.details } : {}) }
  if (v.status === 'failed')
    return { id, status: 'failed', reason: v.reason, message: v.message, ...(v.details ? { details: v.details } : {}) }
  return { id, status: 'skipped', reason: v.reason, message: v.message }
}
