// The certification report as a PDF (A4), in Chinese or in English: the bank's name, the learner's name and masked
// identity number, each covered outcome with its institution, framework level, credits and date, the totals, the report
// number, and a QR code that opens the public lookup. Chinese is set in Noto Sans SC, the TTF the npm package
// @expo-google-fonts/noto-sans-sc ships, embedded as a subset of the glyphs used (a page weighs tens of kilobytes).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import PDFDocument from 'pdfkit'
import QRCode from 'qrcode'
import type { ReportDetails } from './report-store.ts'

export const REPORT_LANGUAGES = ['zh', 'en'] as const
export type ReportLanguage = (typeof REPORT_LANGUAGES)[number]

export interface ReportPdfInput {
  readonly number: string
  readonly details: ReportDetails
  readonly lookupUrl: string
  readonly status: 'valid' | 'revoked'
  /** ISO instant the report was issued. */
  readonly issuedAt: string
}

const require = createRequire(import.meta.url)
let fonts: { regular: Buffer; bold: Buffer } | undefined
/** Noto Sans SC regular and bold, read once (about 10 MB each; only the glyphs used are embedded). */
function notoSansSc(): { regular: Buffer; bold: Buffer } {
  fonts ??= {
    regular: readFileSync(require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf')),
    bold: readFileSync(require.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf')),
  }
  return fonts
}

const TEXT = {
  zh: {
    title: '学习成果认证报告',
    number: '报告编号',
    issued: '出具日期',
    learner: '学习者',
    idNumber: '身份证号',
    revoked: '本报告已撤销，不再有效。',
    columns: ['学习成果', '颁发机构', '级别', '学分', '获得日期'],
    totals: '学分合计',
    ledger: '其中计入学分账户',
    heldBack: '受学分账户政策上限限制，未计入账户',
    academic: '学历教育',
    nonAcademic: '非学历教育',
    level: (n: string) => `${n}级`,
    scan: '扫描二维码或访问以下地址，核验本报告（可获取经学分银行签名的可验证凭证）：',
    footer: '本报告由学分银行以数字签名出具；以查询所得的可验证凭证为准。',
  },
  en: {
    title: 'Learning-outcome certification report',
    number: 'Report number',
    issued: 'Issued',
    learner: 'Learner',
    idNumber: 'Identity number',
    revoked: 'This report has been revoked and is no longer valid.',
    columns: ['Learning outcome', 'Institution', 'Level', 'Credits', 'Awarded'],
    totals: 'Credit totals',
    ledger: 'Of which counted in the credit ledger',
    heldBack: 'held back from the credit ledger by a policy cap',
    academic: 'Academic',
    nonAcademic: 'Non-academic',
    level: (n: string) => `Level ${n}`,
    scan: "Scan the QR code or open this address to check the report (the credit bank's signed, verifiable credential):",
    footer: 'Issued and digitally signed by the credit bank; the verifiable credential found by lookup is authoritative.',
  },
} as const

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0$/, ''))

/** Renders the report; resolves with the PDF's bytes. */
export async function renderReportPdf(input: ReportPdfInput, lang: ReportLanguage): Promise<Buffer> {
  const t = TEXT[lang]
  const { regular, bold } = notoSansSc()
  const qr = await QRCode.toBuffer(input.lookupUrl, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 6 })
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: `${t.title} ${input.number}`, Author: input.details.bankName[lang], Subject: input.number },
  })
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  doc.registerFont('body', regular)
  doc.registerFont('bold', bold)
  const d = input.details
  const left = doc.page.margins.left
  const width = doc.page.width - left - doc.page.margins.right

  doc.font('bold').fontSize(16).text(d.bankName[lang], { align: 'center' })
  doc.moveDown(0.3).fontSize(20).text(t.title, { align: 'center' })
  doc.moveDown(0.8).font('body').fontSize(11)
  doc.text(`${t.number}: ${input.number}`)
  doc.text(`${t.issued}: ${input.issuedAt.slice(0, 10)}`)
  doc.text(`${t.learner}: ${d.learnerName}`)
  doc.text(`${t.idNumber}: ${d.idNumberMasked}`)
  if (input.status === 'revoked') doc.moveDown(0.3).font('bold').fillColor('#b00020').text(t.revoked).fillColor('black').font('body')

  // The outcomes, one row each.
  const widths = [0.34, 0.3, 0.1, 0.1, 0.16].map((f) => f * width)
  const row = (cells: readonly string[], font: 'body' | 'bold') => {
    const y = doc.y
    let x = left
    let bottom = y
    doc.font(font).fontSize(9.5)
    cells.forEach((cell, i) => {
      doc.text(cell, x + 2, y, { width: widths[i]! - 4 })
      bottom = Math.max(bottom, doc.y)
      x += widths[i]!
    })
    doc
      .moveTo(left, bottom + 3)
      .lineTo(left + width, bottom + 3)
      .lineWidth(0.5)
      .strokeColor('#999999')
      .stroke()
    doc.x = left
    doc.y = bottom + 6
  }
  doc.moveDown(1)
  row(t.columns, 'bold')
  for (const o of d.outcomes) {
    // A row starts with room for three lines; a new page repeats the report number and the column heads.
    if (doc.y > doc.page.height - doc.page.margins.bottom - 45) {
      doc.addPage()
      doc.font('body').fontSize(9).fillColor('#555555').text(`${t.title} · ${input.number}`, left).fillColor('black')
      doc.moveDown(0.5)
      row(t.columns, 'bold')
    }
    row(
      [
        `${o.name[lang] || o.name.zh}${o.heldBackBy ? ' *' : ''}`,
        o.institution[lang] || o.institution.zh,
        t.level(String(o.level)),
        fmt(o.credits),
        o.awardedDate,
      ],
      'body',
    )
  }

  const rules = [...new Set(d.outcomes.flatMap((o) => (o.heldBackBy ? [o.heldBackBy[lang] || o.heldBackBy.zh] : [])))]
  if (rules.length)
    doc
      .moveDown(0.3)
      .font('body')
      .fontSize(8.5)
      .text(`* ${t.heldBack}: ${rules.join('; ')}`, left, doc.y, { width })
  doc
    .moveDown(0.8)
    .font('bold')
    .fontSize(11)
    .text(`${t.totals}: ${fmt(d.totals.totalCredits)}`, left)
  doc.font('body').fontSize(10)
  if (d.ledgerCredits !== undefined) doc.text(`${t.ledger}: ${fmt(d.ledgerCredits)}`)
  doc.text(`${t.academic}: ${fmt(d.totals.byCategory.academic)}    ${t.nonAcademic}: ${fmt(d.totals.byCategory.non_academic)}`)
  const levels = Object.entries(d.totals.byLevel)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${t.level(k)}: ${fmt(v)}`)
  if (levels.length) doc.text(levels.join('    '))

  if (doc.y > doc.page.height - 220) doc.addPage()
  doc.moveDown(1.2)
  const qrTop = doc.y
  doc.image(qr, left, qrTop, { width: 130, height: 130 })
  doc.fontSize(9.5).text(t.scan, left + 145, qrTop + 10, { width: width - 145 })
  doc.moveDown(0.3).text(input.lookupUrl, { width: width - 145 })
  doc
    .moveDown(0.3)
    .font('bold')
    .text(input.number, { width: width - 145 })
  doc
    .font('body')
    .fontSize(8.5)
    .fillColor('#555555')
    .text(t.footer, left, qrTop + 145, { width })
  doc.end()
  return done
}
