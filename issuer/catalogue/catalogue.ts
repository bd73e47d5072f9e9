// The catalogue's use cases: Achievements (courses, certificates, training, …) that institutions offer, and the public
// browse and search over them, paged by an opaque cursor in a stable order (code, then id).
import { record, type AuditActor } from '../audit/audit-trail.ts'
import { randomUUID } from 'node:crypto'
import type { DataSource } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import { AppError, type Issue } from '../../core/errors.ts'
import { isUniqueViolation, transaction } from '../../core/store/sql.ts'
import {
  CatalogueStore,
  type CatalogueEntryRecord,
  type CatalogueFilter,
  type EntryStatus,
  type OutcomeCategory,
} from './catalogue-store.ts'
import type { FrameworkLevels } from './framework-levels.ts'
import { indexTokens, queryTokens } from './search-tokens.ts'
import { decodeCursor, encodeCursor } from '../../core/store/cursor.ts'

export interface NewEntry {
  readonly institutionId: string
  readonly code: string
  readonly achievementType: string
  readonly credits: number
  readonly level: number
  readonly category: OutcomeCategory
  readonly field: string
  readonly name: { readonly zh: string; readonly en: string }
  readonly description?: { readonly zh?: string; readonly en?: string }
  readonly status?: EntryStatus
}

export interface EntryChanges {
  readonly achievementType?: string
  readonly credits?: number
  readonly level?: number
  readonly category?: OutcomeCategory
  readonly field?: string
  readonly name?: { readonly zh?: string; readonly en?: string }
  readonly description?: { readonly zh?: string; readonly en?: string }
  readonly status?: EntryStatus
}

export interface BrowseQuery {
  readonly level?: number
  readonly category?: OutcomeCategory
  readonly institutionId?: string
  readonly field?: string
  /** Default: active entries only. */
  readonly status?: EntryStatus | 'any'
  readonly q?: string
  readonly cursor?: string
  readonly limit: number
}

export interface Page<T> {
  readonly items: T[]
  /** Pass as `cursor` for the next page; absent on the last one. */
  readonly nextCursor?: string
}

/** Member institutions, asked through the alliance's use case. */
export interface InstitutionDirectory {
  exists(id: string): Promise<boolean>
}

const toCenti = (credits: number): number => Math.round(credits * 100)

export class Catalogue {
  private readonly ds: DataSource
  private readonly clock: Clock
  private readonly levels: FrameworkLevels
  private readonly institutions: InstitutionDirectory

  constructor(deps: { ds: DataSource; clock: Clock; levels: FrameworkLevels; institutions: InstitutionDirectory }) {
    this.ds = deps.ds
    this.clock = deps.clock
    this.levels = deps.levels
    this.institutions = deps.institutions
  }

  async create(input: NewEntry, actor: AuditActor): Promise<CatalogueEntryRecord> {
    const issues = await this.check({ level: input.level, credits: input.credits })
    if (!(await this.institutions.exists(input.institutionId))) issues.push({ path: '/institutionId', message: 'no such institution' })
    if (issues.length) throw invalid(issues)
    const now = this.clock().toISOString()
    const entry: CatalogueEntryRecord = {
      id: randomUUID(),
      institutionId: input.institutionId,
      code: input.code,
      achievementType: input.achievementType,
      creditsCenti: toCenti(input.credits),
      level: input.level,
      category: input.category,
      field: input.field,
      nameZh: input.name.zh,
      nameEn: input.name.en,
      descriptionZh: input.description?.zh ?? '',
      descriptionEn: input.description?.en ?? '',
      status: input.status ?? 'active',
      createdAt: now,
      updatedAt: now,
    }
    try {
      await transaction(this.ds, async (m) => {
        await new CatalogueStore(m).insert(entry, indexTokens(entry.nameZh, entry.nameEn))
        await record(m, {
          at: this.clock(),
          actor,
          action: 'catalogue_entry_created',
          subject: { type: 'catalogue_entry', id: entry.id },
          after: entry,
        })
      })
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('already_exists', `institution ${entry.institutionId} already has a catalogue entry with code ${entry.code}`)
      throw err
    }
    return entry
  }

