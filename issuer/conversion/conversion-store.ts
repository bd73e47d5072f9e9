// The only SQL over cb_conversion_rule, cb_conversion_rule_version, cb_conversion_generation, cb_conversion_application
// and cb_conversion_use: conversion rules and their versions, learners' applications, and the outcomes they use.
import { forUpdate, sql, type Db } from '../../core/store/sql.ts'
import type { IdentityObject } from '../../core/credentials/types.ts'
import type { RuleDefinition } from './conversion-rules.ts'

export interface RuleRecord {
  readonly id: string
  readonly targetInstitutionId: string
  readonly targetEntryId: string
  readonly currentVersion: number
  readonly active: boolean
  readonly createdBy: string
  readonly createdAt: string
  readonly updatedAt: string
}

export interface RuleVersionRecord {
  readonly ruleId: string
  readonly version: number
  readonly definition: RuleDefinition
  readonly createdBy: string
  readonly createdAt: string
}

/** An outcome an application uses, as it stood when the learner applied. */
export interface AppliedOutcome {
  readonly id: string
  readonly catalogueEntryId: string
  readonly credentialId: string
  readonly result: string | null
  readonly awardedDate: string
  readonly name: { readonly zh: string; readonly en: string }
}

export const APPLICATION_STATES = ['pending', 'approved', 'rejected'] as const
export type ApplicationState = (typeof APPLICATION_STATES)[number]

export interface ApplicationRecord {
  readonly id: string
  readonly ruleId: string
  readonly ruleVersion: number
  readonly learnerUserId: string
  readonly idHash: string
  readonly identityObject: IdentityObject
  readonly targetInstitutionId: string
  readonly targetEntryId: string
  readonly programmeCode: string | null
  readonly creditsCenti: number
  readonly outcomes: readonly AppliedOutcome[]
  readonly state: ApplicationState
  readonly reasonZh: string | null
  readonly reasonEn: string | null
  readonly decidedBy: string | null
  readonly decidedAt: string | null
  readonly credentialId: string | null
  readonly createdAt: string
  readonly updatedAt: string
}

interface RuleRow {
  id: string
  target_institution_id: string
  target_entry_id: string
  current_version: number | string
  active: number | string
  created_by: string
  created_at: string
  updated_at: string
}

interface VersionRow {
  rule_id: string
  version: number | string
  definition: string
  created_by: string
  created_at: string
}

interface ApplicationRow {
  id: string
  rule_id: string
  rule_version: number | string
  learner_user_id: string
  id_hash: string
  identity_object: string
  target_institution_id: string
  target_entry_id: string
  programme_code: string | null
  credits_centi: number | string
  outcomes: string
  state: string
  reason_zh: string | null
  reason_en: string | null
  decided_by: string | null
  decided_at: string | null
  credential_id: string | null
  created_at: string
  updated_at: string
}

const RULE_COLUMNS = 'id, target_institution_id, target_entry_id, current_version, active, created_by, created_at, updated_at'
const VERSION_COLUMNS = 'rule_id, version, definition, created_by, created_at'
const APPLICATION_COLUMNS =
  'id, rule_id, rule_version, learner_user_id, id_hash, identity_object, target_institution_id, target_entry_id, programme_code, credits_centi, outcomes, state, reason_zh, reason_en, decided_by, decided_at, credential_id, created_at, updated_at'

