// One verification check as a module: its id, what it needs, and how it judges. Whether it runs at all (the input
// could not be read, a check it depends on did not pass, the caller did not ask for it) is the runner's business
// (run-checks.ts), so a check's `run` only ever sees input it can judge.
import type { VerifierContext } from './verifier-context.ts'
import type { CheckId, VerificationReason, VerificationReport } from './report.ts'
import type { SecuredCredential } from './decode-credential.ts'
import type { ReadPresentation } from './read-presentation.ts'

/** A check's judgement. `reason` comes from the check's own closed union `R`. */
export type Verdict<R extends string> = (
  | { readonly status: 'passed'; readonly details?: Readonly<Record<string, unknown>> }
  | { readonly status: 'failed'; readonly reason: R; readonly message: string; readonly details?: Readonly<Record<string, unknown>> }
  | { readonly status: 'skipped'; readonly reason: R; readonly message: string }
) & {
  /** Facts for later checks (read through {@link CheckEnv.earlier}); never reported. */
  readonly carry?: Readonly<Record<string, unknown>>
}

export const pass = (details?: Readonly<Record<string, unknown>>): Verdict<never> => ({ status: 'passed', ...(details ? { details } : {}) })
export const fail = <R extends string>(reason: R, message: string, details?: Readonly<Record<string, unknown>>): Verdict<R> => ({
  status: 'failed',
  reason,
  message,
  ...(details ? { details } : {}),
})
export const skip = <R extends string>(reason: R, message: string): Verdict<R> => ({ status: 'skipped', reason, message })

/** What every check may read besides its input: the verifier's context, the caller's options, and earlier verdicts. */
export interface CheckEnv<O> {
  readonly ctx: VerifierContext
  readonly options: O
  /** Verdicts of the checks judged before this one (CHECK_ORDER), by id. */
  readonly earlier: ReadonlyMap<CheckId, Verdict<VerificationReason>>
}

/** An earlier check that must have passed for this one to mean anything; otherwise this one is skipped with `reason`. */
export interface Requirement {
  readonly check: CheckId
  readonly reason: 'proof_failed'
  readonly message: string
}

export interface Check<I, O, R extends string> {
  readonly id: Exclude<CheckId, 'format'>
  /** Earlier checks this one depends on (the runner skips it when one did not pass). */
  readonly requires?: readonly Requirement[]
  /** A check the caller may leave out: when not requested it is skipped with `not_requested` and this message. */
  readonly optional?: { requested(env: CheckEnv<O>): boolean; readonly message: string }
  /** A judgement that needs no earlier check, made before {@link requires} is looked at. */
  screen?(input: I, env: CheckEnv<O>): Verdict<R> | undefined
  run(input: I, env: CheckEnv<O>): Verdict<R> | Promise<Verdict<R>>
}

/** The securing form as read (decode-credential.ts, read-presentation.ts), or why it could not be read. */
export type ReadResult<I, R extends string> =
  { readonly ok: true; readonly input: I } | { readonly ok: false; readonly reason: R; readonly message: string }

/** The first check: judges what the reader made of the input. When it does not pass, every other check is skipped. */
export interface FormatCheck<I, O, R extends string> {
  readonly id: 'format'
  judge(read: ReadResult<I, R>, env: CheckEnv<O>): Verdict<R>
}

// ---- what credential and presentation checks judge ----------------------------------------------

/** The checks a caller may leave out (VC API `options.checks`); format, schema and proof always run. */
export const OPTIONAL_CREDENTIAL_CHECKS = ['validity_period', 'status', 'issuer_trust'] as const
export type OptionalCredentialCheck = (typeof OPTIONAL_CREDENTIAL_CHECKS)[number]

export interface CredentialVerifyOptions {
  /** Optional checks to run; default all. The others are reported as skipped (`not_requested`). */
  readonly checks?: ReadonlySet<OptionalCredentialCheck>
}

/** A credential read from its securing form. */
export interface CredentialInput {
  readonly secured: SecuredCredential
  /** The issuer's id (a DID, for anything that can verify). */
  readonly issuer: string | undefined
}

/**
 * Consumes a challenge if this verifier issued it: 'ok' once (with the domain it was issued for, if any), then 'used';
 * 'expired' past its lifetime; 'unknown' when this verifier never issued it.
 */
export type ConsumeChallenge = (challenge: string) => Promise<{ state: 'ok' | 'unknown' | 'expired' | 'used'; domain?: string }>

export interface PresentationOptions {
  /**
   * The challenge the presentation must answer: one from this verifier's POST /challenges (then single-use, and bound
   * to the domain it was issued for), or one the relying party made itself (VC API), which then answers for its freshness.
   */
  readonly challenge: string
  readonly domain?: string
  /** Require every credential to be about the holder (also forced by the verifier's configuration). */
  readonly holderBinding?: boolean
}

export interface PresentationCheckOptions extends PresentationOptions {
  readonly consume: ConsumeChallenge
}

/** A presentation read from its securing form, with the credentials it carries. */
export interface PresentationInput extends ReadPresentation {
  readonly items: readonly unknown[]
  /** The full credential reports of {@link items}, computed once, by the first check that asks. */
  credentialReports(): Promise<readonly VerificationReport[]>
}

export type CredentialCheck<R extends string> = Check<CredentialInput, CredentialVerifyOptions, R>
export type PresentationCheck<R extends string> = Check<PresentationInput, PresentationCheckOptions, R>
