// The issuing use case: check the request, attach status, sign (vc+jwt or eddsa-rdfc-2022), store — one transaction per batch.
import type { FromSchema } from 'json-schema-to-ts'
import type { DataSource, EntityManager } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import { epochSeconds } from '../../core/clock.ts'
import { AppError, InvalidRequestError, type Issue } from '../../core/errors.ts'
import type { BankIdentity, SigningKey } from '../../core/identity/bank-identity.ts'
import { CONTEXTS } from '../../core/credentials/contexts.ts'
import { VC_JWT_DATA_URL_PREFIX, VC_V2_CONTEXT } from '../../core/credentials/types.ts'
import { validateCredential } from '../../core/credentials/validate-credential.ts'
import { DataIntegrityError, signDataIntegrity } from '../../core/proofs/data-integrity.ts'
import { isUniqueViolation, transaction } from '../../core/store/sql.ts'
import { newCredentialId } from '../../core/store/ids.ts'
import { clientActor, recordMany } from '../audit/audit-trail.ts'
import type { AllocatedSlot, StatusLists } from '../status/status-lists.ts'
import { CredentialStore, type NewCredential } from './credential-store.ts'
import { templatePayloads } from './payload-template.ts'
import { inlineSigner, type JwsSigner } from './signing-pool.ts'
import { ownedCredential, type Caller } from './ownership.ts'

export const PROOF_FORMATS = ['vc+jwt', 'eddsa-rdfc-2022'] as const
export type ProofFormat = (typeof PROOF_FORMATS)[number]

/**
 * VC API IssueCredentialOptions we support: the JSON Schema the route validates requests with, and their type.
 * An option we do not know is the VC API's unknown_option_provided.
 */
export const issueOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  'x-error-code': 'unknown_option_provided',
  properties: {
    format: { enum: PROOF_FORMATS, description: 'how the bank secures the credential; default vc+jwt' },
    credentialId: {
      type: 'string',
      maxLength: 512,
      pattern: '^[a-zA-Z][a-zA-Z0-9+.-]*:\\S+$',
      'x-issue': 'must be a URL of at most 512 characters',
      description: 'the credential id, when credential.id is not given',
    },
  },
} as const
export type IssueOptions = FromSchema<typeof issueOptionsSchema>

/** Refuses (throws an AppError) a credential the caller may not have signed; `at` prefixes issue paths in a batch. */
export type Admit = (credential: Readonly<Record<string, unknown>>, at: string) => void

export interface IssueRequest {
  readonly credential: Record<string, unknown>
  readonly options?: IssueOptions
}

/**
 * A request of the bank's own bulk path ({@link CredentialIssuer.issueManyIn}): `shape` names the builder and the
 * optional members its credential was made with (e.g. recognition's catalogue entry), for the `trustedShape` option.
 */
export interface BankIssueRequest extends IssueRequest {
  readonly shape?: string
}

/** Options of the bank's own bulk path; never reachable from the API (its routes call issue / issueMany). */
export interface BankIssueOptions {
  /**
   * Validate fully (the VC Data Model 2.0 and the type's JSON Schemas, ajv) only the first request of each distinct
   * `shape` in the batch, and the rest by the checks that are never skipped (id, contexts, issuer, no proof or status).
   * For the bank's own builders only: one shape is one builder filling one template from values already checked
   * (import rows, catalogue entries), so a credential of a shape differs from the first only in those values, and a
   * malformed builder is still caught on the first credential of each batch. Validating a thousand identical
   * structures costs a fifth of an import's time. Requests without a shape are validated fully.
   */
  readonly trustedShape?: boolean
}

export interface IssuedCredential {
  readonly id: string
  readonly format: ProofFormat
  /** VC API response body: an EnvelopedVerifiableCredential for vc+jwt, the secured JSON for Data Integrity. */
  readonly verifiableCredential: Record<string, unknown>
  /** The secured form as stored: the compact JWS, or the JSON text. */
  readonly document: string
}

/** Where a bank batch's status slots come from: allocated in the caller's transaction, or reserved ahead (SlotReserve). */
export type SlotSource = (count: number) => Promise<readonly AllocatedSlot[]>

