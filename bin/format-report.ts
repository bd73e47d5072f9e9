// Turns a verification report into what a person reads at a terminal: who issued it, to whom, what it says, each check.
import type { CheckOutcome, VerificationReport } from '../core/verification/report.ts'
import {
  ACHIEVEMENT_CREDENTIAL_SCHEMA_ID,
  BITSTRING_STATUS_LIST_CREDENTIAL_SCHEMA_ID,
  CERTIFICATION_REPORT_CREDENTIAL_SCHEMA_ID,
  OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID,
} from '../core/credentials/types.ts'
import { has, t } from '../wallet-web/public/i18n.js'
import { isPlainObject } from '../core/json.ts'

/** The languages the command line speaks. */
export type Language = 'zh' | 'en'

/** `--lang` value → language; `undefined` for anything but zh or en. */
export function parseLanguage(value: string): Language | undefined {
  return value === 'zh' || value === 'en' ? value : undefined
}

/** The language of the locale (POSIX precedence LC_ALL, LC_MESSAGES, LANG): Chinese when it starts with zh, else English. */
export function languageFromEnv(env: Readonly<Record<string, string | undefined>>): Language {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || ''
  return locale.toLowerCase().startsWith('zh') ? 'zh' : 'en'
}

const WALLET_LANGUAGE: Record<Language, string> = { zh: 'zh-CN', en: 'en' }

// Words the wallet has no key for (wallet-web/public/i18n.js holds the rest, so both say the same thing).
const LOCAL: Record<Language, Record<string, string>> = {
  zh: {
    checks: '核验项目',
    'field.type': '凭证类型',
    'field.name': '名称',
    hashed: '已哈希',
    schemas: '适用的数据结构',
    'check.challenge': '挑战值',
    'check.domain': '域',
    'check.holder_binding': '持有人绑定',
    'check.credentials': '所含凭证',
    'check.related_resources': '关联资源',
  },
  en: {
    checks: 'Checks',
    'field.type': 'Type',
    'field.name': 'Name',
    hashed: 'hashed',
    schemas: 'schemas applied',
    'check.challenge': 'Challenge',
    'check.domain': 'Domain',
    'check.holder_binding': 'Holder binding',
    'check.credentials': 'Credentials',
    'check.related_resources': 'Related resources',
  },
}

/** Reasons in Chinese; a reason not listed here shows the report's English message instead. */
const ZH_REASONS: Readonly<Record<string, string>> = {
  schema_invalid: '数据结构不符合要求',
  signature_invalid: '签名无效，凭证可能被篡改',
  no_proof: '凭证没有签名或证明',
  issuer_not_did: '颁发机构不是 DID，无法解析其密钥',
  alg_key_mismatch: '签名算法与密钥类型不符',
  expired: '凭证已过期',
  not_yet_valid: '凭证尚未生效',
  no_validity_period: '凭证未设有效期',
  revoked: '凭证已被撤销',
  suspended: '凭证已被暂停',
  no_status: '凭证没有撤销状态条目',
  status_list_unreachable: '无法获取状态列表',
  status_list_invalid: '状态列表无效',
  status_list_untrusted_origin: '状态列表来源不可信',
  unsupported_status_type: '不支持的状态类型',
  issuer_not_trusted: '颁发机构不在本验证方的信任列表中',
  format_failed: '无法读取凭证，未做此项核验',
  proof_failed: '签名未通过，未做此项核验',
  wrong_token_type: 'JWT 类型不对',
  claims_mismatch: 'JWT 声明与凭证内容不一致',
  profile_mismatch: '凭证的数据模型与其封装格式不符',
}

const SCHEMA_NAMES: Record<Language, Readonly<Record<string, string>>> = {
  zh: {
    [OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID]: 'Open Badges 3.0',
    [ACHIEVEMENT_CREDENTIAL_SCHEMA_ID]: '学分银行学习成果规范',
    [CERTIFICATION_REPORT_CREDENTIAL_SCHEMA_ID]: '学分银行认证报告规范',
    [BITSTRING_STATUS_LIST_CREDENTIAL_SCHEMA_ID]: 'Bitstring Status List',
  },
  en: {
    [OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID]: 'Open Badges 3.0',
    [ACHIEVEMENT_CREDENTIAL_SCHEMA_ID]: 'credit bank achievement profile',
    [CERTIFICATION_REPORT_CREDENTIAL_SCHEMA_ID]: 'credit bank certification report profile',
    [BITSTRING_STATUS_LIST_CREDENTIAL_SCHEMA_ID]: 'Bitstring Status List',
  },
}

const MARK = { passed: '✓', failed: '✗', skipped: '–' } as const

/**
 * The report as lines a person reads, in `lang`: verdict, issuer, subject, what the credential says (type,
 * name, achievement, credits, level, category, report number, validity), then each check as ✓ / ✗ / – with
 * its reason. Every string taken from the credential is stripped of control characters, so a hostile
 * credential cannot send escape sequences to the terminal. Ends with a newline.
 *
 * @example
 * process.stdout.write(formatReport(report, languageFromEnv(process.env)))
 */
