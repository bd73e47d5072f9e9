// Real-name verification (实名认证) over HTTP (issue 7 item 2, item 7's consent): GB 11643 numbers checked, the identity
// verifier asked, the number stored encrypted and found by keyed hash (one person, one account, also under a race),
// consent recorded with the notice's version and digest, and the number never in an answer, a log line, the audit
// trail or any database column in the clear; staff reads of it audited.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fixedClock } from '../../core/clock.ts'
import { loadConfig } from '../../core/config.ts'
import type { IdentityVerifier } from '../../core/identity/identity-verifier.ts'
import { createLogger } from '../../core/log.ts'
import { createIssuerNode } from '../../issuer/issuer-node.ts'
import { canonicalJson } from '../../core/credentials/jcs.ts'
import { maskIdNumber, parseResidentId } from '../../core/identity/resident-id.ts'
import { sql } from '../../core/store/sql.ts'
import { AppError } from '../../core/errors.ts'
import { LearnerIdentity } from '../../issuer/accounts/identity.ts'
import { NOTICE_DIGEST, PRIVACY_NOTICE } from '../../issuer/accounts/personal-data-notice.ts'
import { listAudit, type AuditView } from '../../issuer/audit/audit-trail.ts'
import { request, signUp, TEST_PASSWORD, verifyLearner, type SessionAgent } from '../../fixtures/accounts.ts'
import {
  assertProblem,
  residentIdNumber,
  startTestSystem,
  TEST_IDENTITIES,
  TEST_KMS_SECRET,
  TEST_NOW,
  type TestSystem,
} from '../../fixtures/test-system.ts'

const dbName = process.env.CB_TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite'
const consent = { noticeVersion: PRIVACY_NOTICE.version }
const [ZHANG, LI, WANG, CHEN, LIU, ZHAO, SUN, ZHOU, WU] = TEST_IDENTITIES

