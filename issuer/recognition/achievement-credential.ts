// The AchievementCredential the bank signs for a recognized learning outcome: Open Badges 3.0 with the credit bank's
// terms, the learner named only by a salted, hashed IdentityObject, names in Chinese and English as language values.
import { CREDIT_BANK_CONTEXT, OB3_CONTEXT, VC_V2_CONTEXT, type LanguageValue } from '../../core/credentials/types.ts'
import type { InstitutionRecord } from '../alliance/institution-store.ts'
import type { CatalogueEntryRecord } from '../catalogue/catalogue-store.ts'
import type { OutcomeRecord } from './outcome-store.ts'

export interface Bilingual {
  readonly zh: string
  readonly en: string
}

/** The bank as the credential's issuer: its DID, its name, and the public URL its catalogue and outcomes live under. */
export interface BankProfile {
  readonly did: string
  readonly name: Bilingual
  readonly publicUrl: URL
}

/** What the credential is about: a catalogue entry and its institution, or (a deposit outside the catalogue) the learner's claim. */
export type OutcomeAchievementSource =
  { readonly kind: 'catalogue'; readonly entry: CatalogueEntryRecord; readonly institution: InstitutionRecord } | { readonly kind: 'claim' }

/** The bank's name when no other is configured (bin/demo.ts uses the same). */
export const DEFAULT_BANK_NAME: Bilingual = { zh: '江苏省终身教育学分银行', en: 'Jiangsu Credit Bank for Lifelong Education' }

/** `[{zh}, {en}]` language values, leaving out a blank one; undefined when both are blank. */
export function languageValues(text: { readonly zh?: string; readonly en?: string }): LanguageValue[] | undefined {
  const out: LanguageValue[] = []
  if (text.zh?.trim()) out.push({ '@value': text.zh, '@language': 'zh' })
  if (text.en?.trim()) out.push({ '@value': text.en, '@language': 'en' })
  return out.length ? out : undefined
}

/**
 * A date (YYYY-MM-DD) as the instant a person in China means by it: midnight, Beijing time. The credential keeps
 * `awardedDate` (when the outcome was awarded) apart from `validFrom` (when the bank signed it).
 */
export const beijingMidnight = (date: string): string => `${date}T00:00:00+08:00`

const baseUrl = (u: URL): string => u.href.replace(/\/$/, '')

/** An institution as an OB 3.0 Profile: its did:web when it has one, else its page in the bank. */
export function institutionProfile(institution: InstitutionRecord, publicUrl: URL): Record<string, unknown> {
  return {
    id: institution.did ?? `${baseUrl(publicUrl)}/institutions/${institution.id}`,
    type: ['Profile'],
    name: languageValues({ zh: institution.nameZh, en: institution.nameEn }),
  }
}

function bankProfile(bank: BankProfile): Record<string, unknown> {
  return { id: bank.did, type: ['Profile'], name: languageValues(bank.name) }
}

function catalogueAchievement(entry: CatalogueEntryRecord, institution: InstitutionRecord, publicUrl: URL): Record<string, unknown> {
  const id = `${baseUrl(publicUrl)}/catalogue/${entry.id}`
  const name = languageValues({ zh: entry.nameZh, en: entry.nameEn })
  return {
    id,
    type: ['Achievement'],
    achievementType: entry.achievementType,
    name,
    description: languageValues({ zh: entry.descriptionZh, en: entry.descriptionEn }) ?? name,
    criteria: {
      id,
      narrative: `按${institution.nameZh}学习成果目录条目 ${entry.code} 的要求完成并通过考核。Completed and assessed as ${institution.nameEn}'s catalogue entry ${entry.code} requires.`,
    },
    creditsAvailable: entry.creditsCenti / 100,
    fieldOfStudy: entry.field,
    humanCode: entry.code,
    frameworkLevel: entry.level,
    outcomeCategory: entry.category,
  }
}

function claimedAchievement(outcome: OutcomeRecord, publicUrl: URL): Record<string, unknown> {
  const claim = outcome.claim
  if (!claim) throw new TypeError(`outcome ${outcome.id} has neither a catalogue entry nor a claim`)
  return {
    id: `${baseUrl(publicUrl)}/outcomes/${outcome.id}/achievement`,
    type: ['Achievement'],
    achievementType: 'Achievement',
    name: languageValues(claim.name),
    description: languageValues({
      zh: `由学习者存入、经学分银行认定的学习成果；颁发机构：${claim.issuerName}。`,
      en: `A learning outcome the learner deposited and the credit bank recognized; awarded by ${claim.issuerName}.`,
    }),
    criteria: {
      narrative: `学分银行审核学习者提交的证明材料后认定。Recognized by the credit bank after reviewing the evidence the learner deposited.`,
    },
    creditsAvailable: claim.credits,
    fieldOfStudy: claim.field,
    frameworkLevel: claim.level,
    outcomeCategory: claim.category,
  }
}