/** A bank batch signed in its status slots and not stored yet ({@link CredentialIssuer.signBank}). */
export interface SignedBatch {
  readonly issued: IssuedCredential[]
  /** What {@link CredentialIssuer.storeSigned} inserts: the issued credentials' rows, in their order, with their slots. */
  readonly rows: readonly NewCredential[]
  readonly clientId: string | null
}

interface Prepared {
  id: string
  format: ProofFormat
  credential: Record<string, unknown>
  /** The bank builder's shape (BankIssueRequest), for templated signing. */
  shape: string | undefined
}

export class CredentialIssuer {
  private readonly ds: DataSource
  private readonly identity: BankIdentity
  private readonly statusLists: StatusLists
  private readonly clock: Clock
  private readonly signer: JwsSigner

  /** `signer`: where vc+jwt signatures are made (the node's SigningPool); default the calling thread. */
  constructor(opts: { ds: DataSource; identity: BankIdentity; statusLists: StatusLists; clock: Clock; signer?: JwsSigner }) {
    this.ds = opts.ds
    this.identity = opts.identity
    this.statusLists = opts.statusLists
    this.clock = opts.clock
    this.signer = opts.signer ?? inlineSigner
  }

  /**
   * A credential as it was issued (VC API "get a credential"), for the API client that issued it or an admin: a
   * client whose request was committed but never answered (a crash, a timeout) gets 409 on retry and fetches it here.
   */
  async find(id: string, caller: Caller): Promise<IssuedCredential> {
    const stored = await ownedCredential(new CredentialStore(this.ds), id, caller)
    return asIssued(id, stored.format, stored.document)
  }

  /**
   * A credential the bank issued in its own name (no API client: recognition, reports), for the bank's own use cases to
   * hand to the person it is about once they have checked who that is; undefined for any other id.
   */
  async findBankIssued(id: string): Promise<IssuedCredential | undefined> {
    const stored = await new CredentialStore(this.ds).find(id)
    return stored && stored.clientId === null ? asIssued(id, stored.format, stored.document) : undefined
  }

  /**
   * `admit` is the generic API's client policy (client-issuing-policy.ts): it sees each credential once the
   * bank's own checks passed and throws to refuse it. The bank's own use cases pass none.
   */
  async issue(request: IssueRequest, clientId: string | null, admit?: Admit): Promise<IssuedCredential> {
    const [issued] = await this.issueMany([request], clientId, admit)
    return issued!
  }

  /**
   * Issues a batch atomically: every credential is validated first, then status slots are allocated, credentials
   * signed and rows written in one transaction — a crash anywhere leaves neither a credential nor a used slot.
   */
  async issueMany(requests: readonly IssueRequest[], clientId: string | null, admit?: Admit): Promise<IssuedCredential[]> {
    const now = this.clock()
    const prepared = this.prepareAll(requests, now, admit, false)
    const key = await this.identity.activeKey()
    try {
      return await transaction(this.ds, (m) => this.signAndStore(m, prepared, key, clientId, now))
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('duplicate_credential', 'a credential with this id was already issued', { cause: err })
      throw err
    }
  }

  /**
   * {@link issueMany} inside the caller's transaction `m` (the bank's own use cases: recognition signs an outcome's
   * credential in the transaction that records the outcome, so both commit or neither). No client policy applies. A
   * unique violation is left as it is, so the caller's transaction() can re-run the whole unit on PostgreSQL.
   */
  async issueManyIn(
    m: EntityManager,
    requests: readonly BankIssueRequest[],
    clientId: string | null,
    opts: BankIssueOptions = {},
  ): Promise<IssuedCredential[]> {
    const batch = await this.signBank(requests, this.slotsIn(m), { ...opts, clientId })
    await this.storeSigned(m, batch)
    return batch.issued
  }

  /** Status slots allocated in the transaction `m`: consumed only if it commits (what {@link issueManyIn} signs with). */
  slotsIn(m: EntityManager): SlotSource {
    return (count) => this.statusLists.allocate(m, count)
  }

