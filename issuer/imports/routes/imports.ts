// Imports over HTTP (staff of an institution, or an API client with imports:write bound to one; admin-scope clients
// name the institution): POST /imports (the file as the body, text/csv or application/x-ndjson) → 202 and a job,
// GET /imports, GET /imports/{id}, GET /imports/{id}/errors (CSV with a BOM, or ?format=json), GET /imports/template.
import type { Request, RequestHandler } from 'express'
import { AppError } from '../../../core/errors.ts'
import { describe } from '../../../http/route-meta.ts'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { actorOf, type Principal } from '../../accounts/principal.ts'
import type { ImportFormat, ImportJobRecord } from '../import-store.ts'
import { csvLine, MAX_IMPORT_BYTES, type Imports, type StoredFile } from '../imports.ts'

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

const counts = {
  type: 'object',
  required: ['rows', 'imported', 'duplicates', 'rejected', 'toReview'],
  properties: {
    rows: { type: 'integer', description: 'data rows read so far' },
    imported: { type: 'integer', description: 'recognized at once, credential signed' },
    duplicates: { type: 'integer', description: 'record key already in the bank: nothing changed' },
    rejected: { type: 'integer', description: 'rows in the error report' },
    toReview: { type: 'integer', description: 'outside the accreditation: in the recognition queue' },
  },
} as const

/** An import job as the API answers it. */
export const importJobSchema = {
  type: 'object',
  required: ['id', 'institutionId', 'format', 'state', 'file', 'progress', 'counts', 'createdAt', 'updatedAt', 'finishedAt', 'links'],
  properties: {
    id: { type: 'string' },
    institutionId: { type: 'string' },
    format: { enum: ['csv', 'jsonl'] },
    state: { enum: ['queued', 'running', 'done', 'failed'] },
    file: { type: 'object', properties: { sha256: { type: 'string' }, size: { type: 'integer' } } },
    progress: {
      type: 'object',
      properties: { rowsDone: { type: 'integer' }, bytesDone: { type: 'integer' }, percent: { type: 'integer', minimum: 0, maximum: 100 } },
    },
    counts,
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    finishedAt: { type: ['string', 'null'] },
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      description: 'why a failed job failed (import_file_changed, import_encoding, …)',
    },
    links: { type: 'object', properties: { self: { type: 'string' }, errors: { type: 'string' } } },
  },
} as const

const CSV_ERRORS = 'UTF-8 with a BOM: row,column,code,message_zh,message_en — row is the line of the file the row begins on'

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
  describe(
    async (req, res) => {
      const p = req.principal!
      let institutionId: string
      let stored: StoredFile
      let format: ImportFormat
      try {
        institutionId = actingInstitution(p, (req.query as Valid<typeof importCreateSchema.query>).institution)
        format = mediaFormat(req)
        const declared = Number(req.get('content-length') ?? 0)
        if (declared > maxBytes) throw new AppError('payload_too_large', `an import file may be at most ${maxBytes} bytes; split it`)
        stored = await imports.receiveFile(req, format, maxBytes)
      } catch (err) {
        // Answered before the body was read to its end: the connection is not kept for another request.
        res.set('Connection', 'close')
        throw err
      }
      const job = await imports.createFromUpload(stored, institutionId, format, actorOf(p))
      req.log.info('import job created', { job: job.id, institution: institutionId, bytes: stored.size })
      res.status(202).location(`${req.baseUrl}/imports/${job.id}`).json(importJson(job, req.baseUrl))
    },
    {
      summary: 'Upload a batch of learning outcomes (机构批量导入): the file becomes a job',
      description: `The file is the body, at most ${maxBytes} bytes: CSV (UTF-8, a BOM is fine; a header row naming the columns) or JSON Lines. The header is checked at once; the rows are checked and recorded by the job (GET /imports/{id}).`,
      requestBody: {
        'text/csv': {
          schema: { type: 'string' },
          description:
            'columns record_key, id_number, name, course_code, credits, awarded_date; optional result, term, start_date, end_date',
        },
        'application/x-ndjson': { schema: { type: 'string' }, description: 'one JSON object per line with the same members' },
      },
      responses: {
        '202': {
          description: 'the job, queued',
          headers: { Location: 'the job' },
          content: { 'application/json': { schema: importJobSchema } },
        },
      },
      errors: ['invalid_request', 'import_file_invalid', 'payload_too_large', 'unsupported_media_type', 'not_found'],
      tags: ['imports'],
    },
  ),
]

export const importsList = (imports: Imports): RequestHandler[] => [
  validateRequest(importListSchema),
  describe(
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
    {
      summary: "My institution's import jobs, newest first",
      responses: {
        '200': {
          description: 'a page of jobs; pass nextCursor as cursor for the next',
          content: {
            'application/json': {
              schema: { type: 'object', properties: { items: { type: 'array', items: importJobSchema }, nextCursor: { type: 'string' } } },
            },
          },
        },
      },
      tags: ['imports'],
    },
  ),
]

export const importsGet = (imports: Imports): RequestHandler[] => [
  validateRequest(importGetSchema),
  describe(
    async (req, res) => {
      const job = await imports.get(String(req.params.id), readScope(req.principal!))
      res.set('Cache-Control', 'no-store').json(importJson(job, req.baseUrl))
    },
    {
      summary: 'An import job: state, progress and counts (another institution’s: 404)',
      responses: { '200': { description: 'the job', content: { 'application/json': { schema: importJobSchema } } } },
      tags: ['imports'],
    },
  ),
]

/** The rejected rows: CSV (UTF-8 with a BOM, so spreadsheets read the Chinese right) or JSON, streamed page by page. */
export const importsErrors = (imports: Imports): RequestHandler[] => [
  validateRequest(importErrorsSchema),
  describe(
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
    {
      summary: 'The error report of a job: its rejected rows (CSV, or ?format=json)',
      responses: {
        '200': {
          description: 'one line per bad column of a rejected row',
          content: {
            'text/csv': { schema: { type: 'string' }, description: CSV_ERRORS },
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  jobId: { type: 'string' },
                  errors: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        row: { type: 'integer' },
                        column: { type: 'string' },
                        code: { type: 'string' },
                        messageZh: { type: 'string' },
                        messageEn: { type: 'string' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
      tags: ['imports'],
    },
  ),
]

export const importsTemplate = (imports: Imports): RequestHandler[] => [
  validateRequest(importTemplateSchema),
  describe(
    async (req, res) => {
      const institutionId = actingInstitution(req.principal!, (req.query as Valid<typeof importTemplateSchema.query>).institution)
      const csv = await imports.template(institutionId)
      res
        .set('Cache-Control', 'no-store')
        .type('text/csv; charset=utf-8')
        .set('Content-Disposition', `attachment; filename="import-template-${institutionId}.csv"`)
        .send('\uFEFF' + csv)
    },
    {
      summary: 'The CSV header and one valid example row from the institution’s catalogue',
      responses: { '200': { description: 'a CSV file (UTF-8 with a BOM)', content: { 'text/csv': { schema: { type: 'string' } } } } },
      errors: ['not_found'],
      tags: ['imports'],
    },
  ),
]
