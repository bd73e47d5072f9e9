// Request errors with a stable code, whose HTTP status the code decides; anything else is a programmer error (500, never exposed).

/**
 * Stable, wire-visible error codes and the HTTP status each one means: one table, so no call site passes a status.
 * Clients may switch on the codes; never rename one.
 */
export const ERROR_STATUS = {
  invalid_request: 400, // body or parameters fail validation
  invalid_json: 400, // body is not JSON
  unknown_option_provided: 400, // VC API options outside the allow-list
  issuer_mismatch: 400, // credential.issuer is not this bank
  proof_not_allowed: 400, // caller supplied a proof
  status_not_allowed: 400, // caller supplied credentialStatus (the bank attaches status when it issues)
  invalid_credential_id: 400, // an API client's credential id is not urn:uuid:, https: or its own urn:credit-bank:<namespace>:
  revocation_irreversible: 400, // a revoked credential cannot be un-revoked
  id_number_format: 400, // a resident identity number is not 17 digits and a check character (core/identity/resident-id.ts)
  id_number_checksum: 400, // its ISO 7064 MOD 11-2 check character does not match
  id_number_region: 400, // its first two digits are not a province-level region code
  id_number_birth_date: 400, // its birth date is not a real date from 1900 to today
  reason_required: 400, // rejecting a learning outcome needs a reason the learner can read
  consent_required: 400, // real-name verification without consent to the privacy notice (consent.noticeVersion)
  notice_outdated: 400, // the consent names a privacy notice version that is not the current one
  confirmation_required: 400, // closing an account without {"confirm": true}
  import_file_invalid: 400, // an import file's header is wrong, or it is not UTF-8, or a row never ends (issuer/imports/read-rows.ts)
  oidc_state_invalid: 400, // an OpenID Connect callback whose state is unknown, used, expired, or from another browser than the one that began it
  oidc_provider_error: 400, // the OpenID Connect provider answered the sign-in with an error other than access_denied, or without a code
  report_number_malformed: 400, // a report number that is not CB- and 16 Crockford base32 characters (issuer/reports/report-number.ts)
  report_number_mistyped: 400, // a report number whose check character does not match: a character mistyped or two neighbours swapped
  unauthorized: 401, // no valid bearer token or session cookie
  invalid_credentials: 401, // sign-in: the username or the password is wrong (one error for both)
  oidc_token_failed: 401, // the OpenID Connect code exchange failed or its ID token was refused (issuer, audience, nonce, expiry)
  forbidden: 403, // signed in or token valid, but the role or scope does not allow the operation
  reauthentication_required: 403, // closing an account needs the password or a session opened in the last 10 minutes
  real_name_required: 403, // depositing an outcome before real-name verification (实名认证): an outcome belongs to a verified person
  csrf_failed: 403, // a cookie-authenticated change without the session's X-CSRF-Token, or from a foreign Origin
  oidc_access_denied: 403, // the OpenID Connect provider answered access_denied: the person declined or was refused
  reserved_credential_id: 403, // an API client's credential id on the bank's own origin or in another client's namespace
  reserved_credential_type: 403, // a type only the bank produces (certification reports, status lists), asked for by an API client
  reserved_claim: 403, // a claim only the bank makes (recognizingInstitution: recognition), asked for by an API client
  not_found: 404,
  oidc_not_configured: 404, // OpenID Connect sign-in is off (CB_OIDC_ISSUER unset)
  duplicate_credential: 409, // a credential with this id was already issued
  username_taken: 409, // registering or creating an account whose username another account has
  identity_already_verified: 409, // this account has already passed real-name verification
  identity_already_registered: 409, // another account is verified with this identity number (one person, one account)
  account_closed: 409, // the account was closed by its owner and cannot be changed
  already_exists: 409, // an institution with this id, or a catalogue entry with this code at its institution, already exists
  outcome_already_decided: 409, // a learning outcome was already recognized, rejected, referred or withdrawn (one of two decisions at once)
  outcome_not_in_queue: 409, // an expert decision on an outcome nobody referred to the expert committee
  outcome_not_usable: 409, // converting an outcome that is not recognized, not of the catalogue, or whose credential is revoked or suspended
  outcome_already_converted: 409, // an outcome a pending or approved conversion application already uses (no outcome converts twice)
  conversion_already_applied: 409, // a conversion into a course the learner already has a pending or approved application for
  application_already_decided: 409, // a decision on a conversion application that was already approved or rejected (one of two at once)
  rule_inactive: 409, // applying under a conversion rule whose current version retired it
  no_reportable_outcomes: 409, // a certification report asked for while no recognized outcome with a standing credential would be covered
  outcome_not_reportable: 409, // a chosen outcome is not recognized, or its credential was revoked or suspended
  report_up_to_date: 409, // reissuing a report whose covered credentials all still stand
  report_revoked: 409, // reissuing a report that was revoked
  identity_mismatch: 422, // the identity verifier says the name does not belong to the number
  conversion_conditions_not_met: 422, // the outcomes do not meet the conversion rule's version (issues name what is missing)
  payload_too_large: 413,
  unsupported_media_type: 415,
  evidence_type_unsupported: 415, // an evidence file whose content is not PDF, JPEG or PNG (issuer/deposits/evidence-store.ts sniffs it)
  evidence_type_mismatch: 415, // an evidence file whose name or declared type says another type than its content (a PNG named .pdf)
  rate_limited: 429,
  account_locked: 429, // too many wrong passwords in a row: locked for CB_LOCKOUT_MINUTES (Retry-After)
  oidc_unavailable: 503, // the OpenID Connect provider cannot be reached or its metadata is wrong (Retry-After)
  internal: 500, // never exposed
  identity_service_unavailable: 503, // the identity verifier gave no answer (down, or the number is not covered); Retry-After
} as const satisfies Record<string, number>

export type ErrorCode = keyof typeof ERROR_STATUS

export interface Issue {
  readonly path: string
  readonly message: string
}

export class AppError extends Error {
  readonly code: ErrorCode
  readonly status: number
  /**
   * Whether `message` may be sent to the client: yes for every coded answer (a 503's says what is unavailable and when to
   * retry); no for `internal` (500), whose message is for the log only.
   */
  readonly expose: boolean
  readonly issues?: readonly Issue[]
  /** Extra response headers (e.g. Retry-After on 429). */
  readonly headers?: Readonly<Record<string, string>>

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; issues?: readonly Issue[]; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.status = ERROR_STATUS[code]
    this.expose = this.status !== 500
    if (options?.issues) this.issues = options.issues
    if (options?.headers) this.headers = options.headers
  }
}

/** 400 with the list of what is wrong, each with a JSON path. */
export class InvalidRequestError extends AppError {
  constructor(message: string, issues: readonly Issue[] = []) {
    super('invalid_request', message, { issues })
  }
}

/**
 * An error with a stable snake_case (or spec-given) `code` that callers switch on. Library-level failures
 * (resolution, fetching, decoding) use it; request errors use AppError, which adds the HTTP status.
 */
export class CodedError<C extends string = string> extends Error {
  readonly code: C
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
  }
}

export class ConfigError extends Error {
  readonly problems: readonly string[]
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}
