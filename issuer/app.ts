// The issuer's HTTP API (never listens; main does).
import express, { Router, type RequestHandler } from 'express'
import { describe } from '../http/route-meta.ts'
import { clientAddress, jsonBody, notFound, problemHandler, rateLimit, requestContext } from '../http/middleware.ts'
import type { IssuerNode } from './issuer-node.ts'
import { auditList } from './audit/routes/audit-list.ts'
import { importsCreate, importsErrors, importsGet, importsList, importsTemplate } from './imports/routes/imports.ts'
import { authorize } from './accounts/authorize.ts'
import type { Operation } from './accounts/access-policy.ts'
import { accountsRegister, passwordChange, sessionCreate, sessionDelete, sessionRead } from './accounts/routes/session.ts'
import { usersCreate, usersGet, usersList, usersUpdate } from './accounts/routes/users.ts'
import { oidcBegin, oidcCallback } from './accounts/routes/oidc.ts'
import { identityVerify, learnerIdentityRead } from './accounts/routes/identity.ts'
import { meClose, meExport, meRead, privacyNotice } from './accounts/routes/me.ts'
import { depositsCreate, depositsGet, depositsList, depositsWithdraw, evidenceGet } from './deposits/routes/deposits.ts'
import {
  recognitionDecision,
  recognitionExpertDecision,
  recognitionOutcomeGet,
  recognitionQueue,
} from './recognition/routes/recognition.ts'
import { myOutcome, myOutcomes } from './recognition/routes/my-outcomes.ts'
import { myReportsCreate, myReportsList, myReportsReissue, reportsLookup, reportsRevoke } from './reports/routes/reports.ts'
import { ClientIssuingPolicy } from './credentials/client-issuing-policy.ts'
import { credentialsGet } from './credentials/routes/credentials-get.ts'
import { credentialsIssue } from './credentials/routes/credentials-issue.ts'
import { credentialsStatus } from './status/routes/credentials-status.ts'
import { statusList } from './status/routes/status-list.ts'
import {
  institutionsCreate,
  institutionsGet,
  institutionsList,
  institutionsUpdate,
  scopesCreate,
  scopesUpdate,
} from './alliance/routes/institutions.ts'
import { catalogueCreate, catalogueGet, catalogueList, catalogueUpdate } from './catalogue/routes/catalogue.ts'
import { frameworkLevelEdit, frameworkLevelHistory, frameworkLevelsList } from './catalogue/routes/framework-levels.ts'
import { pingDatabase } from '../core/store/data-source.ts'
import { mountApiDocs } from '../http/api-docs.ts'
import {
  applicationsCreate,
  applicationsDecide,
  conversionAdvice,
  myApplications,
  rulesCreate,
  rulesGet,
  rulesList,
  rulesRevise,
  rulesVersionGet,
  staffApplications,
} from './conversion/routes/conversion.ts'
import { ledgerRulesCreate, ledgerRulesGet, ledgerRulesList, ledgerRulesUpdate, myLedger } from './ledger/routes/ledger.ts'
import { consultationsGet, consultationsList, consultationsOpen, consultationsReply } from './consultation/routes/consultations.ts'
import { issuerApiDescription } from './api-description.ts'

