// Consultation over HTTP. POST /consultations: a learner asks (subject, first message, optionally outcomeId, ruleId or
// reportNumber). GET /consultations: the threads the caller may read (a learner's own; staff: their institution's;
// reviewers and admins: all). GET /consultations/{id}: a thread and its messages, with the conversion advice for its
// learner. POST /consultations/{id}/messages: the learner or an answer. Anyone else's thread is 404.
import type { RequestHandler } from 'express'
import { nonBlankText } from '../../../core/json-schema.ts'
import { describe } from '../../../http/route-meta.ts'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { MAX_MESSAGE_CHARS, MAX_SUBJECT_CHARS, type Consultation } from '../consultation.ts'
import { MESSAGE_LANGUAGES } from '../consultation-store.ts'

const UUID = { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } as const
const idParams = { type: 'object', required: ['id'], properties: { id: UUID } } as const
const message = {
  ...nonBlankText(MAX_MESSAGE_CHARS),
  description: `the text, in Chinese or English (at most ${MAX_MESSAGE_CHARS} characters)`,
}
const language = { enum: MESSAGE_LANGUAGES, description: 'the language the text is in, if the writer says' } as const

export const consultationOpenSchema = {
  body: {
    type: 'object',
    required: ['subject', 'message'],
    additionalProperties: false,
    properties: {
      subject: nonBlankText(MAX_SUBJECT_CHARS),
      message,
      language,
      outcomeId: { ...UUID, description: 'one of my learning outcomes: its institution’s staff may answer' },
      ruleId: { ...UUID, description: 'a ledger rule or a conversion rule (its target institution’s staff may answer)' },
      reportNumber: {
        type: 'string',
        minLength: 4,
        maxLength: 40,
        pattern: '^[0-9A-Za-z-]+$',
        description: 'the number of one of my certification reports, as printed or typed (any case, dashes optional)',
      },
    },
  },
} as const

export const consultationListSchema = {
  query: {
    type: 'object',
    additionalProperties: false,
    properties: {
      cursor: { type: 'string', minLength: 1, maxLength: 400, description: 'nextCursor of the previous page' },
      limit: { type: 'string', pattern: '^(100|[1-9][0-9]?)$', description: '1 to 100, default 20' },
    },
  },
} as const

export const consultationGetSchema = { params: idParams } as const

export const consultationReplySchema = {
  params: idParams,
  body: { type: 'object', required: ['message'], additionalProperties: false, properties: { message, language } },
} as const

export const consultationsOpen = (consultation: Consultation): RequestHandler[] => [
  validateRequest(consultationOpenSchema),
  describe<RequestHandler>(
    async (req, res) => {
      const opened = await consultation.open(req.principal!, req.body as Valid<typeof consultationOpenSchema.body>)
      req.log.info('consultation opened', { consultation: opened.thread.id, by: req.principal!.id })
      res.status(201).location(`${req.baseUrl}/consultations/${opened.thread.id}`).set('Cache-Control', 'no-store').json(opened)
    },
    {
      summary: 'Ask a question (学习咨询), optionally about one of my outcomes, a rule or a report',
      responses: {
        '201': {
          description: 'The thread 已创建 with its first message',
          headers: { Location: 'the thread' },
          content: { 'application/json': {} },
        },
      },
    },
  ),
]

export const consultationsList = (consultation: Consultation): RequestHandler[] => [
  validateRequest(consultationListSchema),
  describe<RequestHandler>(
    async (req, res) => {
      const q = req.query as Valid<typeof consultationListSchema.query>
      const page = await consultation.list(req.principal!, {
        limit: q.limit ? Number(q.limit) : 20,
        ...(q.cursor ? { after: q.cursor } : {}),
      })
      res.set('Cache-Control', 'no-store').json(page)
    },
    {
      summary: 'Consultation threads I may read, newest activity first',
      responses: { '200': { description: 'a page of threads', content: { 'application/json': {} } } },
    },
  ),
]

export const consultationsGet = (consultation: Consultation): RequestHandler[] => [
  validateRequest(consultationGetSchema),
  describe<RequestHandler>(
    async (req, res) => {
      res.set('Cache-Control', 'no-store').json(await consultation.get(req.principal!, String(req.params.id)))
    },
    {
      summary: 'A consultation thread and its messages; its learner also gets the conversion advice',
      responses: {
        '200': {
          description: 'the thread; for the learner, `advice` is the automatic consultation (null until real-name verification)',
          content: { 'application/json': {} },
        },
      },
    },
  ),
]

export const consultationsReply = (consultation: Consultation): RequestHandler[] => [
  validateRequest(consultationReplySchema),
  describe<RequestHandler>(
    async (req, res) => {
      const id = String(req.params.id)
      const posted = await consultation.reply(req.principal!, id, req.body as Valid<typeof consultationReplySchema.body>)
      req.log.info('consultation message posted', { consultation: id, by: req.principal!.id })
      res.status(201).set('Cache-Control', 'no-store').json(posted)
    },
    {
      summary: 'Add a message to a thread I may read (the learner, staff of the institution concerned, reviewers, admins)',
      responses: { '201': { description: 'the message as posted', content: { 'application/json': {} } } },
    },
  ),
]
