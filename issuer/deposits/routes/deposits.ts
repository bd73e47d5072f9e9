// Deposits over HTTP (learners; evidence also for reviewers and experts whose queue holds the outcome):
// POST /deposits (multipart/form-data: a `deposit` JSON field and `evidence` files) → 201, GET /deposits,
// GET /deposits/{id}, POST /deposits/{id}/withdraw, GET /deposits/{id}/evidence/{sha256}.
import type { RequestHandler } from 'express'
import { AppError } from '../../../core/errors.ts'
import { createAjv, toIssues } from '../../../core/json-schema.ts'
import { describe } from '../../../http/route-meta.ts'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { actorOf } from '../../accounts/principal.ts'
import type { DepositSubmission } from '../deposit-store.ts'
import type { Deposits } from '../deposits.ts'
import { DEPOSIT_FIELD, EVIDENCE_FIELD, receiveUpload } from '../receive-upload.ts'

const UUID = { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } as const
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max, pattern: '\\S' }) as const

/** The `deposit` field: a catalogue entry, or what the learner says the outcome is; the result and the awarded date. */
export const depositSubmissionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['awardedDate'],
  properties: {
    catalogueEntryId: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      description: 'a catalogue entry (GET /catalogue), if the outcome is in it',
    },
    claim: {
      type: 'object',
      description: 'otherwise what the outcome is (an expert will likely assess it)',
      additionalProperties: false,
      required: ['name', 'issuerName', 'category', 'level', 'field', 'credits'],
      properties: {
        name: {
          type: 'object',
          additionalProperties: false,
          required: ['zh', 'en'],
          properties: { zh: text(200), en: text(200) },
        },
        issuerName: text(200),
        category: { enum: ['academic', 'non_academic'] },
        level: { type: 'integer', minimum: 1, maximum: 20 },
        field: text(100),
        credits: { type: 'number', minimum: 0, maximum: 999 },
      },
    },
    result: { type: 'string', maxLength: 100, description: 'grade or mark, as text' },
    awardedDate: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' },
  },
  oneOf: [{ required: ['catalogueEntryId'] }, { required: ['claim'] }],
  'x-issue': 'needs exactly one of catalogueEntryId and claim, and awardedDate (YYYY-MM-DD)',
} as const

export const depositListSchema = {
  query: {
    type: 'object',
    additionalProperties: false,
    properties: {
      cursor: { type: 'string', maxLength: 400 },
      limit: { type: 'string', pattern: '^(100|[1-9][0-9]?)$', description: '1 to 100, default 20' },
    },
  },
} as const
export const depositGetSchema = { params: { type: 'object', required: ['id'], properties: { id: UUID } } } as const
export const evidenceGetSchema = {
  params: { type: 'object', required: ['id', 'sha256'], properties: { id: UUID, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } } },
} as const

const validateSubmission = createAjv().compile(depositSubmissionSchema)

function parseSubmission(raw: string | undefined): DepositSubmission {
  if (raw === undefined)
    throw new AppError('invalid_request', `send the outcome as a "${DEPOSIT_FIELD}" field holding JSON`, {
      issues: [{ path: `/${DEPOSIT_FIELD}`, message: 'required' }],
    })
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    throw new AppError('invalid_request', `the "${DEPOSIT_FIELD}" field is not JSON`, {
      issues: [{ path: `/${DEPOSIT_FIELD}`, message: 'is not JSON' }],
    })
  }
  if (!validateSubmission(value)) {
    const issues = toIssues((validateSubmission.errors ?? []).slice(0, 100)).map((i) => ({
      path: `/${DEPOSIT_FIELD}${i.path}`,
      message: i.message,
    }))
    throw new AppError('invalid_request', `the deposit does not match its schema: ${issues[0]!.path} ${issues[0]!.message}`, { issues })
  }
  return value as DepositSubmission
}

const evidenceSchema = {
  type: 'object',
  properties: {
    sha256: { type: 'string' },
    mediaType: { enum: ['application/pdf', 'image/jpeg', 'image/png'] },
    size: { type: 'integer' },
    name: { type: 'string' },
    href: { type: 'string', format: 'uri' },
  },
} as const
const depositSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    status: { enum: ['pending', 'referred', 'recognized', 'rejected', 'withdrawn'] },
    outcomeId: { type: 'string' },
    achievement: { type: 'object' },
    result: { type: ['string', 'null'] },
    awardedDate: { type: 'string' },
    reason: { type: ['object', 'null'], properties: { zh: { type: ['string', 'null'] }, en: { type: ['string', 'null'] } } },
    credentialId: { type: ['string', 'null'] },
    evidence: { type: 'array', items: evidenceSchema },
    createdAt: { type: 'string' },
    referredAt: { type: ['string', 'null'] },
    decidedAt: { type: ['string', 'null'] },
    withdrawnAt: { type: ['string', 'null'] },
  },
} as const

