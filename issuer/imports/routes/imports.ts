// Imports over HTTP (staff of an institution, or an API client with imports:write bound to one; admin-scope clients
// name the institution): POST /imports (the file as the body, text/csv or application/x-ndjson) → 202 and a job,
// GET /imports, GET /imports/{id}, GET /imports/{id}/errors (CSV with a BOM, or ?format=json), GET /imports/template.
import type { Request, RequestHandler } from 'express'
import { AppError } from '../../../core/errors.ts'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { actorOf, type Principal } from '../../accounts/principal.ts'
import type { ImportFormat, ImportJobRecord } from '../import-store.ts'
import { csvLine, MAX_IMPORT_BYTES, type Imports } from '../imports.ts'

const INSTITUTION = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,63}$' } as const
const JOB_ID = { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } as const

export const importCreateSchema = {
  query: {
    type: 'object',
    additionalProperties: false,
    properties: { institution: { ...INSTITUTION, description: 'only for API clients with the admin scope, bound to no institution' } },
  },
} as const
export const importListSchema = {
  query: {
    type: 'object',
    additionalProperties: false,
    properties: {
      institution: INSTITUTION,
      cursor: { type: 'string', maxLength: 400 },
      limit: { type: 'string', pattern: '^(100|[1-9][0-9]?)$', description: '1 to 100, default 20' },
    },
  },
} as const
export const importGetSchema = { params: { type: 'object', required: ['id'], properties: { id: JOB_ID } } } as const
export const importErrorsSchema = {
  params: importGetSchema.params,
  query: { type: 'object', additionalProperties: false, properties: { format: { enum: ['csv', 'json'] } } },
} as const
export const importTemplateSchema = {
  query: { type: 'object', additionalProperties: false, properties: { institution: INSTITUTION } },
} as const

/** Media types of an upload and the format each means. */
const MEDIA_TYPES: Readonly<Record<string, ImportFormat>> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/json-lines': 'jsonl',
}

/**
 * The institution a caller acts for: staff and bound API clients their own (asking for another is 403); an admin-scope
 * client bound to none names it with ?institution=.
 */
export function actingInstitution(p: Principal, requested: string | undefined): string {
  if (p.institutionId) {
    if (requested !== undefined && requested !== p.institutionId)
      throw new AppError('forbidden', `you act for institution ${p.institutionId} only (您只能为本机构导入)`)
    return p.institutionId
  }
  if (p.kind === 'client' && p.scopes.includes('admin')) {
    if (requested === undefined)
      throw new AppError('invalid_request', 'name the institution: ?institution=ID', {
        issues: [{ path: '/query/institution', message: 'required' }],
      })
    return requested
  }
  throw new AppError('forbidden', 'imports are made by staff of an institution or an API client bound to one')
}

/** Whose jobs a caller may read: its institution's, or any (null) for an admin-scope client bound to none. */
function readScope(p: Principal): string | null {
  if (p.institutionId) return p.institutionId
  if (p.kind === 'client' && p.scopes.includes('admin')) return null
  throw new AppError('forbidden', 'imports are read by staff of an institution or an API client bound to one')
}

export const importJson = (j: ImportJobRecord, base: string) => ({
  id: j.id,
  institutionId: j.institutionId,
  format: j.format,
  state: j.state,
  file: { sha256: j.fileSha256, size: j.fileSize },
  progress: {
    rowsDone: j.rowsDone,
    bytesDone: j.byteOffset,
    percent: j.state === 'done' ? 100 : j.fileSize ? Math.min(100, Math.floor((j.byteOffset / j.fileSize) * 100)) : 0,
  },
  counts: j.counts,
  createdAt: j.createdAt,
  updatedAt: j.updatedAt,
  finishedAt: j.finishedAt,
  ...(j.error ? { error: j.error } : {}),
  links: { self: `${base}/imports/${j.id}`, errors: `${base}/imports/${j.id}/errors` },
})

