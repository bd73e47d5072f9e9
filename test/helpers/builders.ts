// Test builders: a fresh, valid, unsigned credential of each type per call, plus a JSON-pointer editor for failure cases.
import { gzipSync } from 'node:zlib'
import {
  CREDIT_BANK_CONTEXT,
  OB3_CONTEXT,
  VC_EXAMPLES_V2_CONTEXT,
  VC_V1_CONTEXT,
  VC_V2_CONTEXT,
  type AchievementCredential,
  type BitstringStatusListCredential,
  type CertificationReportCredential,
} from '../../core/credentials/types.ts'

/** The bank's DID in tests. */
export const TEST_ISSUER_DID = 'did:web:bank.example'
/** A learner's wallet DID in tests. */
export const TEST_LEARNER_DID = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
/** The partner university that recognized the outcome. */
export const TEST_INSTITUTION_DID = 'did:web:university.example'

/** Overrides replace top-level properties; an override whose value is `undefined` removes the property. */
export type Overrides = Readonly<Record<string, unknown>>

/**
 * A valid AchievementCredential (VCDM 2.0 + OB 3.0 + credit-bank terms) issued by `issuerDid`:
 * no `id`, `proof` or `credentialStatus` unless `overrides` give them.
 */
export function buildAchievementCredential(issuerDid: string, overrides: Overrides = {}): AchievementCredential {
  const credential = {
    '@context': [VC_V2_CONTEXT, OB3_CONTEXT, CREDIT_BANK_CONTEXT],
    type: ['VerifiableCredential', 'AchievementCredential'],
    issuer: buildIssuerProfile(issuerDid),
    validFrom: '2025-03-01T00:00:00Z',
    name: [
      { '@value': '数据结构', '@language': 'zh' },
      { '@value': 'Data Structures', '@language': 'en' },
    ],
    awardedDate: '2025-01-20T08:00:00+08:00',
    credentialSubject: {
      id: TEST_LEARNER_DID,
      type: ['AchievementSubject'],
      identifier: [
        {
          type: 'IdentityObject',
          hashed: true,
          identityHash: 'sha256$5d0b4a1b3c5f7e9d2a4c6e8f0b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d',
          identityType: 'nationalIdentityNumber',
          salt: 'q3F0Yq1oZ3Jx',
        },
      ],
      achievement: {
        id: 'https://bank.example/achievements/cs-201',
        type: ['Achievement'],
        achievementType: 'Course',
        name: 'Data Structures',
        description: 'Lists, trees, graphs and the algorithms over them.',
        criteria: { narrative: 'Pass the final examination with a mark of 60 or more.' },
        creditsAvailable: 3,
        fieldOfStudy: 'Computer Science',
        humanCode: 'CS201',
        inLanguage: 'zh-CN',
        frameworkLevel: 5,
        outcomeCategory: 'academic',
      },
      creditsEarned: 3,
      result: [{ type: ['Result'], value: '87' }],
      term: '2024 Autumn',
      activityStartDate: '2024-09-01T00:00:00+08:00',
      activityEndDate: '2025-01-15T00:00:00+08:00',
      recognizingInstitution: { id: TEST_INSTITUTION_DID, type: ['Profile'], name: 'Example University' },
    },
  }
  return applyOverrides(credential, overrides) as AchievementCredential
}

/** Ids of the two credentials the default certification report covers. */
export const TEST_COVERED_CREDENTIAL_IDS = [
  'urn:uuid:0b0b6f4e-2f41-4c56-9a43-6c1b2d2f6a01',
  'urn:uuid:6f7d3c2a-9e51-4b8e-8f0d-2a7c4e1b9d02',
] as const

/**
 * A valid CertificationReportCredential over two covered credentials, each pinned in
 * `relatedResource`: no `id`, `proof` or `credentialStatus` unless `overrides` give them.
 */
