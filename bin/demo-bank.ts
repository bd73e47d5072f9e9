// The credit bank's demo data for `npm start`: alliance members with accreditation scopes, a catalogue over both
// categories and several levels, an account for every role, a real-name verified learner, a batch import and deposits.
// Everything goes through the use cases people and systems reach over HTTP, and seeding again changes nothing but the
// demo passwords (made afresh at each start; only their hashes are stored, so demo.json is where to find them).
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { processOwner } from '../issuer/imports/imports.ts'
import { BANK_ACTOR } from '../issuer/audit/audit-trail.ts'
import type { NewInstitution, NewScope } from '../issuer/alliance/alliance.ts'
import type { NewEntry } from '../issuer/catalogue/catalogue.ts'
import type { Role } from '../issuer/accounts/principal.ts'
import type { IssuerNode } from '../issuer/issuer-node.ts'
import { mod11_2CheckCharacter } from '../core/identity/resident-id.ts'
import { PRIVACY_NOTICE } from '../issuer/accounts/personal-data-notice.ts'

/** The demo institution: its staff account imports for it. */
export const DEMO_INSTITUTION = 'jsou'

const INSTITUTIONS: readonly (NewInstitution & { id: string; scopes: readonly NewScope[] })[] = [
  {
    id: 'jsou',
    type: 'university',
    name: { zh: '江苏开放大学', en: 'Jiangsu Open University' },
    region: 'Jiangsu',
    contact: { email: 'creditbank@jsou.example', url: 'https://jsou.example' },
    scopes: [{ categories: ['academic', 'non_academic'], levels: [3, 4, 5, 6], validFrom: '2020-01-01T00:00:00+08:00' }],
  },
  {
    id: 'njcit',
    type: 'vocational_college',
    name: { zh: '南京信息职业技术学院', en: 'Nanjing Vocational College of Information Technology' },
    region: 'Jiangsu',
    scopes: [{ categories: ['non_academic'], levels: [3, 4], fields: ['software', 'networking'], validFrom: '2021-09-01T00:00:00+08:00' }],
  },
  {
    id: 'js-software-association',
    type: 'association',
    name: { zh: '江苏省软件行业协会', en: 'Jiangsu Software Industry Association' },
    region: 'Jiangsu',
    scopes: [
      {
        categories: ['non_academic'],
        levels: [3],
        fields: ['software'],
        validFrom: '2022-01-01T00:00:00+08:00',
        validUntil: '2026-01-01T00:00:00+08:00',
      },
    ],
  },
  {
    id: 'yrd-shanghai',
    type: 'branch_bank',
    name: { zh: '长三角学分银行上海分行', en: 'Yangtze River Delta Credit Bank, Shanghai branch' },
    region: 'Shanghai',
    scopes: [],
  },
]

const entry = (institutionId: string, code: string, e: Omit<NewEntry, 'institutionId' | 'code'>): NewEntry => ({
  institutionId,
  code,
  ...e,
})

