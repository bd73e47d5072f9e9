// The credential shapes the bank issues and verifies, and the context and schema URLs they use. Browser-safe.

/** W3C VC Data Model 2.0 base context. Must be the first `@context` item of every v2 credential. */
export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2'
/**
 * W3C VC Data Model 2.0 examples context: maps every term no other context defines into the examples vocabulary
 * (`@vocab`). The W3C test suites and the specification's examples use it.
 */
export const VC_EXAMPLES_V2_CONTEXT = 'https://www.w3.org/ns/credentials/examples/v2'
/** W3C VC Data Model 1.1 base context (Veramo-style JWTs from outside; we never issue it). */
export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1'
/** Open Badges 3.0 context (AchievementCredential, Profile, Achievement …). */
export const OB3_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'
/** The credit bank's own JSON-LD context (frameworkLevel, outcomeCategory, CertificationReport …). */
export const CREDIT_BANK_CONTEXT = 'https://w3id.org/credit-bank/v1'

/** `$id` of each JSON Schema in schemas/ (also usable as `credentialSchema.id`, type `JsonSchema`). */
export const COMMON_SCHEMA_ID = 'https://w3id.org/credit-bank/schemas/common.v1.json'
export const ACHIEVEMENT_CREDENTIAL_SCHEMA_ID = 'https://w3id.org/credit-bank/schemas/achievement-credential.v1.json'
export const CERTIFICATION_REPORT_CREDENTIAL_SCHEMA_ID = 'https://w3id.org/credit-bank/schemas/certification-report-credential.v1.json'
export const BITSTRING_STATUS_LIST_CREDENTIAL_SCHEMA_ID = 'https://w3id.org/credit-bank/schemas/bitstring-status-list-credential.json'
/** Our JSON Schema of the Open Badges 3.0 data model, applied to every OB 3.0 credential whoever issued it. */
export const OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA_ID = 'https://w3id.org/credit-bank/schemas/ob3-achievement-credential.json'
/** 1EdTech's own schema id for an AchievementCredential; a `credentialSchema` naming it gets our OB 3.0 schema. */
export const OB3_1EDTECH_ACHIEVEMENT_CREDENTIAL_SCHEMA =
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json'

/** Which VC data model a document follows: 2.0 (what we issue) or 1.1 (JWTs from outside). */
export type DataModel = 'v2' | 'v1'

/** VC-JOSE-COSE §3.1.1: an EnvelopedVerifiableCredential's id is a data: URL of this media type. */
export const VC_JWT_DATA_URL_PREFIX = 'data:application/vc+jwt,'

/** The issuer's id: `issuer` as a URL string, or the `id` of an issuer object. */
export function issuerOf(credential: Readonly<Record<string, unknown>>): string | undefined {
  const issuer = credential.issuer
  if (typeof issuer === 'string') return issuer
  const id = issuer !== null && typeof issuer === 'object' ? (issuer as { id?: unknown }).id : undefined
  return typeof id === 'string' ? id : undefined
}

/** A string with a language tag (VCDM 2.0 §11.1 language value object). */
export interface LanguageValue {
  readonly '@value': string
  readonly '@language'?: string
  readonly '@direction'?: 'ltr' | 'rtl'
}
/** A plain string, one language value, or several (one per language, e.g. zh and en). */
export type LanguageString = string | LanguageValue | readonly LanguageValue[]

/** An issuer or institution (Open Badges 3.0 Profile). `id` is a DID or URL. */
export interface Profile {
  readonly id: string
  readonly type: readonly string[]
  readonly name: LanguageString
  readonly description?: LanguageString
  readonly [extra: string]: unknown
}

/**
 * A salted hash of an identifier (OB 3.0 IdentityObject), used to bind a credential to a learner
 * without a DID. `identityHash` is `sha256$<hex>` (or sha384/sha512) of identifier + salt: a national
 * id number never appears in the clear.
 */
export interface IdentityObject {
  readonly type: 'IdentityObject'
  readonly hashed: true
  readonly identityHash: string
  readonly identityType: string
  readonly salt: string
}

/** Learning-outcome category (学历教育 / 非学历教育). */
export type OutcomeCategory = 'academic' | 'non_academic'
/** Level in the 7-level learning-outcomes framework. */
export type FrameworkLevel = 1 | 2 | 3 | 4 | 5 | 6 | 7

/** Open Badges 3.0 achievement types we expect; any `ext:Name` value is also allowed. */
export type AchievementType =
  | 'Achievement'
  | 'ApprenticeshipCertificate'
  | 'Assessment'
  | 'Assignment'
  | 'AssociateDegree'
  | 'Award'
  | 'Badge'
  | 'BachelorDegree'
  | 'Certificate'
  | 'CertificateOfCompletion'
  | 'Certification'
  | 'CommunityService'
  | 'Competency'
  | 'Course'
  | 'CoCurricular'
  | 'Degree'
  | 'Diploma'
  | 'DoctoralDegree'
  | 'Fieldwork'
  | 'GeneralEducationDevelopment'
  | 'JourneymanCertificate'
  | 'LearningProgram'
  | 'License'
  | 'Membership'
  | 'ProfessionalDoctorate'
  | 'QualityAssuranceCredential'
  | 'MasterCertificate'
  | 'MasterDegree'
  | 'MicroCredential'
  | 'ResearchDoctorate'
  | 'SecondarySchoolDiploma'
  | `ext:${string}`