  /**
   * The first half of {@link issueManyIn}: the bank's credentials checked, given status slots by `slots` and signed,
   * nothing stored. An import signs a chunk this way while the chunk before it is written, with slots reserved ahead
   * (SlotReserve); {@link storeSigned} then stores them in the chunk's own transaction.
   */
  async signBank(
    requests: readonly BankIssueRequest[],
    slots: SlotSource,
    opts: BankIssueOptions & { clientId?: string | null } = {},
  ): Promise<SignedBatch> {
    const now = this.clock()
    const prepared = this.prepareAll(requests, now, undefined, opts.trustedShape === true)
    const key = await this.identity.activeKey()
    return this.sign(prepared, await slots(prepared.length), key, opts.clientId ?? null, now)
  }

  /**
   * Stores a signed batch in the transaction `m`, audited with one `credentials_issued` entry for the batch (its
   * credential ids and status slots), where the API's path writes one `credential_issued` per credential: an import's
   * chunk of 2,000 is one entry, not 2,000. A unique violation (an id or a slot taken meanwhile) is left as it is.
   */
  async storeSigned(m: EntityManager, batch: SignedBatch): Promise<void> {
    await this.store(m, batch, 'bank')
  }

  private prepareAll(requests: readonly BankIssueRequest[], now: Date, admit: Admit | undefined, trustedShape: boolean): Prepared[] {
    const validated = new Set<string>()
    const prepared = requests.map((r, i) => {
      // Full validation unless the batch is the bank's trusted-shape path and this shape's first credential passed it.
      const full = !trustedShape || r.shape === undefined || !validated.has(r.shape)
      if (trustedShape && r.shape !== undefined) validated.add(r.shape)
      return this.prepare(r, now, requests.length > 1 ? `/${i}` : '', admit, full)
    })
    const ids = new Set<string>()
    for (const p of prepared) {
      if (ids.has(p.id)) throw new AppError('duplicate_credential', `credential id ${p.id} appears twice in this batch`)
      ids.add(p.id)
    }
    return prepared
  }

  /** Status slots, signatures, rows and audit entries of a prepared batch, in the transaction `m`. */
  private async signAndStore(
    m: EntityManager,
    prepared: readonly Prepared[],
    key: SigningKey,
    clientId: string | null,
    now: Date,
  ): Promise<IssuedCredential[]> {
    // An API client may send an id that was issued before: refused by name before a slot is taken.
    const [existing] = await new CredentialStore(m).existingIds(prepared.map((p) => p.id))
    if (existing !== undefined)
      throw new AppError('duplicate_credential', `credential ${existing} was already issued; a credential id is issued once`)
    const batch = await this.sign(prepared, await this.statusLists.allocate(m, prepared.length), key, clientId, now)
    await this.store(m, batch, 'api')
    return batch.issued
  }

  /**
   * A signed batch's rows and audit entries, in the transaction `m`. The API's path: one entry per credential; the
   * bank's bulk path: one for the batch, listing each credential with its status slot.
   */
  private async store(m: EntityManager, batch: SignedBatch, path: 'api' | 'bank'): Promise<void> {
    const { issued, rows, clientId } = batch
    await new CredentialStore(m).insert(rows)
    const at = this.clock()
    const actor = clientActor(clientId)
    if (path === 'api')
      await recordMany(
        m,
        issued.map((c, i) => ({
          at,
          actor,
          action: 'credential_issued',
          subject: { type: 'credential', id: c.id },
          after: { format: c.format, statusListId: rows[i]!.slot.listId, statusIndex: rows[i]!.slot.index, clientId },
        })),
      )
    else if (issued.length)
      await recordMany(m, [
        {
          at,
          actor,
          action: 'credentials_issued',
          subject: { type: 'credential_batch', id: issued[0]!.id },
          after: {
            count: issued.length,
            clientId,
            credentials: issued.map((c, i) => ({
              id: c.id,
              format: c.format,
              statusListId: rows[i]!.slot.listId,
              statusIndex: rows[i]!.slot.index,
            })),
          },
        },
      ])
  }

