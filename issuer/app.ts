// The issuer's HTTP API (never listens; main does).
import express, { Router } from 'express'
import { clientAddress, jsonBody, notFound, problemHandler, rateLimit, requestContext } from '../http/middleware.ts'
import type { IssuerNode } from './issuer-node.ts'
import { auditList } from './audit/routes/audit-list.ts'
import { requireScope } from './clients/auth.ts'
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

export function createIssuerApp(node: IssuerNode): express.Express {
  const { config, ds, identity, log } = node
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.use(requestContext(log))

  const api = Router()
  // Per address before authentication (bad tokens cost a lookup too; 10x, as several clients may share an
  // address), per API client after it.
  const perAddress = rateLimit(node.limiter, (req) => `ip:${clientAddress(req)}`, 10)
  const perClient = rateLimit(node.limiter, (req) => `client:${req.client!.id}`)
  const body = jsonBody({ maxBytes: config.maxBodyBytes, maxDepth: config.maxJsonDepth })

  // did:web: the document lives at /.well-known/did.json for a bare origin, at <path>/did.json otherwise.
  api.get(config.publicUrl.pathname === '/' ? '/.well-known/did.json' : '/did.json', async (_req, res) => {
    res
      .set({ 'Cache-Control': 'public, max-age=60', 'Access-Control-Allow-Origin': '*' })
      .type('application/did+json')
      .send(JSON.stringify(await identity.didDocument()))
  })
  api.post(
    '/credentials/issue',
    perAddress,
    requireScope(ds, 'credentials:issue', node.clock),
    perClient,
    body,
    credentialsIssue(node.issuer, new ClientIssuingPolicy({ bankUrl: config.publicUrl })),
  )
  api.get('/credentials/:id', perAddress, requireScope(ds, 'credentials:issue', node.clock), perClient, credentialsGet(node.issuer))
  api.post(
    '/credentials/status',
    perAddress,
    requireScope(ds, 'credentials:status', node.clock),
    perClient,
    body,
    credentialsStatus(node.statusLists),
  )
  api.get('/status-lists/:id/:purpose', statusList(node.statusLists, config.statusListTtlSeconds))
  // The alliance, the framework and the catalogue: public reads, writes by API clients with alliance:manage / catalogue:manage.
  const manage = (scope: 'alliance:manage' | 'catalogue:manage') =>
    [perAddress, requireScope(ds, scope, node.clock), perClient, body].flat()
  api.get('/institutions', perAddress, institutionsList(node.alliance))
  api.post('/institutions', manage('alliance:manage'), institutionsCreate(node.alliance))
  api.get('/institutions/:id', perAddress, institutionsGet(node.alliance, node.clock))
  api.patch('/institutions/:id', manage('alliance:manage'), institutionsUpdate(node.alliance))
  api.post('/institutions/:id/scopes', manage('alliance:manage'), scopesCreate(node.alliance))
  api.patch('/institutions/:id/scopes/:scopeId', manage('alliance:manage'), scopesUpdate(node.alliance))
  api.get('/framework-levels', perAddress, frameworkLevelsList(node.frameworkLevels))
  api.get('/framework-levels/:level/history', perAddress, frameworkLevelHistory(node.frameworkLevels))
  api.put('/framework-levels/:level', manage('catalogue:manage'), frameworkLevelEdit(node.frameworkLevels))
  api.get('/catalogue', perAddress, catalogueList(node.catalogue))
  api.post('/catalogue', manage('catalogue:manage'), catalogueCreate(node.catalogue))
  api.get('/catalogue/:id', perAddress, catalogueGet(node.catalogue))
  api.patch('/catalogue/:id', manage('catalogue:manage'), catalogueUpdate(node.catalogue))
  api.get('/audit', perAddress, requireScope(ds, 'admin', node.clock), perClient, auditList(ds))

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