describe(`real-name verification on ${dbName} (issue 7 items 2 and 7)`, function () {
  let sys: TestSystem
  let reviewer: SessionAgent
  let admin: SessionAgent
  /** Every answer body the tests received, and every log line the issuer wrote. */
  const answers: string[] = []
  const logLines: string[] = []
  const writeOut = process.stdout.write.bind(process.stdout)

  const verifyAs = async (agent: SessionAgent, body: unknown) => {
    const res = await agent.post<Record<string, unknown>>('/me/identity', body)
    answers.push(res.text)
    return res
  }
  const auditEntries = async (): Promise<AuditView[]> => {
    const all: AuditView[] = []
    for (let after: number | null = 0; after !== null;) {
      const page = await listAudit(sys.issuer.ds, after, 500)
      all.push(...page.entries)
      after = page.next
    }
    return all
  }
  const identityRows = (userId: string) =>
    sql<Record<string, string>>(sys.issuer.ds, 'SELECT * FROM cb_learner_identity WHERE user_id = ?', [userId])

  before(async () => {
    // The issuer's JSON log lines are captured (debug level: everything it logs); other output passes through.
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
      if (text.startsWith('{"time"')) {
        logLines.push(text)
        return true
      }
      return (writeOut as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest)
    }) as typeof process.stdout.write
    sys = await startTestSystem({ CB_LOG_LEVEL: 'debug' })
    reviewer = await signUp(sys, { role: 'reviewer' })
    admin = await signUp(sys, { role: 'admin' })
  })
  after(async () => {
    await sys.close()
    process.stdout.write = writeOut
  })

  it('when anyone asks for the privacy notice, then it is served in zh and en with its version and the SHA-256 of its canonical JSON', async () => {
    const res = await request<Record<string, unknown>>(sys, 'GET', '/privacy-notice')
    assert.equal(res.status, 200)
    const { digest, digestAlgorithm, ...notice } = res.body
    assert.deepEqual(notice, JSON.parse(JSON.stringify(PRIVACY_NOTICE)))
    assert.equal(digest, createHash('sha256').update(canonicalJson(notice)).digest('hex'))
    assert.equal(digest, NOTICE_DIGEST)
    assert.equal(digestAlgorithm, 'sha-256 over RFC 8785 JSON')
    const text = JSON.stringify(notice)
    for (const needed of ['身份号码', '注销', '审计', 'identity number', 'close', 'audit', 'salted hash', 'article 47'])
      assert.ok(text.includes(needed), `the notice speaks of ${needed}`)
  })

  it('when the check character is wrong (or the format, region or birth date), then 400 with its id_number_* code and nothing is stored', async () => {
    const learner = await signUp(sys)
    const good = ZHANG.idNumber
    const wrongCheck = good.slice(0, 17) + (good[17] === '0' ? '1' : '0')
    const cases: [string, string][] = [
      [wrongCheck, 'id_number_checksum'],
      ['3201021990030712', 'id_number_format'],
      [residentIdNumber('99010219900307123'), 'id_number_region'],
      [residentIdNumber('32010219900230123'), 'id_number_birth_date'],
    ]
    for (const [idNumber, code] of cases) {
      const res = await verifyAs(learner, { name: ZHANG.name, idNumber, consent })
      assertProblem(res, 400, code)
      assert.deepEqual(
        (res.body as { issues: { path: string }[] }).issues.map((i) => i.path),
        ['/idNumber'],
      )
      assert.ok(!res.text.includes(idNumber), 'the refusal never quotes the number')
    }
    assert.deepEqual(await identityRows(learner.user.id), [])
    assert.equal((await learner.get<{ identity: unknown }>('/me')).body.identity, null)
  })

  it('when consent is missing or names an older notice, then 400 consent_required / notice_outdated before the number is looked at', async () => {
    const learner = await signUp(sys)
    assertProblem(await verifyAs(learner, { name: ZHANG.name, idNumber: ZHANG.idNumber }), 400, 'consent_required')
    assertProblem(await verifyAs(learner, { name: ZHANG.name, idNumber: ZHANG.idNumber, consent: {} }), 400, 'consent_required')
    const outdated = await verifyAs(learner, { name: ZHANG.name, idNumber: 'not a number', consent: { noticeVersion: '2020-01-01' } })
    assertProblem(outdated, 400, 'notice_outdated')
    assert.deepEqual(await identityRows(learner.user.id), [])
    assert.deepEqual((await sql(sys.issuer.ds, 'SELECT id FROM cb_consent WHERE user_id = ?', [learner.user.id])).length, 0)
  })

  it('when a learner verifies with consent, then 201 shows the number masked, the row holds it encrypted under the keyed hash, and the consent names the notice', async () => {
    const learner = await signUp(sys)
    const res = await verifyAs(learner, { name: ` ${ZHANG.name} `, idNumber: ZHANG.idNumber, consent })
    assert.equal(res.status, 201, res.text)
    assert.equal(res.headers.get('cache-control'), 'no-store')
    const consentId = (res.body.consent as { id: string }).id
    assert.deepEqual(res.body, {
      identity: {
        verified: true,
        idNumberMasked: maskIdNumber(ZHANG.idNumber),
        nameMasked: '张*',
        verifier: 'registry',
        verifiedAt: sys.clock().toISOString(),
      },
      consent: {
        id: consentId,
        purpose: 'real_name_verification',
        noticeVersion: PRIVACY_NOTICE.version,
        noticeDigest: NOTICE_DIGEST,
        grantedAt: sys.clock().toISOString(),
        withdrawnAt: null,
      },
    })
    assert.match(String((res.body.identity as { idNumberMasked: string }).idNumberMasked), /^3201\*{10}\d{3}[\dX]$/)

    const parsed = parseResidentId(ZHANG.idNumber, sys.clock)
    assert.ok(parsed.ok)
    const [row] = await identityRows(learner.user.id)
    assert.ok(row)
    assert.equal(row.id_hash, sys.issuer.personalData.idNumberHash(parsed.id))
    assert.equal(row.id_number_masked, maskIdNumber(ZHANG.idNumber))
    assert.equal(row.consent_id, consentId)
    assert.match(row.id_number_cipher!, /^v1\./)
    assert.ok(
      !JSON.stringify(row).includes(ZHANG.idNumber) && !JSON.stringify(row).includes(ZHANG.name),
      'neither number nor name in the clear',
    )
    assert.equal(sys.issuer.personalData.decrypt(row.id_number_cipher!, `cb_learner_identity.id_number:${learner.user.id}`), ZHANG.idNumber)
    assert.equal(await sys.issuer.accounts.verifiedIdHash(learner.user.id), row.id_hash)

    const [consentRow] = await sql<Record<string, string | null>>(sys.issuer.ds, 'SELECT * FROM cb_consent WHERE user_id = ?', [
      learner.user.id,
    ])
    assert.deepEqual(
      { ...consentRow },
      {
        id: consentId,
        user_id: learner.user.id,
        purpose: 'real_name_verification',
        notice_version: PRIVACY_NOTICE.version,
        notice_digest: NOTICE_DIGEST,
        granted_at: sys.clock().toISOString(),
        withdrawn_at: null,
      },
    )

    const me = await learner.get<Record<string, unknown>>('/me')
    answers.push(me.text)
    assert.equal(me.status, 200)
    assert.deepEqual(me.body.identity, res.body.identity)
    assert.deepEqual(me.body.consents, [res.body.consent])
    assert.deepEqual(me.body.notice, { version: PRIVACY_NOTICE.version, digest: NOTICE_DIGEST })

    const entries = (await auditEntries()).filter((e) => e.subject.id === learner.user.id && e.action !== 'user_registered')
    assert.deepEqual(
      entries.map((e) => [e.action, e.actor.id, e.after]),
      [
        ['consent_granted', learner.user.id, res.body.consent],
        ['identity_verified', learner.user.id, { idNumberMasked: maskIdNumber(ZHANG.idNumber), verifier: 'registry', consentId }],
      ],
    )
  })

  it('when the number is typed with full-width digits and a lower-case x, then it is normalized and verified', async () => {
    const learner = await signUp(sys)
    const typed = [...WU.idNumber.toLowerCase()].map((c) => (/\d/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('')
    assert.notEqual(typed, WU.idNumber)
    const res = await verifyAs(learner, { name: WU.name, idNumber: typed, consent })
    assert.equal(res.status, 201, res.text)
    assert.equal((res.body.identity as { idNumberMasked: string }).idNumberMasked, maskIdNumber(WU.idNumber))
    assert.ok(WU.idNumber.endsWith('X'))
  })

  it('when the name does not match, then 422 identity_mismatch; when the registry does not know the number, then 503 with Retry-After; nothing is stored', async () => {
    const learner = await signUp(sys)
    assertProblem(await verifyAs(learner, { name: LI.name, idNumber: WANG.idNumber, consent }), 422, 'identity_mismatch')
    const unknown = residentIdNumber('32010219991231001')
    const res = await verifyAs(learner, { name: '无名', idNumber: unknown, consent })
    assertProblem(res, 503, 'identity_service_unavailable')
    assert.equal(res.headers.get('retry-after'), '60')
    assert.deepEqual(await identityRows(learner.user.id), [])
  })

  it('when the identity service itself fails (it throws), then the learner gets 503 identity_service_unavailable and nothing is stored', async () => {
    const learner = await signUp(sys)
    const failing = new LearnerIdentity({
      ds: sys.issuer.ds,
      clock: sys.clock,
      protector: sys.issuer.personalData,
      verifier: {
        name: 'provincial',
        verify: () => {
          throw new Error('connect ECONNREFUSED')
        },
      },
    })
    const err = await failing.verify(learner.user.id, { ...CHEN, consent }, { type: 'user', id: learner.user.id }).then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e as AppError,
    )
    assert.ok(err instanceof AppError)
    assert.deepEqual([err.code, err.status, err.headers], ['identity_service_unavailable', 503, { 'Retry-After': '60' }])
    assert.deepEqual(await identityRows(learner.user.id), [])
  })

  it('when a second account gives a verified number, then 409 identity_already_registered; a verified account verifying again gets 409 identity_already_verified', async () => {
    const first = await signUp(sys)
    await verifyLearner(sys, first, LI)
    const second = await signUp(sys)
    assertProblem(await verifyAs(second, { ...LI, consent }), 409, 'identity_already_registered')
    assert.deepEqual(await identityRows(second.user.id), [])
    assertProblem(await verifyAs(first, { ...CHEN, consent }), 409, 'identity_already_verified')
    assert.equal((await identityRows(first.user.id))[0]!.id_number_masked, maskIdNumber(LI.idNumber))
  })

  it('when two accounts verify the same number at the same instant, then one wins and the other gets 409; one account twice at once: one 201, one 409', async () => {
    const accounts = await Promise.all([signUp(sys), signUp(sys), signUp(sys)])
    const results = await Promise.all(accounts.map((a) => verifyAs(a, { ...LIU, consent })))
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409])
    for (const r of results.filter((x) => x.status === 409)) assertProblem(r, 409, 'identity_already_registered')
    const rows = await sql(sys.issuer.ds, 'SELECT user_id FROM cb_learner_identity WHERE id_number_masked = ?', [
      maskIdNumber(LIU.idNumber),
    ])
    assert.equal(rows.length, 1)

    const one = await signUp(sys)
    const twice = await Promise.all([verifyAs(one, { ...ZHAO, consent }), verifyAs(one, { ...SUN, consent })])
    assert.deepEqual(twice.map((r) => r.status).sort(), [201, 409])
    assertProblem(
      twice.find((r) => r.status === 409)!,
      409,
      'identity_already_verified',
    )
    assert.equal((await identityRows(one.user.id)).length, 1)
    assert.equal(
      (await sql(sys.issuer.ds, 'SELECT id FROM cb_consent WHERE user_id = ?', [one.user.id])).length,
      1,
      'one consent: the loser left none',
    )
  })

  it('when staff, reviewers or admins try to verify, then 403; GET /me answers every signed-in role; nobody signed in gets 401', async () => {
    for (const agent of [reviewer, admin]) {
      assertProblem(await verifyAs(agent, { ...ZHOU, consent }), 403, 'forbidden')
      const me = await agent.get<{ user: { id: string }; identity: unknown; consents: unknown[] }>('/me')
      assert.equal(me.status, 200)
      assert.deepEqual([me.body.user.id, me.body.identity, me.body.consents], [agent.user.id, null, []])
    }
    assertProblem(await request(sys, 'GET', '/me'), 401, 'unauthorized')
    assertProblem(await request(sys, 'POST', '/me/identity', { json: { ...ZHOU, consent } }), 401, 'unauthorized')
  })

  it('when a reviewer or admin reads a learner number, then they get it in full and EVERY read is audited with the reader; learners may not', async () => {
    const learner = await signUp(sys)
    await verifyLearner(sys, learner, ZHOU)
    const before = (await auditEntries()).length
    const read = await reviewer.get<Record<string, unknown>>(`/users/${learner.user.id}/identity`)
    assert.equal(read.status, 200)
    assert.equal(read.headers.get('cache-control'), 'no-store')
    assert.deepEqual(read.body, {
      userId: learner.user.id,
      name: ZHOU.name,
      idNumber: ZHOU.idNumber,
      idNumberMasked: maskIdNumber(ZHOU.idNumber),
      verifier: 'registry',
      verifiedAt: sys.clock().toISOString(),
    })
    assert.equal((await admin.get(`/users/${learner.user.id}/identity`)).status, 200)
    const reads = (await auditEntries()).slice(before)
    assert.deepEqual(
      reads.map((e) => [e.action, e.actor, e.subject, e.after]),
      [reviewer, admin].map((r) => [
        'identity_number_read',
        { type: 'user', id: r.user.id, name: r.user.username },
        { type: 'user', id: learner.user.id },
        { idNumberMasked: maskIdNumber(ZHOU.idNumber) },
      ]),
    )
    assertProblem(await learner.get(`/users/${learner.user.id}/identity`), 403, 'forbidden')
    const staffMember = await signUp(sys, { role: 'expert' })
    assertProblem(await staffMember.get(`/users/${learner.user.id}/identity`), 403, 'forbidden')
    const unverified = await signUp(sys)
    assertProblem(await reviewer.get(`/users/${unverified.user.id}/identity`), 404, 'not_found')
    assertProblem(await reviewer.get('/users/not-a-uuid/identity'), 404, 'not_found')
    assert.equal(
      (await auditEntries()).slice(before).filter((e) => e.action === 'identity_number_read').length,
      2,
      'refused and empty reads read nothing and add nothing',
    )
  })

  it('when all that is done, then no verified number (nor a name) appears in the clear in any answer to the learner, any log line, the audit trail or any table', async () => {
    const numbers = [ZHANG, LI, LIU, ZHAO, SUN, ZHOU, WU].map((p) => p.idNumber)
    assert.ok(answers.length > 20 && logLines.length > 20, `captured ${answers.length} answers and ${logLines.length} log lines`)
    const auditText = JSON.stringify(await auditEntries())
    const rawAudit = JSON.stringify(await sql(sys.issuer.ds, 'SELECT * FROM cb_audit'))
    for (const n of numbers) {
      for (const text of answers) assert.ok(!text.includes(n), 'an answer to the learner holds a number in the clear')
      for (const line of logLines) assert.ok(!line.includes(n), `a log line holds a number in the clear: ${line.slice(0, 120)}`)
      assert.ok(!auditText.includes(n) && !rawAudit.includes(n), 'the audit trail holds a number in the clear')
    }
    assert.ok(auditText.includes(maskIdNumber(ZHANG.idNumber)), 'the audit shows the masked number')
    // Every table of the issuer database, every column: no number, no registered name in the clear.
    const tables =
      sys.issuer.ds.options.type === 'postgres'
        ? await sql<{ name: string }>(
            sys.issuer.ds,
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
          )
        : await sql<{ name: string }>(sys.issuer.ds, "SELECT name FROM sqlite_master WHERE type = 'table'")
    assert.ok(tables.some((t) => t.name === 'cb_learner_identity'))
    for (const { name } of tables) {
      const dump = JSON.stringify(await sql(sys.issuer.ds, `SELECT * FROM "${name}"`))
      for (const n of numbers) assert.ok(!dump.includes(n), `table ${name} holds a number in the clear`)
      for (const person of [ZHANG, ZHOU]) assert.ok(!dump.includes(person.name), `table ${name} holds a name in the clear`)
    }
  })
})