const CATALOGUE: readonly NewEntry[] = [
  entry('jsou', 'CS201', {
    achievementType: 'Course',
    credits: 4,
    level: 5,
    category: 'academic',
    field: 'computer-science',
    name: { zh: '数据结构', en: 'Data Structures' },
    description: { zh: '线性表、树、图及其算法。', en: 'Lists, trees, graphs and their algorithms.' },
  }),
  entry('jsou', 'MA101', {
    achievementType: 'Course',
    credits: 5,
    level: 5,
    category: 'academic',
    field: 'mathematics',
    name: { zh: '高等数学', en: 'Advanced Mathematics' },
    description: { zh: '一元与多元微积分。', en: 'Calculus of one and several variables.' },
  }),
  entry('jsou', 'EN110', {
    achievementType: 'Course',
    credits: 2,
    level: 4,
    category: 'academic',
    field: 'languages',
    name: { zh: '大学英语（一）', en: 'College English I' },
  }),
  entry('jsou', 'RM701', {
    achievementType: 'Course',
    credits: 2,
    level: 7,
    category: 'academic',
    field: 'research-methods',
    name: { zh: '研究方法论', en: 'Research Methodology' },
    description: { zh: '博士层次课程：超出本校认证范围，需人工认定。', en: 'Doctoral course: beyond the accreditation, reviewed by hand.' },
  }),
  entry('jsou', 'PM-T1', {
    achievementType: 'CertificateOfCompletion',
    credits: 1.5,
    level: 4,
    category: 'non_academic',
    field: 'management',
    name: { zh: '项目管理实务培训', en: 'Project Management in Practice (training)' },
  }),
  // Courses the demo's conversion rules convert into (转换).
  entry('jsou', 'CS305', {
    achievementType: 'Course',
    credits: 3,
    level: 5,
    category: 'academic',
    field: 'computer-science',
    name: { zh: 'Web 程序设计', en: 'Web Programming' },
    description: { zh: 'HTML、CSS、JavaScript 与前端框架。', en: 'HTML, CSS, JavaScript and front-end frameworks.' },
  }),
  entry('jsou', 'CS310', {
    achievementType: 'Course',
    credits: 3,
    level: 5,
    category: 'academic',
    field: 'computer-science',
    name: { zh: 'Python 数据分析', en: 'Data Analysis with Python' },
  }),
  entry('njcit', 'MATH-IT', {
    achievementType: 'Course',
    credits: 3,
    level: 4,
    category: 'academic',
    field: 'mathematics',
    name: { zh: '信息技术数学基础', en: 'Mathematics for IT' },
  }),
  entry('njcit', 'WEB-3', {
    achievementType: 'Certificate',
    credits: 6,
    level: 4,
    category: 'non_academic',
    field: 'software',
    name: { zh: 'Web 前端开发职业技能等级证书（中级）', en: 'Web Front-end Development Skills Certificate (intermediate)' },
  }),
  entry('njcit', 'NET-2', {
    achievementType: 'Certificate',
    credits: 3,
    level: 3,
    category: 'non_academic',
    field: 'networking',
    name: { zh: '网络系统运维（初级）', en: 'Network Operations (junior)' },
  }),
  entry('js-software-association', 'PY-MOOC', {
    achievementType: 'Course',
    credits: 1.5,
    level: 3,
    category: 'non_academic',
    field: 'software',
    name: { zh: 'Python 程序设计（在线课程）', en: 'Programming in Python (online course)' },
  }),
]

const idNumber = (first17: string) => first17 + mod11_2CheckCharacter(first17)

/**
 * Fictional people with well-formed resident identity numbers (region, birth date, check character), for the demo's
 * identity registry (CB_IDENTITY_REGISTRY, written by `start --demo` when none is configured). Li Hua has an account and
 * passes real-name verification; Wang Fang has an account and has not verified yet; Zhao Min has no account, so the
 * outcomes imported for her are held until she registers and verifies.
 */
export const DEMO_IDENTITIES = [
  { name: '李华', idNumber: idNumber('32010219950612002') },
  { name: '王芳', idNumber: idNumber('32058319980304006') },
  { name: '赵敏', idNumber: idNumber('32050219970921004') },
] as const

/** The demo's people: one account per role. */
const PEOPLE: readonly { role: Role; username: string; displayName: string; institutionId?: string }[] = [
  { role: 'admin', username: 'demo-admin', displayName: '管理中心 Admin' },
  { role: 'reviewer', username: 'demo-reviewer', displayName: '认定审核员 Reviewer' },
  { role: 'expert', username: 'demo-expert', displayName: '专家委员会 Expert' },
  { role: 'staff', username: 'demo-staff', displayName: '江苏开放大学教务处 Registrar', institutionId: DEMO_INSTITUTION },
  { role: 'learner', username: 'demo-learner', displayName: '李华 Li Hua' },
  { role: 'learner', username: 'demo-newcomer', displayName: '王芳 Wang Fang' },
]

export interface DemoAccount {
  readonly username: string
  readonly password: string
  readonly role: Role
  readonly institutionId?: string
}