/**
 * The parts a batch's credentials have in common (an entry's achievement, an institution's profile, the bank's), built
 * once per batch and referenced by each credential: less to build and collect, and a structured clone to a signing
 * thread copies a part referenced many times once. Nothing mutates a credential below its top level once built.
 */
export type SharedParts = Map<string, Record<string, unknown>>

// Members every outcome credential has as they are: one frozen array each, which a batch's credentials share (a
// signing thread's template then holds them as text instead of values to send with each credential).
const CONTEXT = Object.freeze([VC_V2_CONTEXT, OB3_CONTEXT, CREDIT_BANK_CONTEXT])
const CREDENTIAL_TYPE = Object.freeze(['VerifiableCredential', 'AchievementCredential'])
const SUBJECT_TYPE = Object.freeze(['AchievementSubject'])
const RESULT_TYPE = Object.freeze(['Result'])

function once(shared: SharedParts | undefined, key: string, make: () => Record<string, unknown>): Record<string, unknown> {
  if (!shared) return make()
  let part = shared.get(key)
  if (!part) shared.set(key, (part = make()))
  return part
}

/**
 * The unsigned AchievementCredential of a recognized outcome (the issuer adds validFrom, status and proof). The
 * recognizing institution is the catalogue entry's institution; for a claim outside the catalogue, the bank itself. No
 * `credentialSchema`: the bank's schema applies to an AchievementCredential by its type already, and naming it would
 * have the issuer check every credential of a million-row import against it twice.
 */
export function buildOutcomeCredential(
  bank: BankProfile,
  outcome: OutcomeRecord,
  source: OutcomeAchievementSource,
  credentialId: string,
  shared?: SharedParts,
): Record<string, unknown> {
  const achievement =
    source.kind === 'catalogue'
      ? once(shared, `achievement ${source.entry.id}`, () => catalogueAchievement(source.entry, source.institution, bank.publicUrl))
      : claimedAchievement(outcome, bank.publicUrl)
  const recognizingInstitution =
    source.kind === 'catalogue'
      ? once(shared, `institution ${source.institution.id}`, () => institutionProfile(source.institution, bank.publicUrl))
      : once(shared, 'bank', () => bankProfile(bank))
  const subject: Record<string, unknown> = {
    type: SUBJECT_TYPE,
    identifier: [outcome.identityObject],
    achievement,
    creditsEarned: outcome.creditsCenti / 100,
    ...(outcome.result !== null ? { result: [{ type: RESULT_TYPE, value: outcome.result }] } : {}),
    ...(outcome.term !== null ? { term: outcome.term } : {}),
    ...(outcome.activityStartDate !== null ? { activityStartDate: beijingMidnight(outcome.activityStartDate) } : {}),
    ...(outcome.activityEndDate !== null ? { activityEndDate: beijingMidnight(outcome.activityEndDate) } : {}),
    recognizingInstitution,
  }
  return {
    '@context': CONTEXT,
    id: credentialId,
    type: CREDENTIAL_TYPE,
    issuer: once(shared, 'bank', () => bankProfile(bank)),
    name: achievement.name,
    awardedDate: beijingMidnight(outcome.awardedDate),
    credentialSubject: subject,
  }
}

/**
 * Which template {@link buildOutcomeCredential} fills for `outcome`: the source (a catalogue entry, or a claim) and
 * which optional members it has. Credentials of one shape differ only in values the bank checked before (import rows,
 * the catalogue), so a batch validates the first of each shape fully (CredentialIssuer's `trustedShape`).
 */
export function outcomeCredentialShape(outcome: OutcomeRecord, source: OutcomeAchievementSource): string {
  const optional = [outcome.result, outcome.term, outcome.activityStartDate, outcome.activityEndDate].map((v) => (v === null ? 0 : 1))
  return `${source.kind === 'catalogue' ? `catalogue:${source.entry.id}` : `claim:${outcome.id}`}:${optional.join('')}`
}
