// The CertificationReportCredential the bank signs for a report: the report number, the learner named by a salted,
// hashed IdentityObject (and their name), the covered credentials pinned by the SHA-384 digest of their secured form
// (the compact JWS), and the credit totals over exactly what it covers, so a verifier can add them up itself.
import { createHash } from 'node:crypto'
import { CREDIT_BANK_CONTEXT, OB3_CONTEXT, VC_V2_CONTEXT, type IdentityObject } from '../../core/credentials/types.ts'
import { languageValues, type Bilingual } from '../recognition/achievement-credential.ts'
import type { ReportDetails, ReportOutcomeLine } from './report-store.ts'

export const REPORT_NAME: Bilingual = { zh: '学习成果认证报告', en: 'Learning-outcome certification report' }

/** A covered outcome and its signed credential as stored (the digest is over `document`). */
export interface CoveredOutcome {
  readonly line: ReportOutcomeLine
  /** The secured form: the compact JWS of a vc+jwt, the JSON of a Data Integrity credential. */
  readonly document: string
  readonly format: 'vc+jwt' | 'eddsa-rdfc-2022'
}

/** SRI digest (sha384-…) of a covered credential, over what the verifier's related_resources check digests. */
export function digestSri(covered: CoveredOutcome): string {
  if (covered.format !== 'vc+jwt') throw new TypeError('reports cover the vc+jwt credentials recognition issues')
  return `sha384-${createHash('sha384').update(covered.document, 'utf8').digest('base64')}`
}

const round2 = (n: number): number => Math.round(n * 100) / 100

/** Totals over the covered outcomes: all credits, by category, by framework level 1-7. */
export function creditTotals(lines: readonly ReportOutcomeLine[]): ReportDetails['totals'] {
  const byLevel: Record<string, number> = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0, '6': 0, '7': 0 }
  const byCategory = { academic: 0, non_academic: 0 }
  let total = 0
  for (const l of lines) {
    total += l.credits
    byCategory[l.category] += l.credits
    const key = String(l.level)
    if (key in byLevel) byLevel[key]! += l.credits
  }
  for (const k of Object.keys(byLevel)) byLevel[k] = round2(byLevel[k]!)
  return {
    totalCredits: round2(total),
    byCategory: { academic: round2(byCategory.academic), non_academic: round2(byCategory.non_academic) },
    byLevel,
  }
}

/** The unsigned report credential (the issuer adds validFrom, credentialStatus and the proof). */
export function buildReportCredential(input: {
  readonly credentialId: string
  readonly bank: { readonly did: string; readonly name: Bilingual }
  readonly number: string
  readonly identityObject: IdentityObject
  readonly learnerName: string
  readonly covered: readonly CoveredOutcome[]
  readonly totals: ReportDetails['totals']
}): Record<string, unknown> {
  return {
    '@context': [VC_V2_CONTEXT, OB3_CONTEXT, CREDIT_BANK_CONTEXT],
    id: input.credentialId,
    type: ['VerifiableCredential', 'CertificationReportCredential'],
    issuer: { id: input.bank.did, type: ['Profile'], name: languageValues(input.bank.name) },
    name: languageValues(REPORT_NAME),
    credentialSubject: {
      type: ['CertificationReport'],
      identifier: [input.identityObject],
      reportNumber: input.number,
      learner: { name: [{ '@value': input.learnerName, '@language': 'zh' }] },
      coveredCredentials: input.covered.map((c) => ({
        id: c.line.credentialId,
        name: languageValues(c.line.name),
        creditsEarned: c.line.credits,
        frameworkLevel: c.line.level,
        outcomeCategory: c.line.category,
      })),
      creditTotals: input.totals,
    },
    relatedResource: input.covered.map((c) => ({ id: c.line.credentialId, digestSRI: digestSri(c), mediaType: 'application/vc+jwt' })),
  }
}