/** Members, their scopes and the catalogue: made once; found again on later starts. */
export async function seedAlliance(node: IssuerNode): Promise<void> {
  for (const { scopes, ...institution } of INSTITUTIONS) {
    if (await node.alliance.exists(institution.id)) continue
    await node.alliance.create(institution, BANK_ACTOR)
    for (const scope of scopes) await node.alliance.addScope(institution.id, scope, BANK_ACTOR)
  }
  for (const e of CATALOGUE) if (!(await node.catalogue.findByCode(e.institutionId, e.code))) await node.catalogue.create(e, BANK_ACTOR)
}

/** An account for every role, each with a fresh password. */
export async function seedPeople(node: IssuerNode): Promise<Record<string, DemoAccount>> {
  const accounts: Record<string, DemoAccount> = {}
  for (const p of PEOPLE) {
    const password = `demo-${randomBytes(9).toString('base64url')}`
    const existing = await node.accounts.findByUsername(p.username)
    if (existing) await node.accounts.resetPassword(existing.id, password, BANK_ACTOR)
    // Learners register themselves, as on the web; the bank's other people are made by an admin.
    else if (p.role === 'learner') await node.accounts.register({ username: p.username, password, displayName: p.displayName })
    else
      await node.accounts.createUser(
        {
          username: p.username,
          role: p.role,
          displayName: p.displayName,
          password,
          ...(p.institutionId ? { institutionId: p.institutionId } : {}),
        },
        BANK_ACTOR,
      )
    const key = p.username === 'demo-newcomer' ? 'newLearner' : p.role
    accounts[key] = { username: p.username, password, role: p.role, ...(p.institutionId ? { institutionId: p.institutionId } : {}) }
  }
  return accounts
}

/** Li Hua passes real-name verification, consenting to the current privacy notice (once; later starts find her verified). */
export async function verifyDemoLearner(node: IssuerNode, username: string): Promise<void> {
  const user = (await node.accounts.findByUsername(username))!
  if (await node.accounts.verifiedIdHash(user.id)) return
  const { name, idNumber: number } = DEMO_IDENTITIES[0]
  await node.learnerIdentity.verify(
    user.id,
    { name, idNumber: number, consent: { noticeVersion: PRIVACY_NOTICE.version } },
    { type: 'user', id: user.id, name: user.username },
  )
}

/**
 * The registrar of the demo institution imports a small batch once, through the engine behind POST /imports and
 * `credit-bank import`: Li Hua's courses (recognized and signed at once; the doctoral course is beyond the university's
 * accreditation, so it waits for a reviewer), Zhao Min's (held: she has no account yet), Wang Fang's (held until she
 * verifies) and one row with a mistyped identity number, which the error report names.
 */
export async function seedImport(node: IssuerNode, staffUsername: string): Promise<{ jobId: string } | undefined> {
  if ((await node.recognition.countForInstitution(DEMO_INSTITUTION)) > 0) return undefined
  const [li, wang, zhao] = DEMO_IDENTITIES
  const ago = daysAgo(node)
  const mistyped = li.idNumber.slice(0, 17) + (li.idNumber.endsWith('0') ? '1' : '0')
  const rows = [
    ['record_key', 'id_number', 'name', 'course_code', 'credits', 'result', 'awarded_date'],
    ['JSOU-0001', li.idNumber, li.name, 'CS201', '4', '87', ago(500)],
    ['JSOU-0002', li.idNumber, li.name, 'MA101', '5', '92', ago(680)],
    ['JSOU-0003', li.idNumber, li.name, 'EN110', '2', '78', ago(870)],
    ['JSOU-0004', li.idNumber, li.name, 'RM701', '2', '85', ago(150)],
    ['JSOU-0005', zhao.idNumber, zhao.name, 'CS201', '4', '85', ago(140)],
    ['JSOU-0006', zhao.idNumber, zhao.name, 'PM-T1', '1.5', '合格', ago(160)],
    ['JSOU-0007', wang.idNumber, wang.name, 'EN110', '2', '81', ago(320)],
    ['JSOU-0008', mistyped, li.name, 'MA101', '5', '90', ago(310)],
  ]
  const csv = '\ufeff' + rows.map((r) => r.join(',')).join('\r\n') + '\r\n'
  const staff = (await node.accounts.findByUsername(staffUsername))!
  const actor = { type: 'user', id: staff.id, name: staff.username } as const
  const stored = await node.imports.receiveFile(Readable.from([Buffer.from(csv, 'utf8')]), 'csv')
  const job = await node.imports.createFromUpload(stored, DEMO_INSTITUTION, 'csv', actor)
  await node.imports.run(job.id, processOwner('demo'))
  return { jobId: job.id }
}

