// Serves the learner's web wallet (static files) and its runtime configuration, behind strict security headers.
import { fileURLToPath } from 'node:url'
import express from 'express'
import type { RequestHandler } from 'express'
import { createLogger, type Logger } from '../core/log.ts'
import { notFound, problemHandler, requestContext } from '../http/middleware.ts'

export interface WalletAppOptions {
  /** Base URL of the verifier service; the page POSTs to `${verifierUrl}/credentials/verify`, and the CSP allows its origin. */
  verifierUrl: URL
  /** Base URL of the issuer (the bank); published in /config.json for later wallet features. */
  issuerUrl: URL
  /** Access log and unexpected (5xx) errors; they never reach the response. */
  log?: Logger
}

const publicDir = fileURLToPath(new URL('./public/', import.meta.url))

/**
 * Builds the wallet app: the static page, `GET /config.json` ({ verifierUrl, issuerUrl }) and `GET /healthz`.
 * Never listens itself.
 * @throws TypeError when a URL is not http(s): the CSP and the page need a real origin.
 */
export function createWalletApp(opts: WalletAppOptions): express.Express {
  for (const [name, url] of [
    ['verifierUrl', opts.verifierUrl],
    ['issuerUrl', opts.issuerUrl],
  ] as const) {
    if (!(url instanceof URL) || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new TypeError(`${name} must be an http(s) URL`)
    }
  }
  const serveStatic = express.static(publicDir, { dotfiles: 'ignore', redirect: false })
  const app = express()
  app.disable('x-powered-by')
  app.use(requestContext(opts.log ?? createLogger('silent')))
  app.use(securityHeaders(opts.verifierUrl))
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' })
  })
  // Static files and configuration only: ready as soon as it listens.
  app.get('/readyz', (_req, res) => {
    res.json({ status: 'ready' })
  })
  app.get('/config.json', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ verifierUrl: opts.verifierUrl.href, issuerUrl: opts.issuerUrl.href })
  })
  // The .d.ts files beside the modules type them for the tests; they are not part of the page.
  app.use((req, res, next) => (req.path.endsWith('.d.ts') ? next() : serveStatic(req, res, next)))
  app.use(notFound)
  app.use(problemHandler())
  return app
}

/** CSP and friends on every response, errors included. The page needs nothing inline and talks only to itself and the verifier. */
function securityHeaders(verifierUrl: URL): RequestHandler {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${verifierUrl.origin}`,
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ')
  return (_req, res, next) => {
    res.set({ 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' })
    next()
  }
}
