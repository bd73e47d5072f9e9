// Wires one issuer node: database, Veramo agent (from agent.yml), the bank's identity, status lists, issuing.
import type { DataSource } from 'typeorm'
import { createAgent, type BankAgent } from '../core/agent/create-agent.ts'
import type { NodeCryptoKms } from '../core/agent/node-crypto-kms.ts'
import type { Clock } from '../core/clock.ts'
import type { Config } from '../core/config.ts'
import { createDidResolver, didResolverRegistry } from '../core/did/resolver.ts'
import { BankIdentity } from '../core/identity/bank-identity.ts'
import type { Logger } from '../core/log.ts'
import { openDataSource } from '../core/store/data-source.ts'
import { RateLimiter } from '../http/rate-limit.ts'
import { RateLimitStore } from '../http/rate-limit-store.ts'
import { CredentialIssuer } from './credentials/issue-credential.ts'
import { inlineSigner, SigningPool } from './credentials/signing-pool.ts'
import { StatusLists } from './status/status-lists.ts'
import { Alliance } from './alliance/alliance.ts'
import { Catalogue } from './catalogue/catalogue.ts'
import { FrameworkLevels } from './catalogue/framework-levels.ts'
import { Recognition } from './recognition/recognition.ts'
import { Imports } from './imports/imports.ts'
import { createPersonalDataProtector, type PersonalDataProtector } from '../core/identity/personal-data.ts'
import { Accounts } from './accounts/accounts.ts'
import { OidcSignIn } from './accounts/oidc.ts'
import type { IdentityVerifier } from '../core/identity/identity-verifier.ts'
import { createIdentityVerifier } from './accounts/identity-verifier-config.ts'
import { LearnerIdentity } from './accounts/identity.ts'
import { PersonalDataRights } from './accounts/personal-data-rights.ts'
import { Deposits, learnerIdentitiesFrom } from './deposits/deposits.ts'
import { Reports } from './reports/reports.ts'
import { Conversion } from './conversion/conversion.ts'
import { approvedConversionsOf, Ledger } from './ledger/ledger.ts'
import { Consultation, learnerReportsOf, ruleDirectoryOf } from './consultation/consultation.ts'

export interface IssuerNode {
  readonly config: Readonly<Config>
  readonly log: Logger
  readonly clock: Clock
  readonly ds: DataSource
  readonly agent: BankAgent
  readonly kms: NodeCryptoKms
  readonly identity: BankIdentity
  readonly statusLists: StatusLists
  readonly issuer: CredentialIssuer
  readonly limiter: RateLimiter
  readonly alliance: Alliance
  readonly frameworkLevels: FrameworkLevels
  readonly catalogue: Catalogue
  /** Learning outcomes and their recognition (认定): imports, deposits, the queue, decisions. */
  readonly recognition: Recognition
  /** Encrypts and hashes personal data (identity numbers) with keys derived from CB_KMS_SECRET_KEY. */
  readonly personalData: PersonalDataProtector
  /** Institution batch imports (机构批量导入): jobs, their leases and error reports. */
  readonly imports: Imports
  readonly accounts: Accounts
  /** Sign-in through the external OpenID Connect provider (off, answering 404, without CB_OIDC_ISSUER). */
  readonly oidc: OidcSignIn
  /** Real-name verification (实名认证): the pluggable verifier (CB_IDENTITY_REGISTRY's registry, or a service plugged in). */
  readonly identityVerifier: IdentityVerifier
  /** Learners' verified identities (encrypted, one person one account) and consents. */
  readonly learnerIdentity: LearnerIdentity
  /** PIPL: a learner's data export and account closing. */
  readonly personalDataRights: PersonalDataRights
  /** Individual deposits (个人存入) with evidence files, content-addressed under <dataDir>/evidence. */
  readonly deposits: Deposits
  /** Sign-in attempts per client address (CB_SIGN_IN_PER_MINUTE), apart from the general limit. */
  readonly signInLimiter: RateLimiter
  /** Certification reports (学习成果认证报告): numbers, signed report credentials, PDFs, public lookup, revocation. */
  readonly reports: Reports
  /** Public report lookups per client address (CB_REPORT_LOOKUPS_PER_MINUTE), apart from the general limit. */
  readonly reportLookupLimiter: RateLimiter
  /** Conversion (转换): versioned rules, the advice, applications and their signed credentials. */
  readonly conversion: Conversion
  /** The credit ledger (积累): derived from recognized outcomes and approved conversions, with the policy caps. */
  readonly ledger: Ledger
  /** Consultation (学习咨询): learners' questions, answered by the institution concerned or the bank. */
  readonly consultation: Consultation
  close(): Promise<void>
}

/**
 * `identityVerifier`: the identity service real-name verification asks (production plugs its own in here); without it,
 * the registry of CB_IDENTITY_REGISTRY, or none (every verification 503).
 */
