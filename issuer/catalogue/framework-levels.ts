// The learning-outcomes framework (DOMAIN.md): levels as reference data, seeded with 7 by the migration; every edit is a
// new version, and the earlier ones stay readable.
import { record, type AuditActor } from '../audit/audit-trail.ts'
import type { DataSource } from 'typeorm'
import type { Clock } from '../../core/clock.ts'
import { AppError } from '../../core/errors.ts'
import { transaction } from '../../core/store/sql.ts'
import { FrameworkLevelStore, type FrameworkLevelRecord } from './framework-level-store.ts'

export interface LevelText {
  readonly name: { readonly zh: string; readonly en: string }
  readonly descriptor: { readonly zh: string; readonly en: string }
}

export class FrameworkLevels {
  private readonly ds: DataSource
  private readonly clock: Clock

  constructor(deps: { ds: DataSource; clock: Clock }) {
    this.ds = deps.ds
    this.clock = deps.clock
  }

  list(): Promise<FrameworkLevelRecord[]> {
    return new FrameworkLevelStore(this.ds).list()
  }

  /** The levels among `levels` that exist. */
  async hasLevels(levels: readonly number[]): Promise<number[]> {
    const known = new Set((await this.list()).map((l) => l.level))
    return levels.filter((l) => known.has(l))
  }

  /** Every version of a level, oldest first; not_found for a level the framework does not have. */
  async history(level: number): Promise<FrameworkLevelRecord[]> {
    const versions = await new FrameworkLevelStore(this.ds).history(level)
    if (!versions.length) throw new AppError('not_found', `no such framework level: ${level}`)
    return versions
  }

  /** A new version of an existing level's names and descriptors, by `actor` (recorded as its editor). */
  async edit(level: number, text: LevelText, actor: AuditActor): Promise<FrameworkLevelRecord> {
    return transaction(this.ds, async (m) => {
      const store = new FrameworkLevelStore(m)
      const current = await store.find(level, true)
      if (!current) throw new AppError('not_found', `no such framework level: ${level}`)
      const next: FrameworkLevelRecord = {
        level,
        version: current.version + 1,
        nameZh: text.name.zh,
        nameEn: text.name.en,
        descriptorZh: text.descriptor.zh,
        descriptorEn: text.descriptor.en,
        updatedAt: this.clock().toISOString(),
        updatedBy: actor.id,
      }
      await store.saveVersion(next)
      await record(m, {
        at: this.clock(),
        actor,
        action: 'framework_level_edited',
        subject: { type: 'framework_level', id: String(level) },
        before: current,
        after: next,
      })
      return next
    })
  }
}
