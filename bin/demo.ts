// Demo data for `npm start`: an API client and a few credentials issued through the same code path as the API.
import { writeFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import type { IssuerNode } from '../issuer/issuer-node.ts'
import { createApiClient, listApiClients, revokeApiClient } from '../issuer/clients/api-clients.ts'
import { CredentialStore } from '../issuer/credentials/credential-store.ts'
import { CREDIT_BANK_CONTEXT, OB3_CONTEXT, VC_V2_CONTEXT } from '../core/credentials/types.ts'
import { seedReport, type SampleReport } from './demo-report.ts'
import {
  DEMO_IDENTITIES,
  DEMO_INSTITUTION,
  seedAlliance,
  seedConversion,
  seedDeposits,
  seedImport,
  seedLedgerCap,
  seedPeople,
  verifyDemoLearner,
  type DemoAccount,
} from './demo-bank.ts'

const DEMO_CLIENT = 'demo (npm start)'
/** The demo credentials' ids: they move to the demo client of each start. */
const DEMO_ID_PREFIX = 'urn:credit-bank:demo:'
const LEARNER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'

/** Two recognized outcomes, academic and non-academic, issued to a demo learner. */
function demoAchievements(bank: string): { id: string; credential: Record<string, unknown> }[] {
  const issuer = {
    id: bank,
    type: ['Profile'],
    name: [
      { '@value': '江苏省终身教育学分银行', '@language': 'zh' },
      { '@value': 'Jiangsu Credit Bank for Lifelong Education', '@language': 'en' },
    ],
  }
  const outcome = (n: number, a: Record<string, unknown>, credits: number, result: string, term: string) => ({
    id: `${DEMO_ID_PREFIX}achievement-${n}`,
    credential: {
      '@context': [VC_V2_CONTEXT, OB3_CONTEXT, CREDIT_BANK_CONTEXT],
      type: ['VerifiableCredential', 'AchievementCredential'],
      issuer,
      name: a.name,
      awardedDate: '2026-07-10T09:00:00+08:00',
      credentialSubject: {
        id: LEARNER,
        type: ['AchievementSubject'],
        achievement: { type: ['Achievement'], ...a },
        creditsEarned: credits,
        result: [{ type: ['Result'], value: result }],
        term,
        recognizingInstitution: { id: bank, type: ['Profile'], name: '江苏开放大学 Jiangsu Open University' },
      },
    },
  })
  return [
    outcome(
      1,
      {
        id: 'urn:credit-bank:catalogue:course:cs-201',
        achievementType: 'Course',
        name: '数据结构 Data Structures',
        description: '线性表、树、图及其算法。Lists, trees, graphs and their algorithms.',
        criteria: { narrative: '期末考试成绩 60 分及以上 / final examination mark of 60 or more' },
        creditsAvailable: 4,
        fieldOfStudy: 'Computer Science',
        humanCode: 'CS201',
        frameworkLevel: 5,
        outcomeCategory: 'academic',
      },
      4,
      '87',
      '2025-2026-2',
    ),
    outcome(
      2,
      {
        id: 'urn:credit-bank:catalogue:certificate:nvq-web-3',
        achievementType: 'Certificate',
        name: 'Web 前端开发职业技能等级证书（中级） Web Front-end Development, intermediate',
        description: '1+X 职业技能等级证书 / vocational skill certificate',
        criteria: { narrative: '通过理论与实操考核 / passed theory and practical assessment' },
        creditsAvailable: 6,
        fieldOfStudy: 'Software',
        frameworkLevel: 4,
        outcomeCategory: 'non_academic',
      },
      6,
      'pass',
      '2026',
    ),
  ]
}

export interface DemoInfo {
  readonly file: string
  readonly apiToken: string
  readonly sampleCredentialJwt: string
  /** An account for every role (`learner`, `newLearner`, `staff`, `reviewer`, `expert`, `admin`), fresh passwords. */
  readonly accounts: Readonly<Record<string, DemoAccount>>
  readonly institutionId: string
  /** Li Hua's certification report (undefined if the demo learner is missing). */
  readonly sampleReport?: SampleReport
}

/** Idempotent: credentials are issued once; the demo API token is replaced at every start (only its hash is stored). */
export async function seedDemo(node: IssuerNode, urls: { issuer: string; verifier: string; wallet: string }): Promise<DemoInfo> {
  for (const c of await listApiClients(node.ds))
    if (c.name === DEMO_CLIENT && c.revokedAt === null) await revokeApiClient(node.ds, node.clock, c.id)
  const client = await createApiClient(node.ds, node.clock, { name: DEMO_CLIENT, scopes: ['credentials:issue', 'credentials:status'] })
  const credentials = new CredentialStore(node.ds)
  await credentials.reassign(DEMO_ID_PREFIX, client.id)
  const jwts: string[] = []
  for (const { id, credential } of demoAchievements(node.identity.did)) {
    const stored = await credentials.find(id)
    jwts.push(stored ? stored.document : (await node.issuer.issue({ credential: { ...credential, id } }, client.id)).document)
  }
  // The credit bank itself: members, catalogue, people, a verified learner, an import, deposits.
  await seedAlliance(node)
  const accounts = await seedPeople(node)
  await verifyDemoLearner(node, accounts.learner!.username)
  await seedImport(node, accounts.staff!.username)
  await seedDeposits(node, accounts.learner!.username, accounts.reviewer!.username)
  await seedLedgerCap(node, accounts.expert!.username)
  await seedConversion(node, { learner: accounts.learner!.username, staff: accounts.staff!.username, expert: accounts.expert!.username })
  const sampleReport = await seedReport(node, accounts.learner!.username)
  const issuerBase = urls.issuer.replace(/\/$/, '')
  const file = path.join(node.config.dataDir, 'demo.json')
  const info = {
    accounts,
    institutionId: DEMO_INSTITUTION,
    /** Fictional people of the demo identity registry: Wang Fang (newLearner) can try real-name verification with hers. */
    identities: { newLearner: DEMO_IDENTITIES[1], heldOutcomesFor: DEMO_IDENTITIES[2] },
    api: { openapi: `${issuerBase}/openapi.json`, docs: `${issuerBase}/docs/` },
    bank: { did: node.identity.did, didDocument: new URL('.well-known/did.json', urls.issuer).href },
    urls,
    apiToken: client.token,
    apiTokenScopes: client.scopes,
    sampleCredentialJwt: jwts[0],
    /** Li Hua's certification report: its number, public lookup (JSON, PDF or page by Accept) and PDF. */
    sampleReport,
    demoCredentials: jwts,
    tryIt: {
      verify: `curl -s -X POST ${urls.verifier.replace(/\/$/, '')}/credentials/verify -H 'content-type: application/json' -d '{"verifiableCredential":"${jwts[0]}"}'`,
      issue: `curl -s -X POST ${urls.issuer.replace(/\/$/, '')}/credentials/issue -H 'authorization: Bearer ${client.token}' -H 'content-type: application/json' -d '{"credential":{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"${node.identity.did}","credentialSubject":{"id":"${LEARNER}","name":"demo"}}}'`,
      get: `curl -s ${urls.issuer.replace(/\/$/, '')}/credentials/${encodeURIComponent('urn:credit-bank:demo:achievement-1')} -H 'authorization: Bearer ${client.token}'`,
      signIn: `curl -s -c cookies.txt -X POST ${issuerBase}/session -H 'content-type: application/json' -d '{"username":"${accounts.learner!.username}","password":"${accounts.learner!.password}"}'`,
      myOutcomes: `curl -s -b cookies.txt ${issuerBase}/me/outcomes`,
      myLedger: `curl -s -b cookies.txt ${issuerBase}/me/ledger`,
      myConversionAdvice: `curl -s -b cookies.txt ${issuerBase}/me/conversion-advice`,
      myConversions: `curl -s -b cookies.txt ${issuerBase}/me/conversion-applications`,
      conversionRules: `curl -s '${issuerBase}/conversion/rules'`,
      ...(sampleReport
        ? {
            lookupReport: `curl -s -H 'accept: application/json' ${sampleReport.lookupUrl}`,
            reportPdf: `curl -s -o report.pdf '${sampleReport.pdfUrl}'`,
          }
        : {}),
      catalogueSearch: `curl -s '${issuerBase}/catalogue?q=${encodeURIComponent('数据')}'`,
      revoke: `curl -s -X POST ${urls.issuer.replace(/\/$/, '')}/credentials/status -H 'authorization: Bearer ${client.token}' -H 'content-type: application/json' -d '{"credentialId":"urn:credit-bank:demo:achievement-1","credentialStatus":{"type":"BitstringStatusListEntry","statusPurpose":"revocation"},"status":true}'`,
    },
  }
  mkdirSync(node.config.dataDir, { recursive: true, mode: 0o700 })
  writeFileSync(file, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 })
  return { file, apiToken: client.token, sampleCredentialJwt: jwts[0]!, accounts, institutionId: DEMO_INSTITUTION, sampleReport }
}
