// The alliance, the framework and the public catalogue over HTTP: public reads without a token, writes only for API
// clients with alliance:manage / catalogue:manage (or admin), Chinese search by any two consecutive characters, English
// search in any case, cursor paging in a stable order, and 400 issues[] / 401 / 403 / 404 / 409 where they belong.
import assert from 'node:assert/strict'
import { createApiClient } from '../../issuer/clients/api-clients.ts'
import { assertProblem, auth, startTestSystem, type HttpResult, type TestSystem } from '../../fixtures/test-system.ts'

type Json = Record<string, unknown>
interface Entry {
  id: string
  code: string
  institutionId: string
  name: { zh: string; en: string }
  level: number
  category: string
  field: string
  credits: number
  status: string
}
interface Problem {
  issues?: { path: string; message: string }[]
}

describe('alliance, framework and catalogue (HTTP)', () => {
  let sys: TestSystem
  let manager: string // alliance:manage + catalogue:manage
  let allianceOnly: string
  let admin: string

  async function call<T = Json>(method: string, path: string, body?: unknown, token?: string): Promise<HttpResult<T>> {
    const res = await fetch(`${sys.issuerUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? auth(token) : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as T }
  }
  const get = <T = Json>(path: string) => call<T>('GET', path)
  const issuePaths = (res: HttpResult<unknown>) => ((res.body as Problem).issues ?? []).map((i) => i.path)

  const institution = (id: string, extra: Json = {}) => ({
    id,
    type: 'university',
    name: { zh: `${id}大学`, en: `${id} University` },
    region: 'Jiangsu',
    ...extra,
  })
  const entry = (institutionId: string, code: string, zh: string, en: string, extra: Json = {}) => ({
    institutionId,
    code,
    achievementType: 'Course',
    credits: 3,
    level: 5,
    category: 'academic',
    field: 'computer-science',
    name: { zh, en },
    ...extra,
  })
  async function createEntry(body: Json): Promise<Entry> {
    const res = await call<Entry>('POST', '/catalogue', body, manager)
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return res.body
  }

  before(async () => {
    sys = await startTestSystem()
    const ds = sys.issuer.ds
    manager = (await createApiClient(ds, sys.clock, { name: 'alliance office', scopes: ['alliance:manage', 'catalogue:manage'] })).token
    allianceOnly = (await createApiClient(ds, sys.clock, { name: 'membership desk', scopes: ['alliance:manage'] })).token
    admin = (await createApiClient(ds, sys.clock, { name: 'operator', scopes: ['admin'] })).token
    for (const id of ['nju', 'seu']) assert.equal((await call('POST', '/institutions', institution(id), manager)).status, 201)
    assert.equal(
      (await call('POST', '/institutions', institution('jsvc', { type: 'vocational_college', region: 'Suzhou' }), manager)).status,
      201,
    )
  })
  after(() => sys.close())

  describe('institutions', () => {
    it('when an institution is created, then anyone reads it back without a token, with its did:web and contact', async () => {
      const did = 'did:web:njupt.edu.example'
      const contact = { email: 'office@njupt.edu.example', phone: '+86 25 1234 5678' }
      const body = institution('njupt', { did, contact })
      const created = await call('POST', '/institutions', body, manager)
      assert.equal(created.status, 201)
      assert.equal(created.headers.get('location'), '/institutions/njupt')
      const read = await get(`/institutions/njupt`)
      assert.equal(read.status, 200)
      assert.deepEqual(
        { id: read.body.id, type: read.body.type, name: read.body.name, did: read.body.did, contact: read.body.contact },
        { id: 'njupt', type: 'university', name: body.name, did, contact },
      )
      assert.deepEqual(read.body.accreditation, [])
    })

    it('when no id is given, then the bank makes one (a UUID)', async () => {
      const { id: _, ...body } = institution('x')
      const created = await call('POST', '/institutions', { ...body, type: 'enterprise' }, admin)
      assert.equal(created.status, 201)
      assert.match(String(created.body.id), /^[0-9a-f-]{36}$/)
    })

    it('when a write comes without a token, then 401; with a token lacking alliance:manage, then 403', async () => {
      assertProblem(await call('POST', '/institutions', institution('anon')), 401, 'unauthorized')
      assertProblem(await call('POST', '/institutions', institution('anon'), sys.token), 403, 'forbidden')
      assertProblem(await call('PATCH', '/institutions/nju', { region: 'Nanjing' }, sys.token), 403, 'forbidden')
      const scope = { categories: ['academic'], levels: [5], validFrom: '2026-01-01T00:00:00Z' }
      assertProblem(await call('POST', '/institutions/nju/scopes', scope), 401, 'unauthorized')
      assertProblem(await call('POST', '/institutions/nju/scopes', scope, sys.token), 403, 'forbidden')
    })

    it('when the id is taken, then 409 already_exists', async () => {
      assertProblem(await call('POST', '/institutions', institution('nju'), manager), 409, 'already_exists')
    })

    it('when the body is wrong, then 400 with an issue for each problem', async () => {
      const res = await call('POST', '/institutions', { type: 'school', name: { zh: '某校' }, region: 'Jiangsu', extra: 1 }, manager)
      assertProblem(res, 400, 'invalid_request')
      assert.deepEqual(issuePaths(res).sort(), ['/extra', '/name/en', '/type'])
    })

    it('when the did is not a did:web naming a host, then 400 pointing at /did', async () => {
      for (const did of [
        'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
        'did:web:127.0.0.1',
        'did:web:Bank.Example',
        'did:web:intranet',
      ]) {
        const res = await call('POST', '/institutions', institution('didtest', { did }), manager)
        assertProblem(res, 400, 'invalid_request')
        assert.deepEqual(issuePaths(res), ['/did'], did)
      }
    })

    it('when an institution is patched, then only the named fields change, and did null removes the DID', async () => {
      await call('POST', '/institutions', institution('patchme', { did: 'did:web:patchme.example' }), manager)
      const res = await call('PATCH', '/institutions/patchme', { name: { en: 'Patched University' }, did: null }, manager)
      assert.equal(res.status, 200)
      assert.deepEqual(res.body.name, { zh: 'patchme大学', en: 'Patched University' })
      assert.equal(res.body.did, undefined)
      assertProblem(await call('PATCH', '/institutions/nobody', { region: 'Wuxi' }, manager), 404, 'not_found')
      assertProblem(await call('PATCH', '/institutions/patchme', {}, manager), 400, 'invalid_request')
    })

    it('when institutions are listed, then they filter by type and region and page by id', async () => {
      const colleges = await get<{ items: { id: string }[] }>('/institutions?type=vocational_college')
      assert.deepEqual(
        colleges.body.items.map((i) => i.id),
        ['jsvc'],
      )
      const suzhou = await get<{ items: { id: string }[] }>('/institutions?region=Suzhou')
      assert.deepEqual(
        suzhou.body.items.map((i) => i.id),
        ['jsvc'],
      )
      const seen: string[] = []
      let next: string | undefined
      do {
        const page = await get<{ items: { id: string }[]; next?: string }>(`/institutions?limit=2${next ? `&after=${next}` : ''}`)
        assert.equal(page.status, 200)
        assert.ok(page.body.items.length <= 2)
        seen.push(...page.body.items.map((i) => i.id))
        next = page.body.next
      } while (next)
      assert.deepEqual(seen, [...seen].sort())
      for (const id of ['jsvc', 'nju', 'seu']) assert.ok(seen.includes(id))
      assertProblem(await get('/institutions?limit=500'), 400, 'invalid_request')
      assertProblem(await get('/institutions?type=school'), 400, 'invalid_request')
    })

    it('when an institution does not exist or the id is malformed, then 404', async () => {
      assertProblem(await get('/institutions/nobody'), 404, 'not_found')
      assertProblem(await get('/institutions/NOT_AN_ID'), 404, 'not_found')
    })
  })

  describe('accreditation scopes', () => {
    it('when scopes are added, then the institution shows which are in force at the bank clock', async () => {
      await call('POST', '/institutions', institution('scoped'), manager)
      const current = await call(
        'POST',
        '/institutions/scoped/scopes',
        { categories: ['academic'], levels: [4, 5], validFrom: '2026-01-01T00:00:00Z' },
        manager,
      )
      assert.equal(current.status, 201)
      assert.deepEqual(current.body.fields, [])
      assert.equal(current.body.validUntil, null)
      const expired = await call(
        'POST',
        '/institutions/scoped/scopes',
        {
          categories: ['non_academic'],
          levels: [3],
          fields: ['nursing'],
          validFrom: '2025-01-01T00:00:00Z',
          validUntil: '2026-01-01T00:00:00Z',
        },
        manager,
      )
      const future = await call(
        'POST',
        '/institutions/scoped/scopes',
        { categories: ['academic'], levels: [6], validFrom: '2027-01-01T00:00:00+08:00' },
        manager,
      )
      assert.equal(future.body.validFrom, '2026-12-31T16:00:00.000Z')
      const read = await get<{ accreditation: { id: string; inForce: boolean }[] }>('/institutions/scoped')
      assert.deepEqual(
        read.body.accreditation.map((s) => [s.id, s.inForce]),
        [
          [expired.body.id, false],
          [current.body.id, true],
          [future.body.id, false],
        ],
      )
    })

    it('when a scope is ended, then it is no longer in force; reopened (null), it is again', async () => {
      await call('POST', '/institutions', institution('ending'), manager)
      const scope = await call(
        'POST',
        '/institutions/ending/scopes',
        { categories: ['academic'], levels: [2], validFrom: '2026-01-01T00:00:00Z' },
        manager,
      )
      const ended = await call('PATCH', `/institutions/ending/scopes/${scope.body.id}`, { validUntil: '2026-02-01T00:00:00Z' }, manager)
      assert.equal(ended.status, 200)
      assert.equal(ended.body.validUntil, '2026-02-01T00:00:00.000Z')
      const after = await get<{ accreditation: { inForce: boolean }[] }>('/institutions/ending')
      assert.equal(after.body.accreditation[0]!.inForce, false)
      await call('PATCH', `/institutions/ending/scopes/${scope.body.id}`, { validUntil: null }, manager)
      const reopened = await get<{ accreditation: { inForce: boolean }[] }>('/institutions/ending')
      assert.equal(reopened.body.accreditation[0]!.inForce, true)
      assertProblem(await call('PATCH', `/institutions/nju/scopes/${scope.body.id}`, { validUntil: null }, manager), 404, 'not_found')
      assertProblem(await call('PATCH', '/institutions/ending/scopes/not-a-uuid', { validUntil: null }, manager), 404, 'not_found')
      const before = await call('PATCH', `/institutions/ending/scopes/${scope.body.id}`, { validUntil: '2025-01-01T00:00:00Z' }, manager)
      assertProblem(before, 400, 'invalid_request')
      assert.deepEqual(issuePaths(before), ['/validUntil'])
    })

    it('when a scope is wrong, then 400 with issues; for an unknown institution, 404', async () => {
      const bad = await call('POST', '/institutions/nju/scopes', { categories: ['leisure'], levels: [], validFrom: 'yesterday' }, manager)
      assertProblem(bad, 400, 'invalid_request')
      assert.deepEqual(issuePaths(bad).sort(), ['/categories/0', '/levels', '/validFrom'])
      const unknownLevel = await call(
        'POST',
        '/institutions/nju/scopes',
        { categories: ['academic'], levels: [5, 42], validFrom: '2026-01-01T00:00:00Z', validUntil: '2025-01-01T00:00:00Z' },
        manager,
      )
      assertProblem(unknownLevel, 400, 'invalid_request')
      assert.deepEqual(issuePaths(unknownLevel).sort(), ['/levels', '/validUntil'])
      const scope = { categories: ['academic'], levels: [5], validFrom: '2026-01-01T00:00:00Z' }
      assertProblem(await call('POST', '/institutions/nobody/scopes', scope, manager), 404, 'not_found')
    })
  })

  describe('framework levels', () => {
    it('when anyone asks, then the 7 seeded levels come back in order with zh/en names and descriptors', async () => {
      const res = await get<{
        items: { level: number; version: number; name: { zh: string; en: string }; descriptor: { zh: string; en: string } }[]
      }>('/framework-levels')
      assert.equal(res.status, 200)
      assert.deepEqual(
        res.body.items.map((l) => l.level),
        [1, 2, 3, 4, 5, 6, 7],
      )
      assert.match(res.body.items[1]!.name.zh, /初级/)
      assert.match(res.body.items[5]!.name.en, /master/)
      for (const l of res.body.items) assert.ok(l.descriptor.zh && l.descriptor.en && l.version >= 1)
    })

    it('when a level is edited, then it gets a new version and the earlier one stays in its history', async () => {
      const edit = {
        name: { zh: '三级（中级，修订）', en: 'Level 3 (intermediate, revised)' },
        descriptor: { zh: '修订的描述', en: 'revised descriptor' },
      }
      const res = await call('PUT', '/framework-levels/3', edit, manager)
      assert.equal(res.status, 200)
      assert.equal(res.body.version, 2)
      const history = await get<{ items: { version: number; name: { zh: string } }[] }>('/framework-levels/3/history')
      assert.deepEqual(
        history.body.items.map((v) => [v.version, v.name.zh]),
        [
          [1, '三级（中级）'],
          [2, '三级（中级，修订）'],
        ],
      )
      const list = await get<{ items: { level: number; name: { en: string } }[] }>('/framework-levels')
      assert.equal(list.body.items.find((l) => l.level === 3)!.name.en, 'Level 3 (intermediate, revised)')
    })

    it('when an edit is unauthorized, forbidden, malformed or names no level, then 401, 403, 400, 404', async () => {
      const edit = { name: { zh: '名', en: 'name' }, descriptor: { zh: '述', en: 'descriptor' } }
      assertProblem(await call('PUT', '/framework-levels/2', edit), 401, 'unauthorized')
      assertProblem(await call('PUT', '/framework-levels/2', edit, allianceOnly), 403, 'forbidden')
      const bad = await call('PUT', '/framework-levels/2', { name: { zh: '名' } }, manager)
      assertProblem(bad, 400, 'invalid_request')
      assert.deepEqual(issuePaths(bad).sort(), ['/descriptor', '/name/en'])
      assertProblem(await call('PUT', '/framework-levels/42', edit, manager), 404, 'not_found')
      assertProblem(await get('/framework-levels/42/history'), 404, 'not_found')
      assertProblem(await get('/framework-levels/x/history'), 404, 'not_found')
    })
  })

  describe('catalogue', () => {
    let dsa: Entry
    before(async () => {
      dsa = await createEntry(entry('nju', 'CS201', '数据结构与算法', 'Data Structures and Algorithms'))
      await createEntry(entry('nju', 'CS101', '程序设计基础', 'Introduction to Programming', { level: 4 }))
      await createEntry(entry('seu', 'CS201', '算法设计与分析', 'Algorithm Design and Analysis', { level: 6 }))
      await createEntry(
        entry('jsvc', 'NUR-01', '老年护理', 'Elderly Care', {
          category: 'non_academic',
          level: 3,
          field: 'nursing',
          achievementType: 'Certificate',
          credits: 1.5,
        }),
      )
      await createEntry(entry('jsvc', 'OLD-01', '旧版数据库', 'Legacy Databases', { status: 'retired', level: 3 }))
    })

    const codes = async (query: string): Promise<string[]> => {
      const res = await get<{ items: Entry[] }>(`/catalogue?${query}`)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      return res.body.items.map((e) => `${e.institutionId}/${e.code}`)
    }
    const q = (s: string) => `q=${encodeURIComponent(s)}`

    it('when an entry is read by id, then it is public with its Achievement fields', async () => {
      const res = await get<Entry>(`/catalogue/${dsa.id}`)
      assert.equal(res.status, 200)
      assert.deepEqual(
        { code: res.body.code, credits: res.body.credits, level: res.body.level, name: res.body.name, status: res.body.status },
        { code: 'CS201', credits: 3, level: 5, name: { zh: '数据结构与算法', en: 'Data Structures and Algorithms' }, status: 'active' },
      )
      assert.equal(
        (await get<Entry>(`/catalogue/${(await createEntry(entry('seu', 'HALF', '半学分', 'Half', { credits: 0.5 }))).id}`)).body.credits,
        0.5,
      )
    })

    it('when a Chinese name is searched by any two consecutive characters, then it is found; characters out of order, not', async () => {
      for (const pair of ['数据', '据结', '结构', '构与', '与算', '算法']) assert.ok((await codes(q(pair))).includes('nju/CS201'), pair)
      assert.deepEqual(await codes(q('数据结构与算法')), ['nju/CS201'])
      assert.deepEqual(await codes(q('据结构')), ['nju/CS201'])
      assert.deepEqual((await codes(q('算法'))).sort(), ['nju/CS201', 'seu/CS201']) // same code: by id
      assert.deepEqual(await codes(q('护')), ['jsvc/NUR-01'])
      assert.deepEqual(await codes(q('结算')), [])
      assert.deepEqual(await codes(q('算法数据')), []) // each pair is in the name except 法数
      assert.deepEqual(await codes(q('构结')), [])
    })

    it('when an English name is searched, then case does not matter and a word prefix is enough', async () => {
      assert.deepEqual(await codes(q('DATA structures')), ['nju/CS201'])
      assert.deepEqual((await codes(q('algorithm'))).sort(), ['nju/CS201', 'seu/CS201'])
      assert.deepEqual(await codes(q('ELDER')), ['jsvc/NUR-01'])
      assert.deepEqual(await codes(q('ructures')), [])
      assert.deepEqual(await codes(q('data elderly')), [])
    })

    it('when filters are given, then only entries matching all of them come back; retired entries only when asked', async () => {
      assert.deepEqual(await codes('level=6'), ['seu/CS201'])
      assert.deepEqual(await codes('category=non_academic'), ['jsvc/NUR-01'])
      assert.deepEqual(await codes('institution=nju'), ['nju/CS101', 'nju/CS201'])
      assert.deepEqual(await codes('field=nursing'), ['jsvc/NUR-01'])
      assert.deepEqual(await codes(`institution=nju&level=5&${q('算法')}`), ['nju/CS201'])
      assert.deepEqual(await codes('institution=jsvc'), ['jsvc/NUR-01'])
      assert.deepEqual(await codes('institution=jsvc&status=retired'), ['jsvc/OLD-01'])
      assert.deepEqual(await codes('institution=jsvc&status=any'), ['jsvc/NUR-01', 'jsvc/OLD-01'])
    })

    it('when the catalogue is paged, then the pages are disjoint, in (code, id) order, and an entry added meanwhile moves nothing', async () => {
      await call('POST', '/institutions', institution('pager'), manager)
      const made: string[] = []
      for (const code of ['P-07', 'P-03', 'P-05', 'P-01', 'P-06', 'P-02', 'P-04'])
        made.push((await createEntry(entry('pager', code, '分页课程', 'Paging Course'))).code)
      const seen: string[] = []
      let cursor: string | undefined
      let pages = 0
      do {
        const res = await get<{ items: Entry[]; nextCursor?: string }>(
          `/catalogue?institution=pager&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        )
        assert.equal(res.status, 200)
        seen.push(...res.body.items.map((e) => e.code))
        cursor = res.body.nextCursor
        if (pages++ === 0) await createEntry(entry('pager', 'P-00', '分页课程', 'Paging Course')) // before the cursor: never shown
      } while (cursor)
      assert.equal(pages, 3)
      assert.deepEqual(seen, ['P-01', 'P-02', 'P-03', 'P-04', 'P-05', 'P-06', 'P-07'])
      // The same code at two institutions: ordered by id after code, each once.
      const all: string[] = []
      cursor = undefined
      do {
        const res: HttpResult<{ items: Entry[]; nextCursor?: string }> = await get(
          `/catalogue?limit=1&${q('数据')}${cursor ? `&cursor=${cursor}` : ''}`,
        )
        all.push(...res.body.items.map((e) => e.id))
        cursor = res.body.nextCursor
      } while (cursor)
      assert.equal(new Set(all).size, all.length)
    })

    it('when the query is wrong, then 400 with issues under /query', async () => {
      for (const [query, path] of [
        ['limit=0', '/query/limit'],
        ['limit=101', '/query/limit'],
        ['level=high', '/query/level'],
        ['category=leisure', '/query/category'],
        ['cursor=not-a-cursor', '/query/cursor'],
        [q('!!'), '/query/q'],
        ['sort=name', '/query/sort'],
      ]) {
        const res = await get(`/catalogue?${query}`)
        assertProblem(res, 400, 'invalid_request')
        assert.deepEqual(issuePaths(res), [path], query)
      }
    })

    it('when an entry does not exist or the id is not a UUID, then 404', async () => {
      assertProblem(await get('/catalogue/00000000-0000-4000-8000-000000000000'), 404, 'not_found')
      assertProblem(await get('/catalogue/CS201'), 404, 'not_found')
      assertProblem(
        await call('PATCH', '/catalogue/00000000-0000-4000-8000-000000000000', { status: 'retired' }, manager),
        404,
        'not_found',
      )
    })

    it('when an entry is created, then the code is unique per institution only, and references are checked', async () => {
      assertProblem(await call('POST', '/catalogue', entry('nju', 'CS201', '重复', 'Duplicate'), manager), 409, 'already_exists')
      assert.equal((await call('POST', '/catalogue', entry('njupt', 'CS201', '另一校', 'Another school'), manager)).status, 201)
      const bad = await call('POST', '/catalogue', entry('nobody', 'X1', '名', 'Name', { level: 42, credits: 1.234 }), manager)
      assertProblem(bad, 400, 'invalid_request')
      assert.deepEqual(issuePaths(bad).sort(), ['/credits', '/institutionId', '/level'])
      const schema = await call(
        'POST',
        '/catalogue',
        { ...entry('nju', 'bad code', '名', 'Name'), achievementType: 'Hobby', credits: -1 },
        manager,
      )
      assertProblem(schema, 400, 'invalid_request')
      assert.deepEqual(issuePaths(schema).sort(), ['/achievementType', '/code', '/credits'])
    })

    it('when a write comes without a token, then 401; without catalogue:manage, then 403', async () => {
      assertProblem(await call('POST', '/catalogue', entry('nju', 'Z1', '名', 'Name')), 401, 'unauthorized')
      assertProblem(await call('POST', '/catalogue', entry('nju', 'Z1', '名', 'Name'), allianceOnly), 403, 'forbidden')
      assertProblem(await call('PATCH', `/catalogue/${dsa.id}`, { status: 'retired' }, sys.token), 403, 'forbidden')
      assert.equal((await call('POST', '/catalogue', entry('nju', 'Z1', '名称', 'Name'), admin)).status, 201)
    })

    it('when an entry is renamed or retired, then search follows the new name and browse hides it', async () => {
      const e = await createEntry(entry('seu', 'REN-1', '机器学习', 'Machine Learning'))
      const renamed = await call<Entry>('PATCH', `/catalogue/${e.id}`, { name: { zh: '深度学习' }, credits: 4 }, manager)
      assert.equal(renamed.status, 200)
      assert.deepEqual(renamed.body.name, { zh: '深度学习', en: 'Machine Learning' })
      assert.equal(renamed.body.credits, 4)
      assert.deepEqual(await codes(q('机器')), [])
      assert.deepEqual(await codes(q('深度')), ['seu/REN-1'])
      assert.deepEqual(await codes(q('machine')), ['seu/REN-1'])
      await call('PATCH', `/catalogue/${e.id}`, { status: 'retired' }, manager)
      assert.deepEqual(await codes(q('深度')), [])
      assert.equal((await get<Entry>(`/catalogue/${e.id}`)).body.status, 'retired')
      const bad = await call('PATCH', `/catalogue/${e.id}`, { code: 'NEW', level: 0 }, manager)
      assertProblem(bad, 400, 'invalid_request')
      assert.deepEqual(issuePaths(bad).sort(), ['/code', '/level'])
    })
  })

  describe('audit trail', () => {
    it('when institutions, scopes, framework levels and catalogue entries change, then each change is in the audit trail with its API client, before and after', async () => {
      const created = await call('POST', '/institutions', institution('audited'), manager)
      assert.equal(created.status, 201)
      const scope = await call<{ id: string }>(
        'POST',
        '/institutions/audited/scopes',
        { categories: ['academic'], levels: [4], validFrom: '2026-01-01T00:00:00Z' },
        manager,
      )
      assert.equal(scope.status, 201)
      assert.equal((await call('PATCH', '/institutions/audited', { region: 'Zhejiang' }, manager)).status, 200)
      const level = (await get<{ items: Json[] }>('/framework-levels')).body.items[0]!
      assert.equal(
        (await call('PUT', `/framework-levels/${String(level.level)}`, { name: level.name, descriptor: level.descriptor }, manager)).status,
        200,
      )
      const added = await createEntry(entry('audited', 'AUD1', '审计课程', 'Audited Course'))
      assert.equal((await call('PATCH', `/catalogue/${added.id}`, { status: 'retired' }, manager)).status, 200)

      const trail = await call<{
        entries: { action: string; actor: { type: string; id: string }; subject: { id: string }; before: Json | null; after: Json | null }[]
      }>('GET', '/audit?limit=1000', undefined, admin)
      assert.equal(trail.status, 200)
      const ours = trail.body.entries.filter((e) => ['audited', added.id, String(level.level)].includes(e.subject.id))
      assert.deepEqual(
        ours.map((e) => e.action),
        [
          'institution_created',
          'accreditation_scope_added',
          'institution_updated',
          'framework_level_edited',
          'catalogue_entry_created',
          'catalogue_entry_updated',
        ],
      )
      assert.ok(ours.every((e) => e.actor.type === 'api_client'))
      const updated = ours.find((e) => e.action === 'institution_updated')!
      assert.equal(updated.before?.region, 'Jiangsu')
      assert.equal(updated.after?.region, 'Zhejiang')
    })
  })
})