  async update(id: string, changes: EntryChanges, actor: AuditActor): Promise<CatalogueEntryRecord> {
    const issues = await this.check(changes)
    if (issues.length) throw invalid(issues)
    return transaction(this.ds, async (m) => {
      const store = new CatalogueStore(m)
      const current = await store.find(id)
      if (!current) throw new AppError('not_found', `no such catalogue entry: ${id}`)
      const next: CatalogueEntryRecord = {
        ...current,
        achievementType: changes.achievementType ?? current.achievementType,
        creditsCenti: changes.credits === undefined ? current.creditsCenti : toCenti(changes.credits),
        level: changes.level ?? current.level,
        category: changes.category ?? current.category,
        field: changes.field ?? current.field,
        nameZh: changes.name?.zh ?? current.nameZh,
        nameEn: changes.name?.en ?? current.nameEn,
        descriptionZh: changes.description?.zh ?? current.descriptionZh,
        descriptionEn: changes.description?.en ?? current.descriptionEn,
        status: changes.status ?? current.status,
        updatedAt: this.clock().toISOString(),
      }
      await store.update(next, indexTokens(next.nameZh, next.nameEn))
      await record(m, {
        at: this.clock(),
        actor,
        action: 'catalogue_entry_updated',
        subject: { type: 'catalogue_entry', id },
        before: current,
        after: next,
      })
      return next
    })
  }

  async get(id: string): Promise<CatalogueEntryRecord> {
    const found = await new CatalogueStore(this.ds).find(id)
    if (!found) throw new AppError('not_found', `no such catalogue entry: ${id}`)
    return found
  }

  /** An institution's entry by its code (what imports name), or undefined. */
  findByCode(institutionId: string, code: string): Promise<CatalogueEntryRecord | undefined> {
    return new CatalogueStore(this.ds).findByCode(institutionId, code)
  }

  async browse(query: BrowseQuery): Promise<Page<CatalogueEntryRecord>> {
    const key = query.cursor === undefined ? undefined : decodeCursor(query.cursor)
    const after = key && { code: key[0], id: key[1] }
    const search = query.q === undefined ? undefined : queryTokens(query.q)
    if (search && !search.tokens.length) throw invalid([{ path: '/query/q', message: 'must hold a letter, digit or Chinese character' }])
    const filter: CatalogueFilter = {
      ...(query.level !== undefined ? { level: query.level } : {}),
      ...(query.category ? { category: query.category } : {}),
      ...(query.institutionId ? { institutionId: query.institutionId } : {}),
      ...(query.field ? { field: query.field } : {}),
      ...((query.status ?? 'active') !== 'any' ? { status: (query.status ?? 'active') as EntryStatus } : {}),
      ...(search ? { search } : {}),
      ...(after ? { after } : {}),
    }
    // One more than asked: whether there is a next page, without a count.
    const rows = await new CatalogueStore(this.ds).search(filter, query.limit + 1)
    const items = rows.slice(0, query.limit)
    const last = items.at(-1)
    return rows.length > query.limit && last ? { items, nextCursor: encodeCursor([last.code, last.id]) } : { items }
  }

  private async check(e: { level?: number; credits?: number }): Promise<Issue[]> {
    const issues: Issue[] = []
    if (e.level !== undefined && !(await this.levels.hasLevels([e.level])).length)
      issues.push({ path: '/level', message: `no such framework level: ${e.level}` })
    if (e.credits !== undefined && Math.abs(toCenti(e.credits) - e.credits * 100) > 1e-6)
      issues.push({ path: '/credits', message: 'at most two decimals' })
    return issues
  }
}

const invalid = (issues: Issue[]): AppError =>
  new AppError('invalid_request', `the request is not valid: ${issues[0]!.path} ${issues[0]!.message}`, { issues })