  /**
   * A prepared batch signed in its status slots: vc+jwt through the signer (the whole batch at once: its threads share
   * it), Data Integrity here.
   */
  private async sign(
    prepared: readonly Prepared[],
    slots: readonly AllocatedSlot[],
    key: SigningKey,
    clientId: string | null,
    now: Date,
  ): Promise<SignedBatch> {
    if (slots.length !== prepared.length) throw new Error(`${prepared.length} credentials were given ${slots.length} status slots`)
    // Made where needed, not kept for a batch while its signatures are made (an import's chunk of 2,000 objects).
    const withStatus = (j: number) => ({
      ...prepared[j]!.credential,
      credentialStatus: this.statusLists.entries(slots[j]!, prepared[j]!.format),
    })
    const jwts = prepared.flatMap((p, j) => (p.format === 'vc+jwt' ? [j] : []))
    // The bank's own bulk credentials go as templates' values (payload-template.ts): a shape's credentials differ in a
    // few dozen leaves, and a signing thread then gets those instead of an object graph to copy and serialize.
    const { payloads, templates } = templatePayloads(
      jwts.map((j) => {
        const credential = withStatus(j)
        return Object.assign(credential, jwtClaims(credential, this.identity.did, now))
      }),
      jwts.map((j) => prepared[j]!.shape),
    )
    const jws = await this.signer.sign(payloads, key, 'vc+jwt', templates)
    const signed = new Map(jwts.map((j, n) => [j, asIssued(prepared[j]!.id, 'vc+jwt', jws[n]!)]))
    const issued = await Promise.all(prepared.map((p, j) => signed.get(j) ?? this.secureDataIntegrity(withStatus(j), p, key, now)))
    return { issued, rows: this.rows(issued, prepared, slots, clientId, now), clientId }
  }

  /** Everything that can be refused is refused here, before a slot is taken or anything is signed. */
  private prepare(request: BankIssueRequest, now: Date, at: string, admit: Admit | undefined, validate: boolean): Prepared {
    const { credential: input, options: opts = {} } = request
    if ('proof' in input)
      throw new AppError('proof_not_allowed', 'credential.proof is set by the bank when it signs; remove it from the request')
    if ('credentialStatus' in input)
      throw new AppError(
        'status_not_allowed',
        'credential.credentialStatus is set by the bank when it issues (its own status lists); remove it from the request',
      )
    const issuerId = typeof input.issuer === 'string' ? input.issuer : (input.issuer as { id?: unknown } | null | undefined)?.id
    if (issuerId !== undefined && issuerId !== this.identity.did) {
      throw new AppError('issuer_mismatch', `credential.issuer must be this bank (${this.identity.did}); it signs only in its own name`)
    }
    const contexts = input['@context']
    if (Array.isArray(contexts) && contexts[0] !== VC_V2_CONTEXT) {
      throw new InvalidRequestError('only VC Data Model 2.0 credentials are issued', [
        { path: `${at}/credential/@context/0`, message: `must be ${VC_V2_CONTEXT}` },
      ])
    }
    // The bank signs only vocabulary it knows: bundled contexts by URL, never inline definitions that could
    // redefine protected terms, never a context it would have to fetch (SECURITY.md #42).
    const unknownContexts: Issue[] = []
    for (const [i, c] of (Array.isArray(contexts) ? contexts : []).entries()) {
      if (typeof c !== 'string' || !CONTEXTS.has(c))
        unknownContexts.push({
          path: `${at}/credential/@context/${i}`,
          message: `only the bundled contexts are accepted: ${[...CONTEXTS.keys()].join(', ')}`,
        })
    }
    if (unknownContexts.length)
      throw new InvalidRequestError('the credential uses a JSON-LD context the bank does not know', unknownContexts)
    if (input.id !== undefined && (typeof input.id !== 'string' || input.id.length > 512)) {
      throw new InvalidRequestError('credential.id must be a single URL of at most 512 characters', [
        { path: `${at}/credential/id`, message: 'expected one URL' },
      ])
    }
    const id = (input.id as string | undefined) ?? opts.credentialId ?? newCredentialId()
    if (opts.credentialId !== undefined && input.id !== undefined && input.id !== opts.credentialId) {
      throw new InvalidRequestError('options.credentialId and credential.id differ', [
        { path: `${at}/options/credentialId`, message: 'must equal credential.id' },
      ])
    }
    // A shallow copy is enough: only top-level fields are set here, and nothing below them is ever mutated.
    const out: Record<string, unknown> = { ...input, id, validFrom: input.validFrom ?? now.toISOString() }
    if (input.issuer === undefined)
      throw new InvalidRequestError('credential.issuer is required', [
        { path: `${at}/credential/issuer`, message: `set it to ${this.identity.did}` },
      ])
    const issues = validate ? validateCredential(out, { model: 'v2' }) : []
    if (issues.length)
      throw new InvalidRequestError(
        "the credential does not conform to the VC Data Model 2.0 or its type's schema",
        prefix(issues, `${at}/credential`),
      )
    admit?.(out, at)
    return { id, format: opts.format ?? 'vc+jwt', credential: out, shape: request.shape }
  }

