// Certification reports over HTTP. Public: GET /reports/{number} — JSON ({verifiableCredential, report, details,
// verifyUrl}) for Accept: application/json, the PDF for Accept: application/pdf (or ?format=pdf; zh unless ?lang=en),
// otherwise a small zh/en HTML page that shows the report and hands its credential to the verifier service; rate-limited
// per client address apart from everything else (CB_REPORT_LOOKUPS_PER_MINUTE). Learners: POST /me/reports
// {outcomeIds?}, GET /me/reports, POST /me/reports/{number}/revoke, POST /me/reports/{number}/reissue. Admins:
// POST /reports/{number}/revoke.
import { randomBytes } from 'node:crypto'
import type { RequestHandler } from 'express'
import { describe } from '../../../http/route-meta.ts'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { actorOf } from '../../accounts/principal.ts'
import type { ReportLookup, Reports } from '../reports.ts'
import { REPORT_LANGUAGES, type ReportLanguage } from '../report-pdf.ts'

const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
/** Loose on purpose: the use case reads the number as typed and tells malformed from mistyped. */
const numberParams = {
  type: 'object',
  required: ['number'],
  properties: { number: { type: 'string', maxLength: 64, description: 'CB-XXXX-XXXX-XXXX-XXXX, as typed (any case, dashes optional)' } },
} as const

export const reportLookupSchema = {
  params: numberParams,
  query: {
    type: 'object',
    additionalProperties: false,
    properties: {
      format: { enum: ['json', 'pdf', 'html'], description: 'instead of the Accept header (links, QR codes)' },
      lang: { enum: REPORT_LANGUAGES, description: 'the PDF and page language; default zh' },
    },
  },
} as const

export const reportCreateSchema = {
  body: {
    type: 'object',
    additionalProperties: false,
    properties: {
      outcomeIds: {
        type: 'array',
        minItems: 1,
        maxItems: 500,
        items: { type: 'string', pattern: UUID },
        description: 'the recognized outcomes to cover; absent: all of them',
      },
    },
  },
} as const

export const reportListSchema = {
  query: {
    type: 'object',
    additionalProperties: false,
    properties: {
      cursor: { type: 'string', maxLength: 200 },
      limit: { type: 'string', pattern: '^(100|[1-9][0-9]?)$', description: '1 to 100, default 20' },
    },
  },
} as const

export const reportNumberSchema = { params: numberParams } as const

const credits = { type: 'number' } as const
export const reportViewSchema = {
  type: 'object',
  properties: {
    number: { type: 'string' },
    status: { enum: ['valid', 'revoked'] },
    createdAt: { type: 'string' },
    revokedAt: { type: ['string', 'null'] },
    replacedBy: { type: ['string', 'null'] },
    credentialId: { type: 'string' },
    outcomeIds: { type: 'array', items: { type: 'string' } },
    totals: {
      type: 'object',
      properties: { totalCredits: credits, byCategory: { type: 'object' }, byLevel: { type: 'object' } },
    },
    lookupUrl: { type: 'string' },
    pdfUrl: { type: 'object', properties: { zh: { type: 'string' }, en: { type: 'string' } } },
  },
} as const

const NUMBER_ERRORS = ['report_number_malformed', 'report_number_mistyped']

