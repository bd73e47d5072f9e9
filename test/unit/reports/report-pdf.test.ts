// The report's PDF on its own: a long report runs over pages that each name the report, the totals and the QR code
// come last, and the text is extractable in both languages (the font is embedded as a subset, with its Unicode map).
import assert from 'node:assert/strict'
import { renderReportPdf } from '../../../issuer/reports/report-pdf.ts'
import type { ReportDetails } from '../../../issuer/reports/report-store.ts'
import { renderPdfPage } from '../../helpers/render-pdf.ts'

const NUMBER = 'CB-7K3M-9Q2W-X4RT-8HJN'
const LOOKUP = `https://bank.example/reports/${NUMBER}`

function details(count: number): ReportDetails {
  return {
    learnerName: '张三',
    idNumberMasked: '3201**********1234',
    bankName: { zh: '江苏省终身教育学分银行', en: 'Jiangsu Credit Bank for Lifelong Education' },
    outcomes: Array.from({ length: count }, (_, i) => ({
      outcomeId: `o${i}`,
      credentialId: `urn:uuid:${i}`,
      name: { zh: `高级程序设计专题研讨第${i}讲`, en: `Advanced programming seminar, part ${i}` },
      institution: { zh: '江苏开放大学继续教育学院', en: 'Jiangsu Open University, School of Continuing Education' },
      level: 5,
      category: 'academic' as const,
      credits: 1.5,
      awardedDate: '2025-07-01',
    })),
    totals: {
      totalCredits: 1.5 * count,
      byCategory: { academic: 1.5 * count, non_academic: 0 },
      byLevel: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 1.5 * count, '6': 0, '7': 0 },
    },
  }
}

describe('report PDF', () => {
  it('when a report covers 80 outcomes, then its pages each name the report, and the last has the totals and the QR code', async () => {
    const pdf = await renderReportPdf(
      { number: NUMBER, details: details(80), lookupUrl: LOOKUP, status: 'valid', issuedAt: '2026-03-01T08:00:00Z' },
      'zh',
    )
    const first = await renderPdfPage(pdf, 1)
    assert.ok(first.pageCount > 2, `${first.pageCount} pages`)
    assert.ok(pdf.length < 150_000, `${pdf.length} bytes: the font is a subset`)
    for (let n = 2; n <= first.pageCount; n++) {
      const page = await renderPdfPage(pdf, n)
      assert.ok(page.text.includes(NUMBER), `page ${n}`)
      assert.ok(page.text.includes('学习成果'), `page ${n} repeats the column heads`)
    }
    const last = await renderPdfPage(pdf, first.pageCount)
    assert.ok(last.text.includes('学分合计: 120'))
    assert.ok(last.text.includes('高级程序设计专题研讨第79讲'))
    assert.equal(last.qr, LOOKUP)
  })

  it('when the report is revoked, then the PDF says so in its language', async () => {
    for (const [lang, text] of [
      ['zh', '本报告已撤销'],
      ['en', 'This report has been revoked'],
    ] as const) {
      const pdf = await renderReportPdf(
        { number: NUMBER, details: details(2), lookupUrl: LOOKUP, status: 'revoked', issuedAt: '2026-03-01T08:00:00Z' },
        lang,
      )
      assert.ok((await renderPdfPage(pdf)).text.includes(text), lang)
    }
  })
})
