// GET /openapi.json (the app's OpenAPI 3.1 document, made from its routes on the first request and kept) and GET /docs/
// (Swagger UI, served from the swagger-ui-dist package: no CDN, nothing fetched from outside, so it works where users'
// browsers reach only the bank).
//
// Why Swagger UI and not a page of our own: it renders all of OpenAPI 3.1 (JSON Schema 2020-12 bodies, several security
// schemes, multipart uploads) and lets a developer try a request with their session or token, which a small renderer
// would not; the zh/en text lives in the document itself (titles, summaries, descriptions), which it shows as written.
import { createRequire } from 'node:module'
import path from 'node:path'
import express, { type Express, type RequestHandler, type Router } from 'express'
import { AppError } from '../core/errors.ts'
import { buildOpenApi, type OpenApiOptions } from './openapi.ts'
import { describe } from './route-meta.ts'

const require = createRequire(import.meta.url)
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'))
/** The files of swagger-ui-dist the page uses; nothing else of the package is served (its own index loads a demo API). */
const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-16x16.png', 'favicon-32x32.png'])

/** The version in package.json, the document's info.version. */
export const packageVersion = (): string => (require('../package.json') as { version: string }).version

/** Swagger UI's content-security needs: its own scripts and styles (it sets inline styles), images as data: URLs. */
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const INDEX_HTML = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>学分银行 API 文档 · Credit bank API</title>
<link rel="stylesheet" href="assets/swagger-ui.css">
<link rel="icon" type="image/png" href="assets/favicon-32x32.png" sizes="32x32">
</head>
<body>
<noscript><p>本页需要 JavaScript；接口说明的原文见 <a href="../openapi.json">openapi.json</a>。
This page needs JavaScript; the API description itself is <a href="../openapi.json">openapi.json</a>.</p></noscript>
<div id="swagger-ui" data-url="../openapi.json"></div>
<script src="assets/swagger-ui-bundle.js"></script>
<script src="init.js"></script>
</body>
</html>
`

// No inline script, so the page keeps a strict CSP. validatorUrl null: Swagger UI would otherwise load a badge from
// its public validator.
const INIT_JS = `'use strict'
window.addEventListener('load', function () {
  var node = document.getElementById('swagger-ui')
  window.ui = SwaggerUIBundle({
    url: node.getAttribute('data-url'),
    domNode: node,
    deepLinking: true,
    validatorUrl: null,
    withCredentials: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  })
})
`

/**
 * Adds GET /openapi.json, GET /docs/ (GET /docs redirects there), GET /docs/init.js and /docs/assets/* to `router`.
 * `options` is read on the first request for the document, when every route of `app` is registered.
 */
export function mountApiDocs(router: Router, app: Express, options: () => OpenApiOptions): void {
  let document: string | undefined
  router.get(
    '/openapi.json',
    describe(
      ((_req, res) => {
        document ??= JSON.stringify(buildOpenApi(app, options()))
        res.set({ 'Cache-Control': 'public, max-age=300', 'Access-Control-Allow-Origin': '*' }).type('application/json').send(document)
      }) satisfies RequestHandler,
      {
        summary: 'This API described as OpenAPI 3.1 (本接口的 OpenAPI 3.1 描述)',
        responses: { '200': { description: 'The OpenAPI 3.1.0 document', content: { 'application/json': {} } } },
      },
    ),
  )
  router.get(
    '/docs',
    describe(
      ((req, res) => {
        // The page names its assets relative to /docs/: a request for /docs goes there first.
        const url = new URL(req.originalUrl, 'http://localhost')
        if (!url.pathname.endsWith('/')) return void res.redirect(301, `${url.pathname.split('/').at(-1)}/${url.search}`)
        res.set({ 'Cache-Control': 'public, max-age=300', 'Content-Security-Policy': DOCS_CSP }).type('html').send(INDEX_HTML)
      }) satisfies RequestHandler,
      {
        summary: 'Browsable API documentation (接口文档页面)',
        responses: {
          '200': { description: 'Swagger UI over /openapi.json', content: { 'text/html': {} } },
          '301': { description: 'GET /docs goes to /docs/', headers: { Location: 'docs/' } },
        },
      },
    ),
  )
  router.get(
    '/docs/init.js',
    describe(
      ((_req, res) => {
        res.set('Cache-Control', 'public, max-age=300').type('text/javascript').send(INIT_JS)
      }) satisfies RequestHandler,
      { hidden: true },
    ),
  )
  const assets = express.static(SWAGGER_UI_DIR, { index: false, redirect: false, fallthrough: false, maxAge: '1d' })
  router.use('/docs/assets', (req, res, next) => {
    if (!ASSETS.has(req.path.slice(1))) return next(new AppError('not_found', `no such file: ${req.path}`))
    assets(req, res, next)
  })
}