export const reportsLookup = (reports: Reports): RequestHandler[] => [
  validateRequest(reportLookupSchema),
  describe(
    async (req, res) => {
      const q = req.query as Valid<typeof reportLookupSchema.query>
      const lang: ReportLanguage = q.lang ?? 'zh'
      const format = q.format ?? (req.accepts(['text/html', 'application/json', 'application/pdf']) || 'html')
      const number = String(req.params.number)
      if (format === 'pdf' || format === 'application/pdf') {
        const { number: canonical, pdf } = await reports.pdf(number, lang)
        return void res
          .set({
            'Content-Type': 'application/pdf',
            'Content-Disposition': `inline; filename="${canonical}-${lang}.pdf"`,
            'Cache-Control': 'no-store',
            'X-Content-Type-Options': 'nosniff',
          })
          .send(pdf)
      }
      const found = await reports.lookup(number)
      if (format === 'json' || format === 'application/json')
        return void res.set('Cache-Control', 'no-store').json({
          verifiableCredential: found.verifiableCredential,
          report: found.report,
          details: found.details,
          verifyUrl: found.verifyUrl,
        })
      const nonce = randomBytes(16).toString('base64')
      res
        .set({
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
          'Content-Security-Policy': `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src ${new URL(found.verifyUrl).origin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
        })
        .type('html')
        .send(reportPage(found, lang, nonce))
    },
    {
      summary: 'Look a certification report up by its number (public): the signed credential, the PDF, or a page',
      description:
        'A mistyped number is refused by its check character without a database lookup; lookups are limited per client address (CB_REPORT_LOOKUPS_PER_MINUTE).',
      responses: {
        '200': {
          description: 'the report',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  verifiableCredential: { type: 'object' },
                  report: reportViewSchema,
                  details: { type: 'object' },
                  verifyUrl: { type: 'string' },
                },
              },
            },
            'application/pdf': { description: 'A4, zh (default) or en' },
            'text/html': { description: 'a page showing the report, handing it to the verifier service' },
          },
        },
      },
      errors: [...NUMBER_ERRORS, 'not_found'],
      tags: ['reports'],
    },
  ),
]

export const myReportsCreate = (reports: Reports): RequestHandler[] => [
  validateRequest(reportCreateSchema),
  describe(
    async (req, res) => {
      const b = req.body as Valid<typeof reportCreateSchema.body>
      const p = req.principal!
      const view = await reports.request(p.id, b.outcomeIds, actorOf(p))
      res.status(201).location(view.lookupUrl).set('Cache-Control', 'no-store').json(view)
    },
    {
      summary: 'Ask for a certification report over all or chosen recognized outcomes',
      responses: { '201': { description: 'the report, signed', content: { 'application/json': { schema: reportViewSchema } } } },
      errors: ['real_name_required', 'no_reportable_outcomes', 'outcome_not_reportable', 'not_found'],
      tags: ['reports'],
    },
  ),
]

export const myReportsList = (reports: Reports): RequestHandler[] => [
  validateRequest(reportListSchema),
  describe(
    async (req, res) => {
      const q = req.query as Valid<typeof reportListSchema.query>
      const page = await reports.listForLearner(req.principal!.id, {
        limit: q.limit ? Number(q.limit) : 20,
        ...(q.cursor ? { after: q.cursor } : {}),
      })
      res.set('Cache-Control', 'no-store').json(page)
    },
    {
      summary: 'My certification reports, newest first',
      responses: {
        '200': {
          description: 'a page of reports',
          content: {
            'application/json': {
              schema: { type: 'object', properties: { items: { type: 'array', items: reportViewSchema }, nextCursor: { type: 'string' } } },
            },
          },
        },
      },
      tags: ['reports'],
    },
  ),
]

/** POST /me/reports/{number}/revoke (the learner's own) and POST /reports/{number}/revoke (admins). */
export const reportsRevoke = (reports: Reports): RequestHandler[] => [
  validateRequest(reportNumberSchema),
  describe(
    async (req, res) => {
      const p = req.principal!
      res.set('Cache-Control', 'no-store').json(await reports.revoke(String(req.params.number), p, actorOf(p)))
    },
    {
      summary: 'Revoke a certification report (its credential’s revocation bit); again: no change',
      responses: { '200': { description: 'the revoked report', content: { 'application/json': { schema: reportViewSchema } } } },
      errors: [...NUMBER_ERRORS, 'not_found'],
      tags: ['reports'],
    },
  ),
]

export const myReportsReissue = (reports: Reports): RequestHandler[] => [
  validateRequest(reportNumberSchema),
  describe(
    async (req, res) => {
      const p = req.principal!
      const view = await reports.reissue(String(req.params.number), p.id, actorOf(p))
      res.status(201).location(view.lookupUrl).set('Cache-Control', 'no-store').json(view)
    },
    {
      summary: 'Reissue a report one of whose covered credentials was revoked: a new number, the old report revoked',
      responses: { '201': { description: 'the new report', content: { 'application/json': { schema: reportViewSchema } } } },
      errors: [...NUMBER_ERRORS, 'not_found', 'report_up_to_date', 'report_revoked', 'no_reportable_outcomes', 'real_name_required'],
      tags: ['reports'],
    },
  ),
]

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const PAGE_TEXT = {
  zh: {
    title: '学习成果认证报告',
    number: '报告编号',
    status: { valid: '有效', revoked: '已撤销' },
    statusLabel: '状态',
    learner: '学习者',
    idNumber: '身份证号',
    columns: ['学习成果', '颁发机构', '级别', '学分', '获得日期'],
    total: '学分合计',
    ledger: '其中计入学分账户',
    heldBack: '受学分账户政策上限限制，未计入账户',
    verify: '交由核验服务核验签名与状态',
    verifyNote: '核验服务检查报告的签名、出具机构及撤销状态；无需信任本页面。',
    pdf: '下载 PDF',
    json: '可验证凭证（JSON）',
    other: 'English',
  },
  en: {
    title: 'Learning-outcome certification report',
    number: 'Report number',
    status: { valid: 'valid', revoked: 'revoked' },
    statusLabel: 'Status',
    learner: 'Learner',
    idNumber: 'Identity number',
    columns: ['Learning outcome', 'Institution', 'Level', 'Credits', 'Awarded'],
    total: 'Total credits',
    ledger: 'Of which counted in the credit ledger',
    heldBack: 'held back from the credit ledger by a policy cap',
    verify: 'Check its signature and status with the verifier service',
    verifyNote: 'The verifier checks the report’s signature, issuer and revocation status: nobody has to trust this page.',
    pdf: 'Download the PDF',
    json: 'Verifiable credential (JSON)',
    other: '中文',
  },
} as const

/** The public page: the report as issued, links to its PDF and JSON, and a button that asks the verifier service. */
function reportPage(found: ReportLookup, lang: ReportLanguage, nonce: string): string {
  const t = PAGE_TEXT[lang]
  const { report, details } = found
  const rows = details.outcomes
    .map(
      (o) =>
        `<tr><td>${escapeHtml(o.name[lang] || o.name.zh)}${o.heldBackBy ? ` * <small>(${t.heldBack}: ${escapeHtml(o.heldBackBy[lang] || o.heldBackBy.zh)})</small>` : ''}</td><td>${escapeHtml(o.institution[lang] || o.institution.zh)}</td><td>${o.level}</td><td>${o.credits}</td><td>${escapeHtml(o.awardedDate)}</td></tr>`,
    )
    .join('')
  const other: ReportLanguage = lang === 'zh' ? 'en' : 'zh'
  const payload = JSON.stringify({ verifiableCredential: found.verifiableCredential }).replace(/</g, '\\u003c')
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t.title} ${report.number}</title>
<style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.3rem;text-align:left}.revoked{color:#b00020;font-weight:bold}</style>
</head><body>
<p><a href="?lang=${other}">${t.other}</a></p>
<h1>${escapeHtml(details.bankName[lang])}<br>${t.title}</h1>
<p>${t.number}: <strong>${report.number}</strong></p>
<p>${t.statusLabel}: <span class="${report.status}">${t.status[report.status]}</span></p>
<p>${t.learner}: ${escapeHtml(details.learnerName)} · ${t.idNumber}: ${escapeHtml(details.idNumberMasked)}</p>
<table><thead><tr>${t.columns.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>
<p>${t.total}: <strong>${details.totals.totalCredits}</strong>${details.ledgerCredits === undefined ? '' : ` · ${t.ledger}: ${details.ledgerCredits}`}</p>
<p><a href="?format=pdf&amp;lang=${lang}">${t.pdf}</a> · <a href="?format=json">${t.json}</a></p>
<p><button id="verify" type="button">${t.verify}</button> <span id="result"></span></p>
<p><small>${t.verifyNote} (${escapeHtml(found.verifyUrl)})</small></p>
<script nonce="${nonce}">
const body = ${payload};
document.getElementById('verify').addEventListener('click', async () => {
  const out = document.getElementById('result');
  try {
    const r = await fetch(${JSON.stringify(found.verifyUrl)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const report = await r.json();
    out.textContent = report.verified ? '✔ verified' : '✘ ' + (report.problemDetails || []).map((p) => p.type || p.title).join(', ');
  } catch (e) { out.textContent = String(e); }
});
</script>
</body></html>`
}