/** What a learner must do to earn the achievement: a narrative, a URL, or both. */
export interface Criteria {
  readonly id?: string
  readonly narrative?: string
}

/** A catalogue entry (学习成果目录): a course, certificate type … (OB 3.0 Achievement + our terms). */
export interface Achievement {
  readonly id: string
  readonly type: readonly string[]
  readonly achievementType: AchievementType
  readonly name: LanguageString
  readonly description: LanguageString
  readonly criteria: Criteria
  readonly creditsAvailable: number
  readonly fieldOfStudy?: string
  readonly humanCode?: string
  readonly inLanguage?: string
  readonly frameworkLevel: FrameworkLevel
  readonly outcomeCategory: OutcomeCategory
  readonly [extra: string]: unknown
}

/** OB 3.0 Result (e.g. a grade). */
export interface Result {
  readonly type: readonly string[]
  readonly value?: string
  readonly [extra: string]: unknown
}

/** The learner and what they achieved. At least one of `id` (a DID) and `identifier` is present. */
export interface AchievementSubject {
  readonly id?: string
  readonly identifier?: readonly IdentityObject[]
  readonly type: readonly string[]
  readonly achievement: Achievement
  readonly creditsEarned: number
  readonly result?: readonly Result[]
  readonly term?: string
  readonly activityStartDate?: string
  readonly activityEndDate?: string
  /** The institution whose recognition (认定) put this outcome in the bank. */
  readonly recognizingInstitution: Profile
  readonly [extra: string]: unknown
}

/** A credential status entry in a Bitstring Status List (W3C Bitstring Status List v1.0 §2.1). */
export interface BitstringStatusListEntry {
  readonly id?: string
  readonly type: 'BitstringStatusListEntry'
  readonly statusPurpose: StatusPurpose
  /** Base-10 integer as a string. */
  readonly statusListIndex: string
  readonly statusListCredential: string
}

/** A link to another resource with its digest (VCDM 2.0 §5.3 integrity of related resources). */
export interface RelatedResource {
  readonly id: string
  readonly digestSRI?: string
  readonly digestMultibase?: string
  readonly mediaType?: string
}

/** Fields every VCDM 2.0 credential we handle may carry. */
export interface CredentialBase {
  readonly '@context': readonly (string | Readonly<Record<string, unknown>>)[]
  readonly id?: string
  readonly type: readonly string[]
  readonly issuer: string | Profile
  readonly validFrom?: string
  readonly validUntil?: string
  readonly name?: LanguageString
  readonly description?: LanguageString
  readonly credentialStatus?: BitstringStatusListEntry | readonly BitstringStatusListEntry[]
  readonly credentialSchema?: { readonly id: string; readonly type: string } | readonly { readonly id: string; readonly type: string }[]
  readonly relatedResource?: readonly RelatedResource[]
  readonly proof?: Readonly<Record<string, unknown>> | readonly Readonly<Record<string, unknown>>[]
  readonly [extra: string]: unknown
}

/** One recognized learning outcome (Open Badges 3.0 AchievementCredential + credit-bank terms). */
export interface AchievementCredential extends CredentialBase {
  readonly issuer: Profile
  readonly validFrom: string
  readonly name: LanguageString
  /** When the outcome was awarded; kept apart from `validFrom` (when the credential starts being valid). */
  readonly awardedDate: string
  readonly credentialSubject: AchievementSubject
}

/** A credential listed in a certification report. */
export interface CoveredCredential {
  readonly id: string
  readonly name: LanguageString
  readonly creditsEarned: number
  readonly frameworkLevel: FrameworkLevel
  readonly outcomeCategory: OutcomeCategory
}

/** Credits summed over the covered credentials. */
export interface CreditTotals {
  readonly totalCredits: number
  readonly byCategory: { readonly academic: number; readonly non_academic: number }
  readonly byLevel: { readonly [level in `${FrameworkLevel}`]: number }
}

/** The subject of a certification report (学习成果认证报告). */
export interface CertificationReport {
  readonly id?: string
  readonly identifier?: readonly IdentityObject[]
  readonly type: readonly string[]
  /** `CB-XXXX-XXXX-XXXX-XXXX`, Crockford base32 groups. */
  readonly reportNumber: string
  readonly learner: { readonly name: LanguageString }
  readonly coveredCredentials: readonly CoveredCredential[]
  readonly creditTotals: CreditTotals
  readonly [extra: string]: unknown
}

/** A certification report; `relatedResource` pins the digest of every covered credential. */
export interface CertificationReportCredential extends CredentialBase {
  readonly issuer: Profile
  readonly validFrom: string
  readonly credentialSubject: CertificationReport
  readonly relatedResource: readonly RelatedResource[]
}

/** What a status bit means (W3C Bitstring Status List v1.0). */
export type StatusPurpose = 'revocation' | 'suspension' | 'refresh' | 'message'

/** The subject of a status list credential. */
export interface BitstringStatusList {
  readonly id: string
  readonly type: 'BitstringStatusList'
  readonly statusPurpose: StatusPurpose
  /** Multibase base64url (`u…`) of the GZIP-compressed bitstring. */
  readonly encodedList: string
  readonly [extra: string]: unknown
}

/** A published status list (W3C Bitstring Status List v1.0 §2.2). */
export interface BitstringStatusListCredential extends CredentialBase {
  readonly validFrom: string
  readonly credentialSubject: BitstringStatusList
}