const mediaFormat = (req: Request): ImportFormat => {
  const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  const format = MEDIA_TYPES[type]
  if (!format) throw new AppError('unsupported_media_type', 'send the file as text/csv (UTF-8) or application/x-ndjson (JSON Lines)')
  return format
}

export const importsCreate = (imports: Imports, maxBytes: number = MAX_IMPORT_BYTES): RequestHandler[] => [
  validateRequest(importCreateSchema),
  async (req, res) => {
    const p = req.principal!
    const institutionId = actingInstitution(p, (req.query as Valid<typeof importCreateSchema.query>).institution)
    const format = mediaFormat(req)
    const declared = Number(req.get('content-length') ?? 0)
    if (declared > maxBytes) throw new AppError('payload_too_large', `an import file may be at most ${maxBytes} bytes; split it`)
    const stored = await imports.receiveFile(req, format, maxBytes)
    const job = await imports.createFromUpload(stored, institutionId, format, actorOf(p))
    req.log.info('import job created', { job: job.id, institution: institutionId, bytes: stored.size })
    res.status(202).location(`${req.baseUrl}/imports/${job.id}`).json(importJson(job, req.baseUrl))
  },
]

export const importsList = (imports: Imports): RequestHandler[] => [
  validateRequest(importListSchema),
  async (req, res) => {
    const q = req.query as Valid<typeof importListSchema.query>
    const scope = readScope(req.principal!)
    const institutionId = scope ?? q.institution
    if (institutionId === undefined)
      throw new AppError('invalid_request', 'name the institution: ?institution=ID', {
        issues: [{ path: '/query/institution', message: 'required' }],
      })
    if (scope !== null && q.institution !== undefined && q.institution !== scope)
      throw new AppError('forbidden', `you act for institution ${scope} only`)
    const page = await imports.list(institutionId, q.cursor, q.limit ? Number(q.limit) : 20)
    res.set('Cache-Control', 'no-store').json({
      items: page.items.map((j) => importJson(j, req.baseUrl)),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    })
  },
]

export const importsGet = (imports: Imports): RequestHandler[] => [
  validateRequest(importGetSchema),
  async (req, res) => {
    const job = await imports.get(String(req.params.id), readScope(req.principal!))
    res.set('Cache-Control', 'no-store').json(importJson(job, req.baseUrl))
  },
]

/** The rejected rows: CSV (UTF-8 with a BOM, so spreadsheets read the Chinese right) or JSON, streamed page by page. */
export const importsErrors = (imports: Imports): RequestHandler[] => [
  validateRequest(importErrorsSchema),
  async (req, res) => {
    const job = await imports.get(String(req.params.id), readScope(req.principal!))
    const json = (req.query as Valid<typeof importErrorsSchema.query>).format === 'json'
    res.set('Cache-Control', 'no-store')
    if (json) {
      res.type('application/json')
      res.write(`{"jobId":${JSON.stringify(job.id)},"errors":[`)
      let first = true
      for await (const page of imports.errors(job.id)) {
        const text = page.map((e) => JSON.stringify(e)).join(',')
        res.write((first ? '' : ',') + text)
        first = false
      }
      res.end(']}')
      return
    }
    res.type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="import-${job.id}-errors.csv"`)
    res.write('\uFEFF' + csvLine(['row', 'column', 'code', 'message_zh', 'message_en']) + '\r\n')
    for await (const page of imports.errors(job.id)) {
      res.write(page.map((e) => csvLine([e.row, e.column, e.code, e.messageZh, e.messageEn]) + '\r\n').join(''))
    }
    res.end()
  },
]

export const importsTemplate = (imports: Imports): RequestHandler[] => [
  validateRequest(importTemplateSchema),
  async (req, res) => {
    const institutionId = actingInstitution(req.principal!, (req.query as Valid<typeof importTemplateSchema.query>).institution)
    const csv = await imports.template(institutionId)
    res
      .set('Cache-Control', 'no-store')
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="import-template-${institutionId}.csv"`)
      .send('\uFEFF' + csv)
  },
]
