// The verifier's HTTP API: an employer (or anyone) checks credentials and presentations from public information.
import express, { Router, type RequestHandler } from 'express'
import { mountApiDocs } from '../http/api-docs.ts'
import { verifierApiDescription } from './api-description.ts'
import { clientAddress, jsonBody, notFound, problemHandler, rateLimit, requestContext } from '../http/middleware.ts'
import { pingDatabase } from '../core/store/data-source.ts'
import { credentialsVerify } from './routes/credentials-verify.ts'
import { presentationsVerify } from './routes/presentations-verify.ts'
import { challengesCreate } from './routes/challenges-create.ts'
import type { VerifierNode } from './verifier-node.ts'

export function createVerifierApp(node: VerifierNode): express.Express {
  const { config, log } = node
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false) // reports are never revalidated; hashing every answer costs throughput
  app.use(requestContext(log))
  // The wallet, the verifier's own page, and the bank's public report pages (GET /reports/{number} hands a report here).
  app.use(cors([config.walletUrl.origin, config.verifierUrl.origin, config.publicUrl.origin]))

  const limit = rateLimit(node.limiter, (req) => `ip:${clientAddress(req)}`)
  const body = jsonBody({ maxBytes: config.maxBodyBytes, maxDepth: config.maxJsonDepth })
  app.post('/credentials/verify', limit, body, credentialsVerify(node.context))
  app.post('/presentations/verify', limit, body, presentationsVerify(node.context, node.challenges.consume))
  app.post('/challenges', limit, body, challengesCreate(node.challenges))
  app.get('/', (_req, res) => {
    res.json({
      service: 'credit-bank verifier',
      trustedIssuers: [...node.context.trustedIssuers],
      endpoints: {
        verifyCredential: 'POST /credentials/verify',
        verifyPresentation: 'POST /presentations/verify',
        challenges: 'POST /challenges',
        apiDescription: 'GET /openapi.json (OpenAPI 3.1), browsable at GET /docs/',
      },
    })
  })
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }))
  app.get('/readyz', async (_req, res) => {
    const database = await pingDatabase(node.ds)
    res.status(database ? 200 : 503).json({ status: database ? 'ready' : 'unavailable', database })
  })
  // This API as OpenAPI 3.1, made from the routes above (http/openapi.ts): GET /openapi.json, browsable at GET /docs/.
  const docs = Router()
  mountApiDocs(docs, app, () => verifierApiDescription(config.verifierUrl))
  app.use(docs)
  app.use(notFound)
  app.use(problemHandler())
  return app
}

/** CORS for the wallet and the verifier's own page only (ASVS 3.4.2: an allow-list, never `*` with credentials). */
function cors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins)
  return (req, res, next) => {
    const origin = req.get('origin')
    if (origin && allowed.has(origin)) {
      res.set({
        'Access-Control-Allow-Origin': origin,
        Vary: 'Origin',
        'Access-Control-Allow-Headers': 'content-type',
        'Access-Control-Allow-Methods': 'POST, GET',
      })
      if (req.method === 'OPTIONS') return void res.status(204).end()
    }
    next()
  }
}