/** Dates of the demo's outcomes, counted back from the bank's clock so that none is in the future. */
const daysAgo = (node: IssuerNode) => (days: number) => new Date(node.clock().getTime() - days * 86_400_000).toISOString().slice(0, 10)

/** A one-page PDF that says what it is: the evidence of the demo's deposits. */
function demoPdf(title: string): Uint8Array {
  const text = `BT /F1 14 Tf 72 760 Td (${title.replace(/[()\\]/g, '')}) Tj ET`
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ]
  let body = '%PDF-1.4\n'
  const offsets: number[] = []
  objects.forEach((o, i) => {
    offsets.push(body.length)
    body += `${i + 1} 0 obj\n${o}\nendobj\n`
  })
  const xref = body.length
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(body, 'latin1')
}

/**
 * Li Hua deposits two outcomes with evidence, once: a national computer-rank certificate that is not in the catalogue
 * (it waits in the recognition queue), and a vocational certificate from the catalogue that the reviewer approves, so
 * its AchievementCredential is signed.
 */
export async function seedDeposits(node: IssuerNode, learnerUsername: string, reviewerUsername: string): Promise<void> {
  const learner = (await node.accounts.findByUsername(learnerUsername))!
  if ((await node.deposits.listForUser(learner.id)).length > 0) return
  const actor = { type: 'user', id: learner.id, name: learner.username } as const
  await node.deposits.submit(
    learner.id,
    {
      claim: {
        name: { zh: '全国计算机等级考试二级（Python 语言程序设计）', en: 'National Computer Rank Examination, level 2 (Python)' },
        issuerName: '教育部教育考试院 National Education Examinations Authority',
        category: 'non_academic',
        level: 3,
        field: 'software',
        credits: 2,
      },
      result: '合格 pass',
      awardedDate: daysAgo(node)(250),
    },
    [{ name: 'ncre-certificate.pdf', bytes: demoPdf('NCRE level 2 (Python) certificate - demo'), type: 'application/pdf' }],
    actor,
  )
  const web = (await node.catalogue.findByCode('njcit', 'WEB-3'))!
  const recognized = await node.deposits.submit(
    learner.id,
    { catalogueEntryId: web.id, result: '合格 pass', awardedDate: daysAgo(node)(90) },
    [
      {
        name: 'web-frontend-certificate.pdf',
        bytes: demoPdf('Web Front-end Development certificate (intermediate) - demo'),
        type: 'application/pdf',
      },
    ],
    actor,
  )
  const reviewer = (await node.accounts.findByUsername(reviewerUsername))!
  await node.recognition.decide(
    recognized.outcomeId,
    'approve',
    { zh: '证书真实有效，符合目录标准。', en: 'The certificate is genuine and meets the catalogue entry.' },
    { type: 'user', id: reviewer.id, name: reviewer.username },
  )
}

/** The demo's policy cap on the credit ledger: its name says what it does (and that it is the demo's). */
export const DEMO_LEDGER_CAP = {
  kind: 'per_institution',
  name: { zh: '每所机构最多累计 10 学分（演示）', en: 'At most 10 credits from one institution (demo)' },
  parameters: { maxCredits: 10 },
} as const

/**
 * The expert committee adds a per-institution cap, once: Li Hua's courses at the demo institution come to 11 credits,
 * so the last of them (Data Structures, 4 credits) is held back in her ledger with this rule, and shown.
 */