export const depositsCreate = (deposits: Deposits): RequestHandler[] => [
  describe(
    async (req, res) => {
      const p = req.principal!
      // An error answer may go out while the client still sends: the connection is not kept for another request.
      await deposits.requireVerified(p.id).catch((err: unknown) => {
        res.set('Connection', 'close')
        throw err
      })
      const upload = await receiveUpload(req, deposits.evidenceStore, deposits.limits).catch((err: unknown) => {
        res.set('Connection', 'close')
        throw err
      })
      let submission: DepositSubmission
      try {
        submission = parseSubmission(upload.fields.get(DEPOSIT_FIELD))
      } catch (err) {
        await deposits.evidenceStore.discard(upload.files)
        throw err
      }
      const deposit = await deposits.create(p.id, submission, upload.files, actorOf(p))
      req.log.info('deposit created', { deposit: deposit.id, files: deposit.evidence.length })
      res.status(201).location(`${req.baseUrl}/deposits/${deposit.id}`).json(deposit)
    },
    {
      summary: 'Deposit a learning outcome with evidence files (个人存入)',
      description:
        `multipart/form-data: a "${DEPOSIT_FIELD}" field holding the outcome as JSON and 1 to ${deposits.limits.maxFiles} "${EVIDENCE_FIELD}" files ` +
        `(PDF, JPEG or PNG by their content, at most ${deposits.limits.maxFileBytes} bytes each). The learner must be real-name verified.`,
      requestBody: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: [DEPOSIT_FIELD, EVIDENCE_FIELD],
            properties: {
              [DEPOSIT_FIELD]: { ...depositSubmissionSchema, description: 'the outcome, as JSON' },
              [EVIDENCE_FIELD]: {
                type: 'array',
                minItems: 1,
                maxItems: deposits.limits.maxFiles,
                items: { type: 'string', contentMediaType: 'application/octet-stream', description: 'a PDF, JPEG or PNG file' },
              },
            },
          },
          description: 'evidence files are typed by their content; a name or part type that disagrees with it is refused',
        },
      },
      responses: {
        '201': { description: 'the deposit, pending in the recognition queue', content: { 'application/json': { schema: depositSchema } } },
      },
      errors: [
        'invalid_request',
        'payload_too_large',
        'unsupported_media_type',
        'evidence_type_unsupported',
        'evidence_type_mismatch',
        'real_name_required',
      ],
      tags: ['deposits'],
    },
  ),
]

export const depositsList = (deposits: Deposits): RequestHandler[] => [
  validateRequest(depositListSchema),
  describe(
    async (req, res) => {
      const q = req.query as Valid<typeof depositListSchema.query>
      const page = await deposits.list(req.principal!.id, {
        limit: q.limit ? Number(q.limit) : 20,
        ...(q.cursor ? { cursor: q.cursor } : {}),
      })
      res.set('Cache-Control', 'no-store').json(page)
    },
    {
      summary: 'My deposits, newest first, with their status',
      responses: {
        '200': {
          description: 'a page of deposits',
          content: {
            'application/json': {
              schema: { type: 'object', properties: { items: { type: 'array', items: depositSchema }, nextCursor: { type: 'string' } } },
            },
          },
        },
      },
      tags: ['deposits'],
    },
  ),
]

export const depositsGet = (deposits: Deposits): RequestHandler[] => [
  validateRequest(depositGetSchema),
  describe(
    async (req, res) => {
      res.set('Cache-Control', 'no-store').json(await deposits.get(String(req.params.id), req.principal!.id))
    },
    {
      summary: 'One of my deposits: its status (pending, referred, recognized with the credential id, rejected with the reason, withdrawn)',
      responses: { '200': { description: 'the deposit', content: { 'application/json': { schema: depositSchema } } } },
      tags: ['deposits'],
    },
  ),
]

export const depositsWithdraw = (deposits: Deposits): RequestHandler[] => [
  validateRequest(depositGetSchema),
  describe(
    async (req, res) => {
      const p = req.principal!
      res.set('Cache-Control', 'no-store').json(await deposits.withdraw(String(req.params.id), p.id, actorOf(p)))
    },
    {
      summary: 'Withdraw my deposit while it waits for a decision',
      responses: { '200': { description: 'the withdrawn deposit', content: { 'application/json': { schema: depositSchema } } } },
      errors: ['outcome_already_decided'],
      tags: ['deposits'],
    },
  ),
]

/**
 * An evidence file as an attachment, typed by its content: never rendered by the browser in the bank's origin
 * (nosniff, a sandboxing CSP, attachment), never cached by shared caches.
 */
export const evidenceGet = (deposits: Deposits): RequestHandler[] => [
  validateRequest(evidenceGetSchema),
  describe(
    async (req, res) => {
      const { evidence, stream, size } = await deposits.openEvidence(String(req.params.id), String(req.params.sha256), req.principal!)
      const ascii = evidence.originalName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
      res.set({
        'Content-Type': evidence.mediaType,
        'Content-Length': String(size),
        'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(evidence.originalName)}`,
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'; sandbox",
        'Cache-Control': 'private, no-store',
        'Cross-Origin-Resource-Policy': 'same-origin',
      })
      stream.on('error', (err) => {
        req.log.error('evidence read failed', { sha256: evidence.sha256, error: err.message })
        res.destroy(err)
      })
      stream.pipe(res)
    },
    {
      summary: 'Download a piece of evidence (the depositing learner; reviewers and experts while the outcome is in their queue; audited)',
      responses: {
        '200': {
          description: 'the file, as an attachment',
          content: { 'application/pdf': {}, 'image/jpeg': {}, 'image/png': {} },
          headers: { 'Content-Disposition': 'attachment; filename=…' },
        },
      },
      tags: ['deposits'],
    },
  ),
]