export function buildCertificationReportCredential(issuerDid: string, overrides: Overrides = {}): CertificationReportCredential {
  const [first, second] = TEST_COVERED_CREDENTIAL_IDS
  const credential = {
    '@context': [VC_V2_CONTEXT, OB3_CONTEXT, CREDIT_BANK_CONTEXT],
    type: ['VerifiableCredential', 'CertificationReportCredential'],
    issuer: buildIssuerProfile(issuerDid),
    validFrom: '2025-06-01T00:00:00Z',
    name: 'Learning-outcome certification report',
    credentialSubject: {
      id: TEST_LEARNER_DID,
      type: ['CertificationReport'],
      reportNumber: 'CB-7K3M-9Q2W-X4RT-8HJN',
      learner: { name: [{ '@value': '张三', '@language': 'zh' }] },
      coveredCredentials: [
        { id: first, name: 'Data Structures', creditsEarned: 3, frameworkLevel: 5, outcomeCategory: 'academic' },
        { id: second, name: 'Welding Certificate (Level 4)', creditsEarned: 2, frameworkLevel: 4, outcomeCategory: 'non_academic' },
      ],
      creditTotals: {
        totalCredits: 5,
        byCategory: { academic: 3, non_academic: 2 },
        byLevel: { '1': 0, '2': 0, '3': 0, '4': 2, '5': 3, '6': 0, '7': 0 },
      },
    },
    relatedResource: [
      { id: first, digestSRI: 'sha384-Fw0MG1TwS3cHtLIsGz5F4K9mTqGfRh2Ulv8LgJXqBNc2oSLkGzT7kfWzvQk2HR3d' },
      { id: second, digestSRI: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' },
    ],
  }
  return applyOverrides(credential, overrides) as CertificationReportCredential
}

/**
 * A credential an API client may have the bank sign through POST /credentials/issue: VCDM 2.0 with the W3C
 * examples context, none of the types or claims the bank keeps for itself (issuer/credentials/client-issuing-policy.ts).
 */
export function buildClientCredential(issuerDid: string, overrides: Overrides = {}): Record<string, unknown> {
  const credential = {
    '@context': [VC_V2_CONTEXT, VC_EXAMPLES_V2_CONTEXT],
    type: ['VerifiableCredential', 'ExampleAlumniCredential'],
    issuer: issuerDid,
    validFrom: '2025-03-01T00:00:00Z',
    name: 'Alumni of Example University',
    credentialSubject: { id: TEST_LEARNER_DID, alumniOf: { name: 'Example University' } },
  }
  return applyOverrides(credential, overrides)
}

/** A valid BitstringStatusListCredential with an all-zero list of 131,072 entries (the BSL minimum). */
export function buildBitstringStatusListCredential(issuerDid: string, overrides: Overrides = {}): BitstringStatusListCredential {
  const id = 'https://bank.example/status-lists/revocation/1'
  const credential = {
    '@context': [VC_V2_CONTEXT],
    id,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: issuerDid,
    validFrom: '2025-01-01T00:00:00Z',
    credentialSubject: {
      id: `${id}#list`,
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      encodedList: `u${gzipSync(Buffer.alloc(131_072 / 8)).toString('base64url')}`,
    },
  }
  return applyOverrides(credential, overrides) as BitstringStatusListCredential
}

/** A VCDM 1.1 credential as decoded from a Veramo JWT (the `vc` claim with `iss`, `sub`, `nbf` merged in). */
export function buildV1Credential(issuerDid: string, overrides: Overrides = {}): Record<string, unknown> {
  const credential = {
    '@context': [VC_V1_CONTEXT],
    type: ['VerifiableCredential', 'UniversityDegreeCredential'],
    issuer: { id: issuerDid },
    issuanceDate: '2024-07-01T00:00:00.000Z',
    credentialSubject: { id: TEST_LEARNER_DID, degree: { type: 'BachelorDegree', name: 'Bachelor of Science' } },
  }
  return applyOverrides(credential, overrides)
}

/** A presentation (VCDM 2.0 unless `overrides` change `@context`) carrying `credentials`, without a proof. */
export function buildPresentation(holderDid: string, credentials: readonly unknown[], overrides: Overrides = {}): Record<string, unknown> {
  const presentation = {
    '@context': [VC_V2_CONTEXT],
    type: ['VerifiablePresentation'],
    holder: holderDid,
    verifiableCredential: [...credentials],
  }
  return applyOverrides(presentation, overrides)
}

/**
 * A deep copy of `doc` with the value at a JSON pointer replaced (`'/credentialSubject/id'`), or
 * removed when `value` is `undefined`. Missing intermediate objects are created.
 */
export function withValue<T>(doc: T, pointer: string, value: unknown): T {
  const copy = structuredClone(doc) as unknown as Record<string, unknown>
  const keys = pointer.split('/').slice(1).map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'))
  const last = keys.pop()
  if (last === undefined) throw new TypeError('withValue needs a pointer below the root')
  let target: Record<string, unknown> = copy
  for (const key of keys) {
    if (typeof target[key] !== 'object' || target[key] === null) target[key] = {}
    target = target[key] as Record<string, unknown>
  }
  if (value === undefined) {
    if (Array.isArray(target)) target.splice(Number(last), 1)
    else delete target[last]
  } else target[last] = value
  return copy as unknown as T
}

function buildIssuerProfile(issuerDid: string): Record<string, unknown> {
  return {
    id: issuerDid,
    type: ['Profile'],
    name: [
      { '@value': '江苏学分银行', '@language': 'zh' },
      { '@value': 'Jiangsu Credit Bank', '@language': 'en' },
    ],
  }
}

function applyOverrides(doc: Record<string, unknown>, overrides: Overrides): Record<string, unknown> {
  const result: Record<string, unknown> = { ...doc, ...structuredClone(overrides) }
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete result[key]
  return result
}