  private async secureDataIntegrity(
    credential: Record<string, unknown>,
    p: Prepared,
    key: SigningKey,
    now: Date,
  ): Promise<IssuedCredential> {
    const secured = (await signDataIntegrity(
      credential,
      { verificationMethod: key.kid, privateKey: key.privateKey, publicKey: key.publicKey },
      { created: now },
    ).catch((err: unknown) => {
      // Strict JSON-LD: a term no context defines would be silently dropped from the signature (SECURITY.md #42).
      if (err instanceof DataIntegrityError)
        throw new InvalidRequestError(`the credential cannot be signed as eddsa-rdfc-2022: ${err.message}`, [
          { path: '/credential', message: err.code },
        ])
      throw err
    })) as Record<string, unknown>
    return { id: p.id, format: p.format, verifiableCredential: secured, document: JSON.stringify(secured) }
  }

  private rows(
    issued: IssuedCredential[],
    prepared: readonly Prepared[],
    slots: readonly AllocatedSlot[],
    clientId: string | null,
    now: Date,
  ): NewCredential[] {
    return issued.map((c, i) => {
      const cred = prepared[i]!.credential
      const subject = cred.credentialSubject as { id?: unknown } | undefined
      return {
        id: c.id,
        issuer: this.identity.did,
        types: cred.type,
        subject: typeof subject?.id === 'string' ? subject.id : null,
        format: c.format,
        document: c.document,
        slot: slots[i]!,
        clientId,
        issuedAt: now,
      }
    })
  }
}

/** The VC API form of a stored credential: an EnvelopedVerifiableCredential around a vc+jwt, the JSON of a Data Integrity one. */
function asIssued(id: string, format: ProofFormat, document: string): IssuedCredential {
  const verifiableCredential =
    format === 'vc+jwt'
      ? { '@context': [VC_V2_CONTEXT], id: `${VC_JWT_DATA_URL_PREFIX}${document}`, type: 'EnvelopedVerifiableCredential' }
      : (JSON.parse(document) as Record<string, unknown>)
  return { id, format, verifiableCredential, document }
}

/** VC-JOSE-COSE §3.1.2: JWT claims may accompany the credential; when present they must agree with it (the verifier checks). */
function jwtClaims(credential: Record<string, unknown>, issuer: string, now: Date): Record<string, unknown> {
  const subject = credential.credentialSubject as { id?: unknown } | undefined
  const claims: Record<string, unknown> = {
    iss: issuer,
    jti: credential.id,
    iat: epochSeconds(now),
    nbf: epochSeconds(new Date(String(credential.validFrom))),
  }
  if (typeof credential.validUntil === 'string') claims.exp = epochSeconds(new Date(credential.validUntil))
  if (typeof subject?.id === 'string') claims.sub = subject.id
  return claims
}

const prefix = (issues: Issue[], at: string): Issue[] =>
  issues.map((i) => ({ ...i, path: `${at}${i.path.startsWith('/') || i.path === '' ? '' : '/'}${i.path}` }))