export async function createIssuerNode(
  config: Readonly<Config>,
  deps: { clock: Clock; log: Logger; identityVerifier?: IdentityVerifier },
): Promise<IssuerNode> {
  const ds = await openDataSource(config.issuerDb, 'issuer')
  try {
    const resolver = createDidResolver({
      allowInsecureLocalhost: config.allowInsecureLocalhost,
      timeoutMs: config.fetchTimeoutMs,
      maxBytes: config.fetchMaxBytes,
      cacheTtlSeconds: config.didCacheTtlSeconds,
      refreshIntervalSeconds: config.didRefreshSeconds,
      knownOrigins: [config.publicUrl, config.verifierUrl, config.walletUrl],
      clock: deps.clock,
    })
    const { agent, kms } = await createAgent({
      dataSource: ds,
      kmsSecretKey: config.kmsSecretKey,
      didResolvers: didResolverRegistry(resolver),
    })
    const identity = new BankIdentity({ did: config.bankDid, agent, kms, clock: deps.clock, keyRefreshSeconds: config.keyRefreshSeconds })
    await identity.ensure()
    const statusLists = new StatusLists({ ds, identity, clock: deps.clock, publicUrl: config.publicUrl })
    const signer = config.signingWorkers > 0 ? new SigningPool({ workers: config.signingWorkers }) : inlineSigner
    const issuer = new CredentialIssuer({ ds, identity, statusLists, clock: deps.clock, signer })
    const limiter = new RateLimiter(new RateLimitStore(ds, 'cb_rate_limit'), config.rateLimitPerMinute, deps.clock)
    const frameworkLevels = new FrameworkLevels({ ds, clock: deps.clock })
    const alliance = new Alliance({ ds, clock: deps.clock, levels: frameworkLevels })
    const catalogue = new Catalogue({ ds, clock: deps.clock, levels: frameworkLevels, institutions: alliance })
    const recognition = new Recognition({
      ds,
      clock: deps.clock,
      issuer,
      catalogue,
      alliance,
      levels: frameworkLevels,
      bank: { did: identity.did, publicUrl: config.publicUrl },
    })
    const personalData = createPersonalDataProtector(config)
    const imports = new Imports({
      ds,
      clock: deps.clock,
      log: deps.log.child({ capability: 'imports' }),
      protector: personalData,
      catalogue,
      institutions: alliance,
      sink: recognition,
      slots: statusLists,
      dataDir: config.dataDir,
    })
    const accounts = new Accounts({ ds, clock: deps.clock, policy: config, institutions: alliance })
    const oidc = new OidcSignIn({
      ds,
      clock: deps.clock,
      accounts,
      config: config.oidc,
      publicUrl: config.publicUrl,
      timeoutMs: config.fetchTimeoutMs,
    })
    const identityVerifier =
      deps.identityVerifier ?? createIdentityVerifier(config, { protector: personalData, clock: deps.clock, log: deps.log })
    const learnerIdentity = new LearnerIdentity({ ds, clock: deps.clock, protector: personalData, verifier: identityVerifier })
    const deposits = new Deposits({
      ds,
      clock: deps.clock,
      recognition,
      identities: learnerIdentitiesFrom({ accounts, identity: learnerIdentity, clock: deps.clock }),
      dataDir: config.dataDir,
      publicUrl: config.publicUrl,
      limits: { maxFileBytes: config.evidenceMaxBytes, maxFiles: config.evidenceMaxFiles },
    })
    const ledger = new Ledger({ ds, clock: deps.clock, outcomes: recognition, statuses: statusLists })
    const conversion = new Conversion({
      ds,
      clock: deps.clock,
      issuer,
      catalogue,
      alliance,
      outcomes: recognition,
      statuses: statusLists,
      learners: learnerIdentitiesFrom({ accounts, identity: learnerIdentity, clock: deps.clock }),
      bank: { did: identity.did, publicUrl: config.publicUrl },
    })
    ledger.useConversions(approvedConversionsOf(conversion))
    const consultation = new Consultation({
      ds,
      clock: deps.clock,
      learners: accounts,
      outcomes: recognition,
      rules: ruleDirectoryOf({ ledger, conversion }),
      advice: conversion,
      // Built below; asked only when a learner names a report.
      reports: learnerReportsOf({ listForLearner: (userId, page) => reports.listForLearner(userId, page) }),
    })
    const signInLimiter = new RateLimiter(new RateLimitStore(ds, 'cb_rate_limit'), config.signInPerMinute, deps.clock)
    const reports = new Reports({
      ds,
      clock: deps.clock,
      issuer,
      outcomes: recognition,
      statuses: statusLists,
      institutions: alliance,
      learners: { verifiedIdHash: (id) => accounts.verifiedIdHash(id), revealOwn: (id) => learnerIdentity.revealOwn(id) },
      bank: { did: identity.did, publicUrl: config.publicUrl },
      verifierUrl: config.verifierUrl,
      ledger,
    })
    const reportLookupLimiter = new RateLimiter(new RateLimitStore(ds, 'cb_rate_limit'), config.reportLookupsPerMinute, deps.clock)
    const personalDataRights = new PersonalDataRights({
      ds,
      clock: deps.clock,
      accounts,
      identity: learnerIdentity,
      outcomes: recognition,
      deposits,
      consultations: consultation,
      reports,
    })
    return {
      config,
      log: deps.log,
      clock: deps.clock,
      ds,
      agent,
      kms,
      identity,
      statusLists,
      issuer,
      limiter,
      alliance,
      frameworkLevels,
      catalogue,
      recognition,
      personalData,
      imports,
      accounts,
      oidc,
      identityVerifier,
      learnerIdentity,
      personalDataRights,
      deposits,
      signInLimiter,
      reports,
      reportLookupLimiter,
      conversion,
      ledger,
      consultation,
      async close() {
        await signer.close()
        await limiter.close()
        await signInLimiter.close()
        await reportLookupLimiter.close()
        await ds.destroy()
      },
    }
  } catch (err) {
    await ds.destroy()
    throw err
  }
}
