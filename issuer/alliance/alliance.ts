// The alliance's use cases: member institutions and their accreditation scopes over time, and the question the import
// and recognition flows ask — what was institution X accredited to deposit on date D?
import { record, type AuditActor } from '../audit/audit-trail.ts'
import { randomUUID } from 'node:crypto'
import { isIP } from 'node:net'
import type { DataSource } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import { didWebDocumentUrl } from '../../core/did/did-web-url.ts'
import { AppError, type Issue } from '../../core/errors.ts'
import { isUniqueViolation, transaction } from '../../core/store/sql.ts'
import {
  InstitutionStore,
  type AccreditationScopeRecord,
  type Category,
  type InstitutionContact,
  type InstitutionRecord,
  type InstitutionType,
} from './institution-store.ts'

export interface NewInstitution {
  readonly id?: string
  readonly type: InstitutionType
  readonly name: { readonly zh: string; readonly en: string }
  readonly region: string
  readonly did?: string
  readonly contact?: InstitutionContact
}

export interface InstitutionChanges {
  readonly type?: InstitutionType
  readonly name?: { readonly zh?: string; readonly en?: string }
  readonly region?: string
  /** null removes it. */
  readonly did?: string | null
  readonly contact?: InstitutionContact
}

export interface NewScope {
  readonly categories: readonly Category[]
  readonly levels: readonly number[]
  readonly fields?: readonly string[]
  readonly validFrom: string
  readonly validUntil?: string | null
}

/** What a deposit claims: checked against the scopes in force on its date. */
export interface DepositClaim {
  readonly category: Category
  readonly level: number
  readonly field: string
}

/** The scopes in force at `at`: started at or before it, and not yet ended (validUntil is exclusive). */
export function scopesInForce(scopes: readonly AccreditationScopeRecord[], at: Date): AccreditationScopeRecord[] {
  const t = at.getTime()
  return scopes.filter((s) => Date.parse(s.validFrom) <= t && (s.validUntil === null || t < Date.parse(s.validUntil)))
}

/** Whether one of `scopes` covers the claim (a scope with no fields covers every field). */
export function scopesCover(scopes: readonly AccreditationScopeRecord[], claim: DepositClaim): boolean {
  return scopes.some(
    (s) =>
      s.categories.includes(claim.category) && s.levels.includes(claim.level) && (s.fields.length === 0 || s.fields.includes(claim.field)),
  )
}

/**
 * A did:web DID an institution may name: a host name (no IP literal, SECURITY.md), optional port and path. The shape is
 * checked by the request schema; this checks what a pattern cannot.
 */
export function didWebProblem(did: string): string | undefined {
  let url: URL
  try {
    url = didWebDocumentUrl(did)
  } catch {
    return 'is not a did:web DID'
  }
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (isIP(host)) return 'names an IP address; a did:web must name a host'
  if (!host.includes('.') && host !== 'localhost') return 'names no domain'
  return undefined
}

/** Levels that exist in the framework: the catalogue's reference data, asked through its use case. */
export interface LevelCatalogue {
  hasLevels(levels: readonly number[]): Promise<number[]>
}

const iso = (s: string): string => new Date(s).toISOString()

export class Alliance {
  private readonly ds: DataSource
  private readonly clock: Clock
  private readonly levels: LevelCatalogue

  constructor(deps: { ds: DataSource; clock: Clock; levels: LevelCatalogue }) {
    this.ds = deps.ds
    this.clock = deps.clock
    this.levels = deps.levels
  }

  async create(input: NewInstitution, actor: AuditActor): Promise<InstitutionRecord> {
    if (input.did !== undefined) this.checkDid(input.did)
    const now = this.clock().toISOString()
    const institution: InstitutionRecord = {
      id: input.id ?? randomUUID(),
      type: input.type,
      nameZh: input.name.zh,
      nameEn: input.name.en,
      region: input.region,
      did: input.did ?? null,
      contact: input.contact ?? {},
      createdAt: now,
      updatedAt: now,
    }
    try {
      await transaction(this.ds, async (m) => {
        await new InstitutionStore(m).insert(institution)
        await record(m, {
          at: this.clock(),
          actor,
          action: 'institution_created',
          subject: { type: 'institution', id: institution.id },
          after: institution,
        })
      })
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('already_exists', `an institution with id ${institution.id} already exists`)
      throw err
    }
    return institution
  }

