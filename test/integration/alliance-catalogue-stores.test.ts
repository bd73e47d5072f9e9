// The alliance and catalogue stores against a real database: SQLite, and the PostgreSQL of CB_TEST_DATABASE_URL when it
// is set. The migration's seed, unique keys, search tokens, the stable order and the accreditationAt use case.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { DataSource } from 'typeorm'
import { fixedClock } from '../../core/clock.ts'
import { openDataSource } from '../../core/store/data-source.ts'
import { isUniqueViolation, transaction } from '../../core/store/sql.ts'
import { Alliance } from '../../issuer/alliance/alliance.ts'
import { BANK_ACTOR } from '../../issuer/audit/audit-trail.ts'
import { InstitutionStore, type InstitutionRecord } from '../../issuer/alliance/institution-store.ts'
import { CatalogueStore, type CatalogueEntryRecord } from '../../issuer/catalogue/catalogue-store.ts'
import { FrameworkLevelStore } from '../../issuer/catalogue/framework-level-store.ts'
import { FrameworkLevels } from '../../issuer/catalogue/framework-levels.ts'
import { indexTokens, queryTokens } from '../../issuer/catalogue/search-tokens.ts'
import { resetPostgres } from '../../fixtures/test-system.ts'

const NOW = '2026-03-01T08:00:00.000Z'

const DATABASES: { name: string; open(): Promise<{ ds: DataSource; close(): Promise<void> }> }[] = [
  {
    name: 'SQLite',
    async open() {
      const dir = mkdtempSync(path.join(tmpdir(), 'credit-bank-alliance-'))
      const ds = await openDataSource({ type: 'sqlite', database: path.join(dir, 'issuer.sqlite') }, 'issuer')
      return {
        ds,
        async close() {
          await ds.destroy()
          rmSync(dir, { recursive: true, force: true })
        },
      }
    },
  },
]
const pg = process.env.CB_TEST_DATABASE_URL
if (pg)
  DATABASES.push({
    name: 'PostgreSQL',
    async open() {
      await resetPostgres(pg)
      const ds = await openDataSource({ type: 'postgres', url: pg }, 'issuer')
      return { ds, close: () => ds.destroy() }
    },
  })

const institution = (id: string, extra: Partial<InstitutionRecord> = {}): InstitutionRecord => ({
  id,
  type: 'university',
  nameZh: `${id}大学`,
  nameEn: `${id} University`,
  region: 'Jiangsu',
  did: null,
  contact: {},
  createdAt: NOW,
  updatedAt: NOW,
  ...extra,
})

const entry = (id: string, institutionId: string, code: string, nameZh: string, nameEn: string): CatalogueEntryRecord => ({
  id,
  institutionId,
  code,
  achievementType: 'Course',
  creditsCenti: 250,
  level: 5,
  category: 'academic',
  field: 'computer-science',
  nameZh,
  nameEn,
  descriptionZh: '',
  descriptionEn: '',
  status: 'active',
  createdAt: NOW,
  updatedAt: NOW,
})

async function rejection(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn()
  } catch (err) {
    return err
  }
  assert.fail('expected a rejection')
}