export function formatReport(report: VerificationReport, lang: Language): string {
  const word = (key: string): string => {
    const local = LOCAL[lang][key]
    if (local !== undefined) return local
    return has(WALLET_LANGUAGE[lang], key) ? t(WALLET_LANGUAGE[lang], key) : key
  }
  const lines: string[] = [`${report.verified ? MARK.passed : MARK.failed} ${word(report.verified ? 'verified' : 'notVerified')}`, '']

  const facts = describeDocument(report.document, lang).map(([key, value]) => [word(key), value] as const)
  const factWidth = Math.max(0, ...facts.map(([label]) => displayWidth(label)))
  for (const [label, value] of facts) lines.push(`${pad(label, factWidth)}  ${value}`)
  if (facts.length) lines.push('')

  lines.push(word('checks'))
  const names = report.checks.map((c) => word(`check.${c.id}`))
  const nameWidth = Math.max(0, ...names.map(displayWidth))
  report.checks.forEach((check, i) => {
    const explanation = explain(check, lang, word)
    lines.push(`  ${MARK[check.status]} ${explanation ? `${pad(names[i]!, nameWidth)}  ${explanation}` : names[i]}`)
  })
  return lines.join('\n') + '\n'
}

function explain(check: CheckOutcome, lang: Language, word: (key: string) => string): string {
  if (check.status === 'passed') {
    const schemas = check.details?.schemas
    if (!Array.isArray(schemas) || schemas.length === 0) return ''
    return `${word('schemas')}: ${schemas.map((id) => SCHEMA_NAMES[lang][String(id)] ?? clean(String(id))).join(', ')}`
  }
  const reason = check.reason ?? ''
  const text = lang === 'zh' && ZH_REASONS[reason] !== undefined ? ZH_REASONS[reason] : clean(check.message ?? '')
  const where = firstIssue(check)
  return [text, where, reason ? `[${reason}]` : ''].filter(Boolean).join(' ')
}

/** The first schema issue, where the message alone does not say where (Chinese reasons are generic). */
function firstIssue(check: CheckOutcome): string {
  const issues = check.details?.issues
  if (check.reason !== 'schema_invalid' || !Array.isArray(issues) || issues.length === 0) return ''
  const issue = issues[0] as { path?: unknown; message?: unknown }
  return `(${clean(String(issue.path ?? ''))} ${clean(String(issue.message ?? ''))}${issues.length > 1 ? ` +${issues.length - 1}` : ''})`
}

type Json = Readonly<Record<string, unknown>>

const first = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value)

/** Label key (wallet i18n key or local) and value for each fact the document states, in reading order. */
function describeDocument(document: Json | undefined, lang: Language): [string, string][] {
  if (!isPlainObject(document)) return []
  const facts: [string, string][] = []
  const add = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== '') facts.push([key, value])
  }
  const issuer = document.issuer
  const issuerId = typeof issuer === 'string' ? issuer : isPlainObject(issuer) ? text(issuer.id, lang) : undefined
  const issuerName = isPlainObject(issuer) ? text(issuer.name, lang) : undefined
  add('field.issuer', issuerName && issuerId ? `${issuerName} (${issuerId})` : (issuerName ?? issuerId))

  const subject = first(document.credentialSubject)
  const s: Json = isPlainObject(subject) ? subject : {}
  const learner = isPlainObject(s.learner) ? text(s.learner.name, lang) : undefined
  const identifier = first(s.identifier)
  const identified = isPlainObject(identifier)
    ? `${text(identifier.identityType, lang) ?? 'identifier'}${identifier.hashed === true ? ` (${LOCAL[lang].hashed})` : `: ${text(identifier.identityHash, lang) ?? ''}`}`
    : undefined
  add('field.learner', [learner, text(s.id, lang) ?? identified].filter(Boolean).join(' · ') || undefined)

  const types = Array.isArray(document.type)
    ? document.type.filter((x): x is string => typeof x === 'string' && x !== 'VerifiableCredential')
    : []
  add('field.type', types.length ? clean(types.join(', ')) : undefined)
  add('field.name', text(document.name, lang))
  const achievement = isPlainObject(s.achievement) ? s.achievement : undefined
  if (achievement) {
    const name = text(achievement.name, lang)
    const kind = text(achievement.achievementType, lang)
    add('field.achievement', name && kind ? `${name} (${kind})` : (name ?? kind))
    add('field.credits', number(s.creditsEarned))
    add('field.frameworkLevel', number(achievement.frameworkLevel))
    const category = text(achievement.outcomeCategory, lang)
    add(
      'field.category',
      category && ['academic', 'non_academic'].includes(category) ? t(WALLET_LANGUAGE[lang], `category.${category}`) : category,
    )
  }
  add('field.reportNumber', text(s.reportNumber, lang))
  add('field.totalCredits', isPlainObject(s.creditTotals) ? number(s.creditTotals.totalCredits) : undefined)
  add('field.validFrom', text(document.validFrom ?? document.issuanceDate, lang))
  add('field.validUntil', text(document.validUntil ?? document.expirationDate, lang))
  return facts
}

/** A string, a language value object, or the best of several (the one in `lang`, else the first). */
function text(value: unknown, lang: Language): string | undefined {
  if (typeof value === 'string') return clean(value)
  if (typeof value === 'number') return String(value)
  const values = Array.isArray(value) ? value : [value]
  const objects = values.filter(isPlainObject).filter((v) => typeof v['@value'] === 'string')
  const chosen = objects.find((v) => typeof v['@language'] === 'string' && v['@language'].toLowerCase().startsWith(lang)) ?? objects[0]
  return chosen ? clean(chosen['@value'] as string) : undefined
}

function number(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined
}

/** Removes C0/C1 control characters (ESC, CR, BEL …) and collapses the line: the text came from someone else's credential. */
function clean(value: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const controls = /[\u0000-\u001f\u007f-\u009f]+/g
  return value.replace(controls, ' ').trim().slice(0, 300)
}

/** Terminal columns: East Asian wide characters take two. */
export function displayWidth(value: string): number {
  let width = 0
  for (const ch of value)
    width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1
  return width
}

function pad(value: string, width: number): string {
  return value + ' '.repeat(Math.max(0, width - displayWidth(value)))
}