  async update(id: string, changes: InstitutionChanges, actor: AuditActor): Promise<InstitutionRecord> {
    if (typeof changes.did === 'string') this.checkDid(changes.did)
    return transaction(this.ds, async (m) => {
      const store = new InstitutionStore(m)
      const current = await store.find(id)
      if (!current) throw new AppError('not_found', `no such institution: ${id}`)
      const next: InstitutionRecord = {
        ...current,
        type: changes.type ?? current.type,
        nameZh: changes.name?.zh ?? current.nameZh,
        nameEn: changes.name?.en ?? current.nameEn,
        region: changes.region ?? current.region,
        did: changes.did === undefined ? current.did : changes.did,
        contact: changes.contact ?? current.contact,
        updatedAt: this.clock().toISOString(),
      }
      await store.update(next)
      await record(m, {
        at: this.clock(),
        actor,
        action: 'institution_updated',
        subject: { type: 'institution', id },
        before: current,
        after: next,
      })
      return next
    })
  }

  /** The institution; not_found when there is none. */
  async get(id: string): Promise<InstitutionRecord> {
    const found = await new InstitutionStore(this.ds).find(id)
    if (!found) throw new AppError('not_found', `no such institution: ${id}`)
    return found
  }

  async exists(id: string): Promise<boolean> {
    return (await new InstitutionStore(this.ds).find(id)) !== undefined
  }

  async list(filter: { type?: InstitutionType; region?: string; afterId?: string }, limit: number): Promise<InstitutionRecord[]> {
    return new InstitutionStore(this.ds).list(filter, limit)
  }

  async scopes(institutionId: string): Promise<AccreditationScopeRecord[]> {
    await this.get(institutionId)
    return new InstitutionStore(this.ds).scopesOf(institutionId)
  }

  async addScope(institutionId: string, input: NewScope, actor: AuditActor): Promise<AccreditationScopeRecord> {
    const validFrom = iso(input.validFrom)
    const validUntil = input.validUntil ? iso(input.validUntil) : null
    const issues: Issue[] = []
    if (validUntil !== null && validUntil <= validFrom) issues.push({ path: '/validUntil', message: 'must be after validFrom' })
    const unknown = await this.levels.hasLevels(input.levels).then((known) => input.levels.filter((l) => !known.includes(l)))
    if (unknown.length) issues.push({ path: '/levels', message: `no such framework level: ${unknown.join(', ')}` })
    if (issues.length) throw new AppError('invalid_request', `the scope is not valid: ${issues[0]!.path} ${issues[0]!.message}`, { issues })
    await this.get(institutionId)
    const scope: AccreditationScopeRecord = {
      id: randomUUID(),
      institutionId,
      categories: [...new Set(input.categories)],
      levels: [...new Set(input.levels)].sort((a, b) => a - b),
      fields: [...new Set(input.fields ?? [])],
      validFrom,
      validUntil,
      createdAt: this.clock().toISOString(),
    }
    await transaction(this.ds, async (m) => {
      await new InstitutionStore(m).insertScope(scope)
      await record(m, {
        at: this.clock(),
        actor,
        action: 'accreditation_scope_added',
        subject: { type: 'institution', id: institutionId },
        after: scope,
      })
    })
    return scope
  }

  /** Ends (or reopens, with null) a scope: its categories, levels and fields never change, so history stays true. */
  async setScopeEnd(
    institutionId: string,
    scopeId: string,
    validUntil: string | null,
    actor: AuditActor,
  ): Promise<AccreditationScopeRecord> {
    return transaction(this.ds, async (m) => {
      const store = new InstitutionStore(m)
      const scope = await store.findScope(institutionId, scopeId)
      if (!scope) throw new AppError('not_found', `no such accreditation scope: ${scopeId}`)
      const end = validUntil === null ? null : iso(validUntil)
      if (end !== null && end <= scope.validFrom)
        throw new AppError('invalid_request', 'validUntil must be after the scope’s validFrom', {
          issues: [{ path: '/validUntil', message: 'must be after validFrom' }],
        })
      await store.setScopeValidUntil(scopeId, end)
      const next = { ...scope, validUntil: end }
      await record(m, {
        at: this.clock(),
        actor,
        action: 'accreditation_scope_changed',
        subject: { type: 'institution', id: institutionId },
        before: scope,
        after: next,
      })
      return next
    })
  }

  /** The scopes in force for an institution at `at`; not_found for an unknown institution. */
  async accreditationAt(institutionId: string, at: Date): Promise<AccreditationScopeRecord[]> {
    return scopesInForce(await this.scopes(institutionId), at)
  }

  /** Whether the institution may deposit `claim` on `at`. */
  async mayDeposit(institutionId: string, claim: DepositClaim, at: Date): Promise<boolean> {
    return scopesCover(await this.accreditationAt(institutionId, at), claim)
  }

  private checkDid(did: string): void {
    const problem = didWebProblem(did)
    if (problem) throw new AppError('invalid_request', `did ${problem}`, { issues: [{ path: '/did', message: problem }] })
  }
}