for (const db of DATABASES) {
  describe(`alliance and catalogue stores on ${db.name}`, () => {
    let ds: DataSource
    let close: () => Promise<void>
    before(async () => {
      ;({ ds, close } = await db.open())
      const store = new InstitutionStore(ds)
      for (const id of ['nju', 'seu']) await store.insert(institution(id))
    })
    after(() => close())

    it('when the database is migrated, then the framework holds 7 levels, each with its seeded version in the history', async () => {
      const store = new FrameworkLevelStore(ds)
      const levels = await store.list()
      assert.deepEqual(
        levels.map((l) => [l.level, l.version]),
        [1, 2, 3, 4, 5, 6, 7].map((l) => [l, 1]),
      )
      assert.ok(levels.every((l) => l.nameZh && l.nameEn && l.descriptorZh && l.descriptorEn && l.updatedBy === null))
      assert.deepEqual(await store.history(2), [levels[1]])
    })

    it('when a level is saved as a new version, then it is in force and both versions are in its history', async () => {
      const store = new FrameworkLevelStore(ds)
      const v1 = (await store.find(4))!
      const v2 = { ...v1, version: 2, nameEn: 'Level 4 (revised)', updatedAt: NOW, updatedBy: 'client-1' }
      await transaction(ds, (m) => new FrameworkLevelStore(m).saveVersion(v2))
      assert.deepEqual(await store.find(4, false), v2)
      assert.deepEqual(await store.history(4), [v1, v2])
      assert.ok(isUniqueViolation(await rejection(() => transaction(ds, (m) => new FrameworkLevelStore(m).saveVersion(v2)))))
    })

    it('when institutions are stored, then they read back typed, list by id with filters, and an id is unique', async () => {
      const store = new InstitutionStore(ds)
      const full = institution('zz-college', {
        type: 'vocational_college',
        region: 'Suzhou',
        did: 'did:web:zz.example',
        contact: { email: 'office@zz.example' },
      })
      await store.insert(full)
      assert.deepEqual(await store.find('zz-college'), full)
      assert.equal(await store.find('nobody'), undefined)
      assert.deepEqual(
        (await store.list({}, 10)).map((i) => i.id),
        ['nju', 'seu', 'zz-college'],
      )
      assert.deepEqual(
        (await store.list({ afterId: 'nju' }, 1)).map((i) => i.id),
        ['seu'],
      )
      assert.deepEqual(
        (await store.list({ type: 'vocational_college', region: 'Suzhou' }, 10)).map((i) => i.id),
        ['zz-college'],
      )
      assert.ok(isUniqueViolation(await rejection(() => store.insert(institution('nju')))))
      await store.update({ ...full, nameEn: 'ZZ College', did: null, updatedAt: '2026-03-02T00:00:00.000Z' })
      assert.deepEqual(await store.find('zz-college'), { ...full, nameEn: 'ZZ College', did: null, updatedAt: '2026-03-02T00:00:00.000Z' })
    })

    it('when scopes are stored, then accreditationAt answers the scopes in force at a date: not before, not at or after the end', async () => {
      const clock = fixedClock(NOW)
      const levels = new FrameworkLevels({ ds, clock })
      const alliance = new Alliance({ ds, clock, levels })
      const a = await alliance.addScope(
        'seu',
        {
          categories: ['academic'],
          levels: [5, 4],
          validFrom: '2026-01-01T00:00:00Z',
          validUntil: '2026-07-01T00:00:00Z',
        },
        BANK_ACTOR,
      )
      const b = await alliance.addScope(
        'seu',
        {
          categories: ['non_academic'],
          levels: [3],
          fields: ['nursing'],
          validFrom: '2026-06-01T00:00:00Z',
        },
        BANK_ACTOR,
      )
      assert.deepEqual(a.levels, [4, 5])
      assert.deepEqual(await new InstitutionStore(ds).scopesOf('seu'), [a, b])
      const ids = async (at: string) => (await alliance.accreditationAt('seu', new Date(at))).map((s) => s.id)
      assert.deepEqual(await ids('2025-12-31T23:59:59.999Z'), [])
      assert.deepEqual(await ids('2026-01-01T00:00:00.000Z'), [a.id])
      assert.deepEqual(await ids('2026-06-15T00:00:00.000Z'), [a.id, b.id])
      assert.deepEqual(await ids('2026-07-01T00:00:00.000Z'), [b.id])
      assert.equal(
        await alliance.mayDeposit('seu', { category: 'non_academic', level: 3, field: 'nursing' }, new Date('2026-06-15T00:00:00Z')),
        true,
      )
      assert.equal(
        await alliance.mayDeposit('seu', { category: 'non_academic', level: 3, field: 'welding' }, new Date('2026-06-15T00:00:00Z')),
        false,
      )
      assert.equal(
        await alliance.mayDeposit('seu', { category: 'academic', level: 5, field: 'any' }, new Date('2026-07-01T00:00:00Z')),
        false,
      )
      await assert.rejects(() => alliance.accreditationAt('nobody', new Date(NOW)), { code: 'not_found' })
    })

    it('when catalogue entries are stored, then (institution, code) is unique and search uses their tokens in (code, id) order', async () => {
      const store = new CatalogueStore(ds)
      const e1 = entry('00000000-0000-4000-8000-000000000002', 'nju', 'CS201', '数据结构与算法', 'Data Structures and Algorithms')
      const e2 = entry('00000000-0000-4000-8000-000000000001', 'seu', 'CS201', '算法设计', 'Algorithm Design')
      const e3 = entry('00000000-0000-4000-8000-000000000003', 'seu', 'AB100', '100%_折扣\\测试', 'Percent_Test')
      for (const e of [e1, e2, e3]) await transaction(ds, (m) => new CatalogueStore(m).insert(e, indexTokens(e.nameZh, e.nameEn)))
      assert.deepEqual(await store.find(e1.id), e1)
      assert.deepEqual(await store.findByCode('seu', 'CS201'), e2)
      assert.ok(isUniqueViolation(await rejection(() => store.insert({ ...e1, id: '00000000-0000-4000-8000-000000000009' }, []))))
      const search = async (q: string) => (await store.search({ search: queryTokens(q) }, 10)).map((e) => e.id)
      assert.deepEqual(await search('算法'), [e2.id, e1.id]) // code CS201 for both: then by id
      assert.deepEqual(await search('结构与'), [e1.id])
      assert.deepEqual(await search('algo'), [e2.id, e1.id])
      assert.deepEqual(await search('折扣'), [e3.id]) // symbols split runs: 折扣 and 测试 are runs of their own
      assert.deepEqual(await search('扣测'), [])
      assert.deepEqual(await search('percent_test'), [e3.id])
      assert.deepEqual(
        (await store.search({}, 10)).map((e) => e.code),
        ['AB100', 'CS201', 'CS201'],
      )
      assert.deepEqual(
        (await store.search({ after: { code: 'CS201', id: e2.id } }, 10)).map((e) => e.id),
        [e1.id],
      )
      assert.deepEqual(
        (await store.search({ institutionId: 'seu', level: 5, category: 'academic', field: 'computer-science', status: 'active' }, 1)).map(
          (e) => e.id,
        ),
        [e3.id],
      )
    })

    it('when an entry is updated, then its search tokens are replaced', async () => {
      const store = new CatalogueStore(ds)
      const e = entry('00000000-0000-4000-8000-000000000010', 'nju', 'ML1', '机器学习', 'Machine Learning')
      await transaction(ds, (m) => new CatalogueStore(m).insert(e, indexTokens(e.nameZh, e.nameEn)))
      const renamed = { ...e, nameZh: '深度学习', status: 'retired' as const, updatedAt: '2026-03-02T00:00:00.000Z' }
      await transaction(ds, (m) => new CatalogueStore(m).update(renamed, indexTokens(renamed.nameZh, renamed.nameEn)))
      assert.deepEqual(await store.find(e.id), renamed)
      assert.deepEqual(await store.tokensOf(e.id), indexTokens('深度学习', 'Machine Learning').sort())
      assert.deepEqual(await store.search({ search: queryTokens('机器') }, 10), [])
    })
  })
}