export function createIssuerApp(node: IssuerNode): express.Express {
  const { config, ds, identity, log } = node
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.use(requestContext(log))

  const api = Router()
  // Per address before authentication (bad tokens cost a lookup too; 10x, as several clients may share an
  // address), per caller (API client or account) after it.
  const perAddress = rateLimit(node.limiter, (req) => `ip:${clientAddress(req)}`, 10)
  const perCaller = rateLimit(node.limiter, (req) => `${req.principal!.kind}:${req.principal!.id}`)
  const body = jsonBody({ maxBytes: config.maxBodyBytes, maxDepth: config.maxJsonDepth })
  /** The guard of one operation of the access table (issuer/accounts/access-policy.ts), rate-limited per caller. */
  const allow = (operation: Operation) => [perAddress, authorize(node, operation), perCaller]
  /** A public operation: anyone may call it; the guard only notes a caller who identified themselves. */
  const open = (operation: Operation) => [perAddress, authorize(node, operation)]
  const signInLimit = rateLimit(node.signInLimiter, (req) => `sign-in:${clientAddress(req)}`)

  // did:web: the document lives at /.well-known/did.json for a bare origin, at <path>/did.json otherwise.
  const didDocument: RequestHandler = async (_req, res) => {
    res
      .set({ 'Cache-Control': 'public, max-age=60', 'Access-Control-Allow-Origin': '*' })
      .type('application/did+json')
      .send(JSON.stringify(await identity.didDocument()))
  }
  api.get(
    config.publicUrl.pathname === '/' ? '/.well-known/did.json' : '/did.json',
    open('did.read'),
    describe(didDocument, {
      summary: "The bank's DID document (did:web)",
      responses: { '200': { description: 'the DID document, with the bank’s public keys', content: { 'application/did+json': {} } } },
    }),
  )
  api.post(
    '/credentials/issue',
    allow('credentials.issue'),
    body,
    credentialsIssue(node.issuer, new ClientIssuingPolicy({ bankUrl: config.publicUrl })),
  )
  api.get('/credentials/:id', allow('credentials.read'), credentialsGet(node.issuer))
  api.post('/credentials/status', allow('credentials.status'), body, credentialsStatus(node.statusLists))
  api.get('/status-lists/:id/:purpose', open('status-lists.read'), statusList(node.statusLists, config.statusListTtlSeconds))

  // Accounts and sessions.
  api.post('/accounts', open('accounts.register'), signInLimit, body, accountsRegister(node.accounts, config.publicUrl))
  api.post('/session', open('session.create'), signInLimit, body, sessionCreate(node.accounts, config.publicUrl))
  // Sign-in through the OpenID Connect provider: begin (302 to the provider), and the provider's callback.
  api.get('/session/oidc', open('session.create'), signInLimit, oidcBegin(node.oidc, config.publicUrl))
  api.get('/session/oidc/callback', open('session.create'), signInLimit, oidcCallback(node.oidc, config.publicUrl))
  api.get('/session', allow('session.read'), sessionRead(node.accounts))
  api.delete('/session', allow('session.delete'), sessionDelete(node.accounts, config.publicUrl))
  api.put('/session/password', allow('password.change'), signInLimit, body, passwordChange(node.accounts))
  api.post('/users', allow('users.manage'), body, usersCreate(node.accounts))
  api.get('/users', allow('users.manage'), usersList(node.accounts))
  api.get('/users/:id', allow('users.manage'), usersGet(node.accounts))
  api.patch('/users/:id', allow('users.manage'), body, usersUpdate(node.accounts))
  // Real-name verification and personal information (PIPL): the notice, my data, my account's closing; staff reads audited.
  api.get('/privacy-notice', open('privacy-notice.read'), privacyNotice)
  api.get('/me', allow('me.read'), meRead(node.accounts, node.learnerIdentity))
  // Each attempt asks the identity service about a name and number: limited like sign-ins (CB_SIGN_IN_PER_MINUTE), so
  // nobody walks names against a number.
  api.post('/me/identity', allow('identity.verify'), signInLimit, body, identityVerify(node.learnerIdentity))
  api.get('/me/export', allow('personal-data.export'), meExport(node.personalDataRights))
  api.post('/me/close', allow('account.close'), body, meClose(node.personalDataRights, config.publicUrl))
  api.get('/users/:id/identity', allow('learners.identity.read'), learnerIdentityRead(node.learnerIdentity))

  // The alliance, the framework and the catalogue: public reads; writes by admins and experts, or API clients with
  // alliance:manage / catalogue:manage.
  api.get('/institutions', open('institutions.read'), institutionsList(node.alliance))
  api.post('/institutions', allow('institutions.manage'), body, institutionsCreate(node.alliance))
  api.get('/institutions/:id', open('institutions.read'), institutionsGet(node.alliance, node.clock))
  api.patch('/institutions/:id', allow('institutions.manage'), body, institutionsUpdate(node.alliance))
  api.post('/institutions/:id/scopes', allow('institutions.manage'), body, scopesCreate(node.alliance))
  api.patch('/institutions/:id/scopes/:scopeId', allow('institutions.manage'), body, scopesUpdate(node.alliance))
  api.get('/framework-levels', open('framework.read'), frameworkLevelsList(node.frameworkLevels))
  api.get('/framework-levels/:level/history', open('framework.read'), frameworkLevelHistory(node.frameworkLevels))
  api.put('/framework-levels/:level', allow('framework.edit'), body, frameworkLevelEdit(node.frameworkLevels))
  api.get('/catalogue', open('catalogue.read'), catalogueList(node.catalogue))
  api.post('/catalogue', allow('catalogue.manage'), body, catalogueCreate(node.catalogue))
  api.get('/catalogue/:id', open('catalogue.read'), catalogueGet(node.catalogue))
  api.patch('/catalogue/:id', allow('catalogue.manage'), body, catalogueUpdate(node.catalogue))
  api.get('/audit', allow('audit.read'), auditList(ds))
  // Institution batch imports: the file is the body (streamed to the data directory), then a job any instance works.
  api.post('/imports', allow('imports.create'), importsCreate(node.imports))
  api.get('/imports', allow('imports.read'), importsList(node.imports))
  api.get('/imports/template', allow('imports.read'), importsTemplate(node.imports))
  api.get('/imports/:id', allow('imports.read'), importsGet(node.imports))
  api.get('/imports/:id/errors', allow('imports.read'), importsErrors(node.imports))
  // Individual deposits: multipart/form-data with evidence files (streamed, typed by content); evidence for the learner
  // and for reviewers and experts whose queue holds the outcome.
  api.post('/deposits', allow('deposits.create'), depositsCreate(node.deposits))
  api.get('/deposits', allow('deposits.read-own'), depositsList(node.deposits))
  api.get('/deposits/:id', allow('deposits.read-own'), depositsGet(node.deposits))
  api.post('/deposits/:id/withdraw', allow('deposits.withdraw'), depositsWithdraw(node.deposits))
  api.get('/deposits/:id/evidence/:sha256', allow('evidence.read'), evidenceGet(node.deposits))
  // Recognition (认定): the queue (reviewers: pending; experts: referred), decisions; a learner's own outcomes.
  api.get('/recognition/queue', allow('recognition.queue'), recognitionQueue(node.recognition))
  api.get('/recognition/outcomes/:id', allow('recognition.queue'), recognitionOutcomeGet(node.recognition, node.deposits))
  api.post('/recognition/outcomes/:id/decision', allow('recognition.decide'), body, recognitionDecision(node.recognition))
  api.post(
    '/recognition/outcomes/:id/expert-decision',
    allow('recognition.expert-decide'),
    body,
    recognitionExpertDecision(node.recognition),
  )
  api.get('/me/outcomes', allow('outcomes.read-own'), myOutcomes(node.recognition, node.accounts))
  api.get('/me/outcomes/:id', allow('outcomes.read-own'), myOutcome(node.recognition, node.accounts))
  // Certification reports: the public lookup by number (its own, stricter limit per address: numbers are not guessed),
  // a learner's reports, revocation by the learner or the bank.
  const reportLookupLimit = rateLimit(node.reportLookupLimiter, (req) => `report-lookup:${clientAddress(req)}`)
  api.get('/reports/:number', open('reports.lookup'), reportLookupLimit, reportsLookup(node.reports))
  api.post('/reports/:number/revoke', allow('reports.revoke'), reportsRevoke(node.reports))
  api.post('/me/reports', allow('reports.create'), body, myReportsCreate(node.reports))
  api.get('/me/reports', allow('reports.read-own'), myReportsList(node.reports))
  api.post('/me/reports/:number/revoke', allow('reports.revoke-own'), reportsRevoke(node.reports))
  api.post('/me/reports/:number/reissue', allow('reports.revoke-own'), myReportsReissue(node.reports))

  // Conversion (转换): rules public to read, authored by the target institution's staff or experts (each edit a version);
  // the learner's advice and applications; the target institution's staff decide.
  api.get('/conversion/rules', open('conversion.rules.read'), rulesList(node.conversion))
  api.post('/conversion/rules', allow('conversion.rules.manage'), body, rulesCreate(node.conversion))
  api.get('/conversion/rules/:id', open('conversion.rules.read'), rulesGet(node.conversion))
  api.put('/conversion/rules/:id', allow('conversion.rules.manage'), body, rulesRevise(node.conversion))
  api.get('/conversion/rules/:id/versions/:version', open('conversion.rules.read'), rulesVersionGet(node.conversion))
  api.get('/me/conversion-advice', allow('conversion.advice'), conversionAdvice(node.conversion, node.accounts))
  api.get('/me/conversion-applications', allow('conversion.applications.read-own'), myApplications(node.conversion, node.accounts))
  api.post('/conversion/applications', allow('conversion.apply'), body, applicationsCreate(node.conversion))
  api.get('/conversion/applications', allow('conversion.applications.review'), staffApplications(node.conversion))
  api.post('/conversion/applications/:id/decision', allow('conversion.applications.decide'), body, applicationsDecide(node.conversion))

  // The credit ledger (积累): the learner's own, derived on each read; the policy caps public, managed by experts and admins.
  api.get('/me/ledger', allow('ledger.read-own'), myLedger(node.ledger, node.accounts))
  api.get('/ledger-rules', open('ledger-rules.read'), ledgerRulesList(node.ledger))
  api.get('/ledger-rules/:id', open('ledger-rules.read'), ledgerRulesGet(node.ledger))
  api.post('/ledger-rules', allow('ledger-rules.manage'), body, ledgerRulesCreate(node.ledger))
  api.patch('/ledger-rules/:id', allow('ledger-rules.manage'), body, ledgerRulesUpdate(node.ledger))
  // Consultation (学习咨询): learners ask; staff of the institution concerned, reviewers and admins answer.
  api.post('/consultations', allow('consultations.open'), body, consultationsOpen(node.consultation))
  api.get('/consultations', allow('consultations.read'), consultationsList(node.consultation))
  api.get('/consultations/:id', allow('consultations.read'), consultationsGet(node.consultation))
  api.post('/consultations/:id/messages', allow('consultations.reply'), body, consultationsReply(node.consultation))

  // This API as OpenAPI 3.1, made from the routes above (http/openapi.ts): GET /openapi.json, browsable at GET /docs/.
  mountApiDocs(api, app, () => issuerApiDescription(config.publicUrl))
  api.get('/', (_req, res) => {
    res.json({
      service: 'credit-bank issuer',
      did: identity.did,
      endpoints: {
        didDocument: 'GET /.well-known/did.json',
        issue: 'POST /credentials/issue',
        credential: 'GET /credentials/{id}',
        status: 'POST /credentials/status',
        statusLists: 'GET /status-lists/{id}/{revocation|suspension}',
        institutions: 'GET /institutions, GET /institutions/{id}',
        frameworkLevels: 'GET /framework-levels',
        catalogue: 'GET /catalogue?level=&category=&institution=&field=&q=&cursor=&limit=, GET /catalogue/{id}',
        audit: 'GET /audit?after={seq}&limit={n} (admin)',
        apiDescription: 'GET /openapi.json (OpenAPI 3.1), browsable at GET /docs/',
        imports: 'POST /imports, GET /imports, GET /imports/{id}, GET /imports/{id}/errors, GET /imports/template (staff)',
        deposits: 'POST /deposits, GET /deposits, GET /deposits/{id}, POST /deposits/{id}/withdraw, GET /deposits/{id}/evidence/{sha256}',
        recognition:
          'GET /recognition/queue, GET /recognition/outcomes/{id}, POST /recognition/outcomes/{id}/decision (reviewer), POST /recognition/outcomes/{id}/expert-decision (expert)',
        outcomes: 'GET /me/outcomes, GET /me/outcomes/{id} (learner)',
        reports:
          'GET /reports/{number} (public: JSON, PDF or page), POST /reports/{number}/revoke (admin), POST /me/reports, GET /me/reports, POST /me/reports/{number}/revoke, POST /me/reports/{number}/reissue (learner)',
        conversion:
          'GET /conversion/rules, GET /conversion/rules/{id}, GET /conversion/rules/{id}/versions/{v}, POST /conversion/rules, PUT /conversion/rules/{id} (staff, expert), GET /me/conversion-advice, POST /conversion/applications, GET /me/conversion-applications (learner), GET /conversion/applications, POST /conversion/applications/{id}/decision (staff)',
        ledger:
          'GET /me/ledger (learner), GET /ledger-rules, GET /ledger-rules/{id}, POST /ledger-rules, PATCH /ledger-rules/{id} (expert, admin)',
        consultations:
          'POST /consultations (learner), GET /consultations, GET /consultations/{id}, POST /consultations/{id}/messages (learner, staff, reviewer, admin)',
      },
    })
  })
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }))
  app.get('/readyz', async (_req, res) => {
    const database = await pingDatabase(ds)
    const keys =
      database &&
      (await identity.keys().then(
        (k) => k.length > 0,
        () => false,
      ))
    res.status(database && keys ? 200 : 503).json({ status: database && keys ? 'ready' : 'unavailable', database, keys })
  })
  app.use(config.publicUrl.pathname.replace(/\/$/, '') || '/', api)
  app.use(notFound)
  app.use(problemHandler())
  return app
}