export async function seedLedgerCap(node: IssuerNode, expertUsername: string): Promise<void> {
  const existing = await node.ledger.listRules()
  if (existing.some((r) => r.kind === DEMO_LEDGER_CAP.kind && r.nameEn === DEMO_LEDGER_CAP.name.en)) return
  const expert = (await node.accounts.findByUsername(expertUsername))!
  await node.ledger.createRule(DEMO_LEDGER_CAP, { type: 'user', id: expert.id, name: expert.username })
}

/**
 * Conversion (转换), once: the registrar of the demo institution converts the vocational Web front-end certificate into
 * its Web Programming course (Li Hua applies and the registrar approves: the course's credential is signed); the expert
 * committee converts Advanced Mathematics into Nanjing's Mathematics for IT (Li Hua meets it: the advice shows it) and
 * Data Structures with the association's Python course into Data Analysis with Python (nearly met: the Python course is
 * missing). Found again by the Web Programming rule on later starts.
 */
export async function seedConversion(node: IssuerNode, usernames: { learner: string; staff: string; expert: string }): Promise<void> {
  const code = async (institutionId: string, c: string) => (await node.catalogue.findByCode(institutionId, c))!
  const web = await code('jsou', 'CS305')
  const existing = await node.conversion.listRules({ targetInstitutionId: DEMO_INSTITUTION, limit: 100 })
  if (existing.items.some((r) => r.definition.target.catalogueEntryId === web.id)) return
  const principal = async (username: string) => {
    const u = (await node.accounts.findByUsername(username))!
    return { kind: 'user', id: u.id, username: u.username, role: u.role, institutionId: u.institutionId, sessionId: 'demo' } as const
  }
  const staff = await principal(usernames.staff)
  const expert = await principal(usernames.expert)
  const webRule = await node.conversion.createRule(
    {
      targetEntryId: web.id,
      name: { zh: 'Web 前端证书转换为 Web 程序设计', en: 'Web front-end certificate into Web Programming' },
      sources: [(await code('njcit', 'WEB-3')).id],
      require: { mode: 'all' },
      conditions: { minResult: { kind: 'pass' }, maxAgeYears: 5, programme: { code: 'JSOU-CS-BSC', totalCredits: 80, maxShare: 0.5 } },
    },
    staff,
  )
  await node.conversion.createRule(
    {
      targetEntryId: (await code('njcit', 'MATH-IT')).id,
      name: { zh: '高等数学转换为信息技术数学基础', en: 'Advanced Mathematics into Mathematics for IT' },
      sources: [(await code('jsou', 'MA101')).id],
      require: { mode: 'all' },
      conditions: { minResult: { kind: 'mark', min: 60 }, maxAgeYears: 5 },
    },
    expert,
  )
  await node.conversion.createRule(
    {
      targetEntryId: (await code('jsou', 'CS310')).id,
      name: { zh: '数据结构与 Python 课程转换为 Python 数据分析', en: 'Data Structures and Python into Data Analysis with Python' },
      sources: [(await code('jsou', 'CS201')).id, (await code('js-software-association', 'PY-MOOC')).id],
      require: { mode: 'all' },
      conditions: { minResult: { kind: 'pass' } },
    },
    expert,
  )
  const learner = (await node.accounts.findByUsername(usernames.learner))!
  const idHash = await node.accounts.verifiedIdHash(learner.id)
  const advice = idHash === null ? undefined : await node.conversion.advice(idHash)
  const met = advice?.met.find((m) => m.ruleId === webRule.id)
  if (!met) return
  const application = await node.conversion.apply(
    learner.id,
    { ruleId: webRule.id, outcomeIds: met.outcomeIds },
    { type: 'user', id: learner.id, name: learner.username },
  )
  await node.conversion.decide(
    application.id,
    'approve',
    { zh: '证书内容覆盖本课程要求，准予转换。', en: 'The certificate covers what the course requires: converted.' },
    staff,
  )
}