describe(`real-name verification attempts are limited like sign-ins on ${dbName}`, function () {
  let sys: TestSystem
  before(async () => (sys = await startTestSystem({ CB_SIGN_IN_PER_MINUTE: '4' })))
  after(() => sys.close())

  it('when one address tries more names than CB_SIGN_IN_PER_MINUTE allows, then 429 rate_limited with Retry-After, and the next minute it may try again', async () => {
    const learner = await signUp(sys) // registration counts as one attempt of the address
    for (const name of ['张一', '张二', '张四'])
      assertProblem(await learner.post('/me/identity', { name, idNumber: ZHANG.idNumber, consent }), 422, 'identity_mismatch')
    const limited = await learner.post('/me/identity', { ...ZHANG, consent })
    assertProblem(limited, 429, 'rate_limited')
    assert.ok(Number(limited.headers.get('retry-after')) > 0)
    sys.clock.advance(60)
    assert.equal((await learner.post('/me/identity', { ...ZHANG, consent })).status, 201)
  })
})

describe('an identity service plugged into the issuer node', function () {
  it('when createIssuerNode is given an identityVerifier, then real-name verification asks it (not CB_IDENTITY_REGISTRY)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'identity-plugged-'))
    const asked: string[] = []
    const clock = fixedClock(TEST_NOW)
    const provincial: IdentityVerifier = {
      name: 'jiangsu-unified-identity',
      async verify(input) {
        asked.push(input.name)
        const parsed = parseResidentId(input.idNumber, clock)
        if (!parsed.ok) return { outcome: 'mismatch', verifier: this.name, reason: parsed.code }
        return { outcome: 'verified', verifier: this.name, id: parsed.id }
      },
    }
    const config = loadConfig({ NODE_ENV: 'test', CB_LOG_LEVEL: 'silent', CB_DATA_DIR: dataDir, CB_KMS_SECRET_KEY: TEST_KMS_SECRET })
    const node = await createIssuerNode(config, { clock, log: createLogger('silent'), identityVerifier: provincial })
    try {
      assert.equal(node.identityVerifier, provincial)
      const { user } = await node.accounts.register({ username: 'plugged.learner', password: TEST_PASSWORD, displayName: '钱多' })
      const idNumber = residentIdNumber('32010219991231001') // in no registry
      const { identity } = await node.learnerIdentity.verify(user.id, { name: '钱多', idNumber, consent }, { type: 'user', id: user.id })
      assert.deepEqual([identity.verifier, identity.idNumberMasked, asked], ['jiangsu-unified-identity', maskIdNumber(idNumber), ['钱多']])
    } finally {
      await node.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
