// The AchievementCredential the bank signs for an approved conversion: the target course (a catalogue entry of the
// target institution) as an Open Badges 3.0 Achievement, the learner by the same hashed IdentityObject their outcomes
// carry, the target institution as recognizingInstitution. What it came from is linked twice, with terms the bundled
// contexts define (the bank's own context is frozen, schemas/contexts/README.md): the achievement names the source
// courses as `related` achievements, and the credential's `evidence` names each source outcome's credential by its id.
import { CREDIT_BANK_CONTEXT, OB3_CONTEXT, VC_V2_CONTEXT, type IdentityObject } from '../../core/credentials/types.ts'
import type { InstitutionRecord } from '../alliance/institution-store.ts'
import type { CatalogueEntryRecord } from '../catalogue/catalogue-store.ts'
import {
  beijingMidnight,
  institutionProfile,
  languageValues,
  type Bilingual,
  type BankProfile,
} from '../recognition/achievement-credential.ts'

/** One outcome a conversion used: its credential and the course it is for. */
export interface ConvertedSource {
  readonly credentialId: string
  readonly catalogueEntryId: string
  readonly name: Bilingual
}

export interface ConversionCredentialInput {
  readonly credentialId: string
  readonly applicationId: string
  readonly identityObject: IdentityObject
  readonly target: CatalogueEntryRecord
  readonly institution: InstitutionRecord
  readonly credits: number
  /** YYYY-MM-DD: the day of the approval. */
  readonly awardedDate: string
  readonly ruleId: string
  readonly ruleVersion: number
  readonly sources: readonly ConvertedSource[]
}

const baseUrl = (u: URL): string => u.href.replace(/\/$/, '')

/** The unsigned credential (the issuer adds validFrom, status and proof); validated by the issuer against the bank's schema. */
export function buildConversionCredential(bank: BankProfile, c: ConversionCredentialInput): Record<string, unknown> {
  const base = baseUrl(bank.publicUrl)
  const entry = c.target
  const id = `${base}/catalogue/${entry.id}`
  const name = languageValues({ zh: entry.nameZh, en: entry.nameEn })
  const achievement = {
    id,
    type: ['Achievement'],
    achievementType: entry.achievementType,
    name,
    description: languageValues({ zh: entry.descriptionZh, en: entry.descriptionEn }) ?? name,
    criteria: {
      id: `${base}/conversion/rules/${c.ruleId}/versions/${c.ruleVersion}`,
      narrative: `按学分转换规则（第 ${c.ruleVersion} 版）由已认定的学习成果转换取得。Obtained by converting recognized learning outcomes under a conversion rule (version ${c.ruleVersion}).`,
    },
    creditsAvailable: entry.creditsCenti / 100,
    fieldOfStudy: entry.field,
    humanCode: entry.code,
    frameworkLevel: entry.level,
    outcomeCategory: entry.category,
    related: [...new Set(c.sources.map((s) => s.catalogueEntryId))].map((entryId) => ({
      id: `${base}/catalogue/${entryId}`,
      type: ['Related'],
    })),
  }
  return {
    '@context': [VC_V2_CONTEXT, OB3_CONTEXT, CREDIT_BANK_CONTEXT],
    id: c.credentialId,
    type: ['VerifiableCredential', 'AchievementCredential'],
    issuer: { id: bank.did, type: ['Profile'], name: languageValues(bank.name) },
    name,
    awardedDate: beijingMidnight(c.awardedDate),
    credentialSubject: {
      type: ['AchievementSubject'],
      identifier: [c.identityObject],
      achievement,
      creditsEarned: c.credits,
      recognizingInstitution: institutionProfile(c.institution, bank.publicUrl),
    },
    evidence: c.sources.map((s) => ({
      id: s.credentialId,
      type: ['Evidence'],
      name: `${s.name.zh} ${s.name.en}`,
      narrative: `转换所用的学习成果（转换申请 ${c.applicationId}）。A learning outcome this conversion used (application ${c.applicationId}).`,
      genre: 'ConvertedLearningOutcome',
    })),
  }
}