const toRule = (r: RuleRow): RuleRecord => ({
  id: r.id,
  targetInstitutionId: r.target_institution_id,
  targetEntryId: r.target_entry_id,
  currentVersion: Number(r.current_version),
  active: Number(r.active) === 1,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

const toVersion = (r: VersionRow): RuleVersionRecord => ({
  ruleId: r.rule_id,
  version: Number(r.version),
  definition: JSON.parse(r.definition) as RuleDefinition,
  createdBy: r.created_by,
  createdAt: r.created_at,
})

const toApplication = (r: ApplicationRow): ApplicationRecord => ({
  id: r.id,
  ruleId: r.rule_id,
  ruleVersion: Number(r.rule_version),
  learnerUserId: r.learner_user_id,
  idHash: r.id_hash,
  identityObject: JSON.parse(r.identity_object) as IdentityObject,
  targetInstitutionId: r.target_institution_id,
  targetEntryId: r.target_entry_id,
  programmeCode: r.programme_code ?? null,
  creditsCenti: Number(r.credits_centi),
  outcomes: JSON.parse(r.outcomes) as AppliedOutcome[],
  state: r.state as ApplicationState,
  reasonZh: r.reason_zh ?? null,
  reasonEn: r.reason_en ?? null,
  decidedBy: r.decided_by ?? null,
  decidedAt: r.decided_at ?? null,
  credentialId: r.credential_id ?? null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

/** Rows per INSERT of use rows (2 parameters each). */
const IDS_PER_STATEMENT = 500

/** Over a DataSource, or over a transaction's EntityManager to take part in it. */
export class ConversionStore {
  constructor(private readonly db: Db) {}

  async insertRule(r: RuleRecord): Promise<void> {
    await sql(this.db, `INSERT INTO cb_conversion_rule (${RULE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
      r.id,
      r.targetInstitutionId,
      r.targetEntryId,
      r.currentVersion,
      r.active ? 1 : 0,
      r.createdBy,
      r.createdAt,
      r.updatedAt,
    ])
  }

  /** A new current version (its number one past the last: a taken number is a unique violation). */
  async setCurrentVersion(id: string, version: number, active: boolean, updatedAt: string): Promise<void> {
    await sql(this.db, 'UPDATE cb_conversion_rule SET current_version = ?, active = ?, updated_at = ? WHERE id = ?', [
      version,
      active ? 1 : 0,
      updatedAt,
      id,
    ])
  }

  async insertVersion(v: RuleVersionRecord): Promise<void> {
    await sql(this.db, `INSERT INTO cb_conversion_rule_version (${VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?)`, [
      v.ruleId,
      v.version,
      JSON.stringify(v.definition),
      v.createdBy,
      v.createdAt,
    ])
  }

  /** `lock` holds the row until the transaction ends (PostgreSQL; SQLite transactions here are exclusive anyway). */
  async findRule(id: string, opts: { lock?: boolean } = {}): Promise<RuleRecord | undefined> {
    const [row] = await sql<RuleRow>(
      this.db,
      `SELECT ${RULE_COLUMNS} FROM cb_conversion_rule WHERE id = ?${opts.lock ? forUpdate(this.db) : ''}`,
      [id],
    )
    return row && toRule(row)
  }

  async findVersion(ruleId: string, version: number): Promise<RuleVersionRecord | undefined> {
    const [row] = await sql<VersionRow>(
      this.db,
      `SELECT ${VERSION_COLUMNS} FROM cb_conversion_rule_version WHERE rule_id = ? AND version = ?`,
      [ruleId, version],
    )
    return row && toVersion(row)
  }

  async versionsOf(ruleId: string): Promise<RuleVersionRecord[]> {
    const rows = await sql<VersionRow>(
      this.db,
      `SELECT ${VERSION_COLUMNS} FROM cb_conversion_rule_version WHERE rule_id = ? ORDER BY version`,
      [ruleId],
    )
    return rows.map(toVersion)
  }

  /** At most `limit` rules by id after `afterId`, optionally of one target institution. */
  async listRules(filter: { targetInstitutionId?: string; afterId?: string }, limit: number): Promise<RuleRecord[]> {
    const where: string[] = []
    const params: unknown[] = []
    if (filter.targetInstitutionId) {
      where.push('target_institution_id = ?')
      params.push(filter.targetInstitutionId)
    }
    if (filter.afterId) {
      where.push('id > ?')
      params.push(filter.afterId)
    }
    const rows = await sql<RuleRow>(
      this.db,
      `SELECT ${RULE_COLUMNS} FROM cb_conversion_rule${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`,
      [...params, limit],
    )
    return rows.map(toRule)
  }

  /** The current version of every active rule (what the advice index is built from). */
  async activeCurrentVersions(): Promise<RuleVersionRecord[]> {
    const rows = await sql<VersionRow>(
      this.db,
      `SELECT v.rule_id, v.version, v.definition, v.created_by, v.created_at FROM cb_conversion_rule r
       JOIN cb_conversion_rule_version v ON v.rule_id = r.id AND v.version = r.current_version WHERE r.active = 1`,
    )
    return rows.map(toVersion)
  }

  async generation(): Promise<number> {
    const [row] = await sql<{ generation: number | string }>(this.db, 'SELECT generation FROM cb_conversion_generation WHERE id = 1')
    return Number(row?.generation ?? 0)
  }

  /** In a rule change's transaction: every instance's index is stale from its commit on. */
  async bumpGeneration(): Promise<void> {
    await sql(this.db, 'UPDATE cb_conversion_generation SET generation = generation + 1 WHERE id = 1')
  }

  async insertApplication(a: ApplicationRecord): Promise<void> {
    await sql(
      this.db,
      `INSERT INTO cb_conversion_application (${APPLICATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        a.id,
        a.ruleId,
        a.ruleVersion,
        a.learnerUserId,
        a.idHash,
        JSON.stringify(a.identityObject),
        a.targetInstitutionId,
        a.targetEntryId,
        a.programmeCode,
        a.creditsCenti,
        JSON.stringify(a.outcomes),
        a.state,
        a.reasonZh,
        a.reasonEn,
        a.decidedBy,
        a.decidedAt,
        a.credentialId,
        a.createdAt,
        a.updatedAt,
      ],
    )
  }

  async decideApplication(
    id: string,
    d: Pick<ApplicationRecord, 'state' | 'reasonZh' | 'reasonEn' | 'decidedBy' | 'decidedAt' | 'credentialId' | 'updatedAt'>,
  ): Promise<void> {
    await sql(
      this.db,
      'UPDATE cb_conversion_application SET state = ?, reason_zh = ?, reason_en = ?, decided_by = ?, decided_at = ?, credential_id = ?, updated_at = ? WHERE id = ?',
      [d.state, d.reasonZh, d.reasonEn, d.decidedBy, d.decidedAt, d.credentialId, d.updatedAt, id],
    )
  }

  async findApplication(id: string, opts: { lock?: boolean } = {}): Promise<ApplicationRecord | undefined> {
    const [row] = await sql<ApplicationRow>(
      this.db,
      `SELECT ${APPLICATION_COLUMNS} FROM cb_conversion_application WHERE id = ?${opts.lock ? forUpdate(this.db) : ''}`,
      [id],
    )
    return row && toApplication(row)
  }

  /** A learner's applications, newest first (`lock`: held until the transaction ends, so a learner's decisions queue). */
  async applicationsOf(idHash: string, opts: { lock?: boolean } = {}): Promise<ApplicationRecord[]> {
    const rows = await sql<ApplicationRow>(
      this.db,
      `SELECT ${APPLICATION_COLUMNS} FROM cb_conversion_application WHERE id_hash = ? ORDER BY created_at DESC, id DESC${opts.lock ? forUpdate(this.db) : ''}`,
      [idHash],
    )
    return rows.map(toApplication)
  }

  /** A target institution's applications, oldest first, optionally in one state, after (createdAt, id). */
  async applicationsFor(
    institutionId: string,
    filter: { state?: ApplicationState; after?: { createdAt: string; id: string } },
    limit: number,
  ): Promise<ApplicationRecord[]> {
    const where = ['target_institution_id = ?']
    const params: unknown[] = [institutionId]
    if (filter.state) {
      where.push('state = ?')
      params.push(filter.state)
    }
    if (filter.after) {
      where.push('(created_at > ? OR (created_at = ? AND id > ?))')
      params.push(filter.after.createdAt, filter.after.createdAt, filter.after.id)
    }
    const rows = await sql<ApplicationRow>(
      this.db,
      `SELECT ${APPLICATION_COLUMNS} FROM cb_conversion_application WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT ?`,
      [...params, limit],
    )
    return rows.map(toApplication)
  }

  /** Marks outcomes as used by an application: an outcome another pending or approved application uses is a unique violation. */
  async insertUses(applicationId: string, outcomeIds: readonly string[]): Promise<void> {
    for (let i = 0; i < outcomeIds.length; i += IDS_PER_STATEMENT) {
      const part = outcomeIds.slice(i, i + IDS_PER_STATEMENT)
      await sql(
        this.db,
        `INSERT INTO cb_conversion_use (outcome_id, application_id) VALUES ${part.map(() => '(?, ?)').join(', ')}`,
        part.flatMap((id) => [id, applicationId]),
      )
    }
  }

  async deleteUses(applicationId: string): Promise<void> {
    await sql(this.db, 'DELETE FROM cb_conversion_use WHERE application_id = ?', [applicationId])
  }

  /** Which of `outcomeIds` a pending or approved application uses, and which application. */
  async usesAmong(outcomeIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>()
    for (let i = 0; i < outcomeIds.length; i += IDS_PER_STATEMENT) {
      const part = outcomeIds.slice(i, i + IDS_PER_STATEMENT)
      const rows = await sql<{ outcome_id: string; application_id: string }>(
        this.db,
        `SELECT outcome_id, application_id FROM cb_conversion_use WHERE outcome_id IN (${part.map(() => '?').join(', ')})`,
        part,
      )
      for (const r of rows) out.set(r.outcome_id, r.application_id)
    }
    return out
  }
}
