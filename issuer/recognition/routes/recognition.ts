// Recognition (认定) over HTTP, for reviewers and experts: GET /recognition/queue (reviewers: pending outcomes; experts:
// those referred to them), GET /recognition/outcomes/{id} (one item of the caller's queue, with its evidence), POST
// /recognition/outcomes/{id}/decision (reviewer: approve, reject, refer) and POST /recognition/outcomes/{id}/expert-decision.
import type { RequestHandler } from 'express'
import { describe } from '../../../http/route-meta.ts'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { actorOf } from '../../accounts/principal.ts'
import { EXPERT_DECISIONS, REVIEWER_DECISIONS, type OutcomeView, type Recognition } from '../recognition.ts'

/** Page size: 20 by default, at most this many. */
export const MAX_PAGE = 100
const UUID = { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } as const
const text = { type: 'string', maxLength: 2000 } as const

/** A page: `cursor` is the previous page's nextCursor. */
export const pageQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cursor: { type: 'string', minLength: 1, maxLength: 400, description: 'nextCursor of the previous page' },
    limit: { type: 'string', pattern: '^(100|[1-9][0-9]?)$', description: `1 to ${MAX_PAGE}, default 20` },
  },
} as const

const reasonSchema = {
  description: 'why: {zh, en} (either or both), or one text kept for both languages; required to reject',
  anyOf: [{ type: 'object', additionalProperties: false, properties: { zh: text, en: text } }, text],
} as const

export const queueSchema = { query: pageQuerySchema } as const
export const outcomeGetSchema = { params: { type: 'object', required: ['id'], properties: { id: UUID } } } as const
export const decisionSchema = {
  params: outcomeGetSchema.params,
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['decision'],
    properties: { decision: { enum: REVIEWER_DECISIONS }, reason: reasonSchema },
  },
} as const
export const expertDecisionSchema = {
  params: outcomeGetSchema.params,
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['decision'],
    properties: { decision: { enum: EXPERT_DECISIONS }, reason: reasonSchema },
  },
} as const

const nullableText = { type: ['string', 'null'] } as const
/** An outcome as the API shows it (no identity of the learner). */
export const outcomeViewSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    source: { enum: ['import', 'deposit'] },
    state: { enum: ['pending', 'referred', 'recognized', 'rejected', 'withdrawn'] },
    institutionId: nullableText,
    recordKey: nullableText,
    importJobId: nullableText,
    depositId: nullableText,
    achievement: {
      type: 'object',
      properties: {
        catalogueEntryId: nullableText,
        code: nullableText,
        name: { type: 'object', properties: { zh: { type: 'string' }, en: { type: 'string' } } },
        issuerName: nullableText,
        level: { type: 'integer' },
        category: { enum: ['academic', 'non_academic'] },
        field: { type: 'string' },
        credits: { type: 'number' },
      },
    },
    creditsEarned: { type: 'number' },
    result: nullableText,
    awardedDate: { type: 'string', description: 'YYYY-MM-DD' },
    term: nullableText,
    activityStartDate: nullableText,
    activityEndDate: nullableText,
    reason: { type: ['object', 'null'], properties: { zh: nullableText, en: nullableText } },
    credentialId: { ...nullableText, description: 'the AchievementCredential, once recognized' },
    createdAt: { type: 'string' },
    referredAt: nullableText,
    decidedAt: nullableText,
  },
} as const

const pageSchema = {
  type: 'object',
  properties: { items: { type: 'array', items: outcomeViewSchema }, nextCursor: { type: 'string' } },
} as const

/** A deposit's evidence, listed by the deposits capability (nothing for an imported outcome). */
export interface EvidenceSource {
  evidenceFor(outcomeId: string): Promise<readonly unknown[]>
}

const page = (q: { cursor?: string; limit?: string }) => ({
  limit: q.limit ? Number(q.limit) : 20,
  ...(q.cursor ? { after: q.cursor } : {}),
})

export const recognitionQueue = (recognition: Recognition): RequestHandler[] => [
  validateRequest(queueSchema),
  describe(
    async (req, res) => {
      const q = req.query as Valid<typeof queueSchema.query>
      res.set('Cache-Control', 'no-store').json(await recognition.queue(req.principal!, page(q)))
    },
    {
      summary: 'The recognition queue, oldest first: pending outcomes for reviewers, those referred to the expert committee for experts',
      responses: { '200': { description: 'a page of the queue', content: { 'application/json': { schema: pageSchema } } } },
    },
  ),
]

export const recognitionOutcomeGet = (recognition: Recognition, evidence: EvidenceSource): RequestHandler[] => [
  validateRequest(outcomeGetSchema),
  describe(
    async (req, res) => {
      const outcome: OutcomeView = await recognition.queueItem(String(req.params.id), req.principal!)
      res.set('Cache-Control', 'no-store').json({ ...outcome, evidence: await evidence.evidenceFor(outcome.id) })
    },
    {
      summary: "One outcome of the caller's queue with its evidence (a deposit's files; none for an imported outcome)",
      responses: {
        '200': {
          description: 'the outcome; not found when it is not in your queue',
          content: {
            'application/json': {
              schema: {
                ...outcomeViewSchema,
                properties: { ...outcomeViewSchema.properties, evidence: { type: 'array', items: { type: 'object' } } },
              },
            },
          },
        },
      },
    },
  ),
]

export const recognitionDecision = (recognition: Recognition): RequestHandler[] => [
  validateRequest(decisionSchema),
  describe(
    async (req, res) => {
      const body = req.body as Valid<typeof decisionSchema.body>
      const p = req.principal!
      const outcome = await recognition.decide(String(req.params.id), body.decision, body.reason, actorOf(p))
      req.log.info('outcome decided', { outcome: outcome.id, decision: body.decision, state: outcome.state, user: p.id })
      res.json(outcome)
    },
    {
      summary:
        "A reviewer's decision on a pending outcome: approve (the credential is signed), reject (with a reason) or refer it to the expert committee",
      description: 'Two decisions at once: one wins, the other is 409 outcome_already_decided.',
      responses: { '200': { description: 'the outcome as decided', content: { 'application/json': { schema: outcomeViewSchema } } } },
      errors: ['not_found', 'reason_required', 'outcome_already_decided'],
    },
  ),
]

export const recognitionExpertDecision = (recognition: Recognition): RequestHandler[] => [
  validateRequest(expertDecisionSchema),
  describe(
    async (req, res) => {
      const body = req.body as Valid<typeof expertDecisionSchema.body>
      const p = req.principal!
      const outcome = await recognition.expertDecide(String(req.params.id), body.decision, body.reason, actorOf(p))
      req.log.info('outcome decided by an expert', { outcome: outcome.id, decision: body.decision, user: p.id })
      res.json(outcome)
    },
    {
      summary: "The expert committee's decision on a referred outcome: approve (the credential is signed) or reject (with a reason)",
      responses: { '200': { description: 'the outcome as decided', content: { 'application/json': { schema: outcomeViewSchema } } } },
      errors: ['not_found', 'reason_required', 'outcome_already_decided', 'outcome_not_in_queue'],
    },
  ),
]
