// Conversion (转换) over HTTP. Public: GET /conversion/rules, GET /conversion/rules/{id}, GET /conversion/rules/{id}/versions/{v}.
// Staff of the target institution and experts: POST /conversion/rules, PUT /conversion/rules/{id} (a new version).
// Learners: GET /me/conversion-advice, POST /conversion/applications, GET /me/conversion-applications.
// Staff of the target institution: GET /conversion/applications, POST /conversion/applications/{id}/decision.
import type { RequestHandler } from 'express'
import { bilingual, nonBlankText } from '../../../core/json-schema.ts'
import { AppError } from '../../../core/errors.ts'
import { describe } from '../../../http/route-meta.ts'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { actorOf } from '../../accounts/principal.ts'
import { VERIFY_FIRST_HINT, type VerifiedLearners } from '../../recognition/routes/my-outcomes.ts'
import type { Conversion, RuleInput } from '../conversion.ts'
import { APPLICATION_STATES } from '../conversion-store.ts'

const UUID = { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } as const
const ENTRY_ID = { type: 'string', minLength: 1, maxLength: 64 } as const
const INSTITUTION_ID = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,63}$' } as const
const CATEGORY = { enum: ['academic', 'non_academic'] } as const
const credits = { type: 'number', minimum: 0, maximum: 999 } as const
const text = { type: 'string', maxLength: 2000 } as const
const limit = { type: 'string', pattern: '^(100|[1-9][0-9]?)$', description: '1 to 100, default 20' } as const

const minResult = {
  description:
    'mark: a numeric result of at least min; grade: a grade of scale (best first) at or above min; pass: a mark of 60 or more or a pass word (合格, 通过, pass …)',
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'min'],
      properties: { kind: { const: 'mark' }, min: { type: 'number', minimum: 0, maximum: 1000 } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'scale', 'min'],
      properties: {
        kind: { const: 'grade' },
        scale: { type: 'array', minItems: 2, maxItems: 20, items: nonBlankText(40) },
        min: nonBlankText(40),
      },
    },
    { type: 'object', additionalProperties: false, required: ['kind'], properties: { kind: { const: 'pass' } } },
  ],
} as const

const ruleBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'sources', 'require'],
  properties: {
    name: bilingual(nonBlankText(200)),
    sources: { type: 'array', minItems: 1, maxItems: 50, items: ENTRY_ID, description: 'catalogue entry ids the rule converts from' },
    require: {
      description: 'all of the sources, or any `count` of them',
      oneOf: [
        { type: 'object', additionalProperties: false, required: ['mode'], properties: { mode: { const: 'all' } } },
        {
          type: 'object',
          additionalProperties: false,
          required: ['mode', 'count'],
          properties: { mode: { const: 'any' }, count: { type: 'integer', minimum: 1, maximum: 50 } },
        },
      ],
    },
    credits: { ...credits, description: "credits the conversion grants; default the target course's" },
    conditions: {
      type: 'object',
      additionalProperties: false,
      properties: {
        minResult,
        maxAgeYears: { type: 'integer', minimum: 1, maximum: 100, description: 'an outcome awarded longer ago than this is too old' },
        excludedCategories: { type: 'array', maxItems: 2, items: CATEGORY, description: 'categories never converted' },
        programme: {
          type: 'object',
          additionalProperties: false,
          required: ['code', 'totalCredits', 'maxShare'],
          description: "the target institution's programme: converted credits may cover at most maxShare of its totalCredits",
          properties: {
            code: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' },
            totalCredits: { type: 'number', exclusiveMinimum: 0, maximum: 10000 },
            maxShare: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
          },
        },
      },
    },
    active: { type: 'boolean', description: 'false retires the rule (default true)' },
  },
} as const

export const ruleCreateSchema = {
  body: {
    ...ruleBody,
    required: [...ruleBody.required, 'targetEntryId'],
    properties: {
      ...ruleBody.properties,
      targetEntryId: { ...ENTRY_ID, description: 'a catalogue entry of the target institution: the course converted into' },
    },
  },
} as const
const idParams = { type: 'object', required: ['id'], properties: { id: UUID } } as const
export const ruleReviseSchema = { params: idParams, body: ruleBody } as const
export const ruleGetSchema = { params: idParams } as const
export const ruleVersionSchema = {
  params: {
    type: 'object',
    required: ['id', 'version'],
    properties: { id: UUID, version: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } },
  },
} as const
export const ruleListSchema = {
  query: {
    type: 'object',
    additionalProperties: false,
    properties: { institution: INSTITUTION_ID, after: UUID, limit },
  },
} as const
export const applyRequestSchema = {
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['ruleId', 'outcomeIds'],
    properties: { ruleId: UUID, outcomeIds: { type: 'array', minItems: 1, maxItems: 50, items: UUID } },
  },
} as const
export const staffApplicationsSchema = {
  query: {
    type: 'object',
    additionalProperties: false,
    properties: { state: { enum: APPLICATION_STATES }, cursor: { type: 'string', minLength: 1, maxLength: 400 }, limit },
  },
} as const
export const decisionSchema = {
  params: idParams,
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['decision'],
    properties: {
      decision: { enum: ['approve', 'reject'] },
      reason: {
        description: 'why: {zh, en} (either or both), or one text kept for both languages; required to reject',
        anyOf: [{ type: 'object', additionalProperties: false, properties: { zh: text, en: text } }, text],
      },
    },
  },
} as const

const toInput = (body: Valid<typeof ruleBody>): RuleInput => body as RuleInput

export const rulesList = (conversion: Conversion): RequestHandler[] => [
  validateRequest(ruleListSchema),
  describe<RequestHandler>(
    async (req, res) => {
      const q = req.query as Valid<typeof ruleListSchema.query>
      const page = await conversion.listRules({
        limit: q.limit ? Number(q.limit) : 20,
        ...(q.institution ? { targetInstitutionId: q.institution } : {}),
        ...(q.after ? { after: q.after } : {}),
      })
      res.set('Cache-Control', 'public, max-age=60').json(page)
    },
    { summary: 'Conversion rules (current versions), by id; `institution` filters by target institution' },
  ),
]

export const rulesGet = (conversion: Conversion): RequestHandler[] => [
  validateRequest(ruleGetSchema),
  describe<RequestHandler>(
    async (req, res) => void res.set('Cache-Control', 'public, max-age=60').json(await conversion.getRule(String(req.params.id))),
    { summary: 'A conversion rule: its current version and how many versions it has' },
  ),
]

export const rulesVersionGet = (conversion: Conversion): RequestHandler[] => [
  validateRequest(ruleVersionSchema),
  describe<RequestHandler>(
    async (req, res) =>
      void res
        .set('Cache-Control', 'public, max-age=3600')
        .json(await conversion.getRuleVersion(String(req.params.id), Number(req.params.version))),
    { summary: 'One version of a conversion rule (versions never change): what applications made under it are judged by' },
  ),
]

export const rulesCreate = (conversion: Conversion): RequestHandler[] => [
  validateRequest(ruleCreateSchema),
  describe<RequestHandler>(
    async (req, res) => {
      const { targetEntryId, ...rest } = req.body as Valid<typeof ruleCreateSchema.body>
      const rule = await conversion.createRule({ ...toInput(rest), targetEntryId }, req.principal!)
      req.log.info('conversion rule created', { rule: rule.id, by: req.principal!.id })
      res.status(201).location(`${req.baseUrl}/conversion/rules/${rule.id}`).json(rule)
    },
    {
      summary: 'Author a conversion rule (version 1)',
      responses: { '201': { description: 'the rule 已创建', headers: { Location: 'the new rule' }, content: { 'application/json': {} } } },
      errors: ['forbidden'],
    },
  ),
]

export const rulesRevise = (conversion: Conversion): RequestHandler[] => [
  validateRequest(ruleReviseSchema),
  describe<RequestHandler>(
    async (req, res) => {
      const rule = await conversion.reviseRule(String(req.params.id), toInput(req.body as Valid<typeof ruleBody>), req.principal!)
      req.log.info('conversion rule revised', { rule: rule.id, version: rule.version, by: req.principal!.id })
      res.json(rule)
    },
    { summary: 'Edit a conversion rule: the whole rule as its new version (earlier versions stay as they were)', errors: ['forbidden'] },
  ),
]

export const conversionAdvice = (conversion: Conversion, learners: VerifiedLearners): RequestHandler[] => [
  describe<RequestHandler>(
    async (req, res) => {
      res.set('Cache-Control', 'no-store')
      const idHash = await learners.verifiedIdHash(req.principal!.id)
      if (idHash === null)
        return void res.json({ met: [], nearlyMet: [], counts: { met: 0, nearlyMet: 0, rulesConsidered: 0 }, hint: VERIFY_FIRST_HINT })
      res.json(await conversion.advice(idHash))
    },
    {
      summary: 'What my outcomes can be converted into: rules met now and nearly met (what is missing), ranked',
      description:
        'met: rules the learner meets now (outcomeIds: what to apply with), most credits first; nearlyMet: at most two things missing (an outcome of a source course, a higher result, a newer outcome, more sources, room in the programme), fewest missing first.',
    },
  ),
]

export const applicationsCreate = (conversion: Conversion): RequestHandler[] => [
  validateRequest(applyRequestSchema),
  describe<RequestHandler>(
    async (req, res) => {
      const body = req.body as Valid<typeof applyRequestSchema.body>
      const application = await conversion.apply(req.principal!.id, body, actorOf(req.principal!))
      req.log.info('conversion applied', { application: application.id, rule: application.ruleId, by: req.principal!.id })
      res.status(201).json(application)
    },
    {
      summary: 'Apply for a conversion under a rule’s current version with my recognized outcomes',
      responses: { '201': { description: 'the application, pending 待审核', content: { 'application/json': {} } } },
      errors: [
        'real_name_required',
        'outcome_not_usable',
        'outcome_already_converted',
        'conversion_already_applied',
        'rule_inactive',
        'conversion_conditions_not_met',
      ],
    },
  ),
]

export const myApplications = (conversion: Conversion, learners: VerifiedLearners): RequestHandler[] => [
  describe<RequestHandler>(
    async (req, res) => {
      res.set('Cache-Control', 'no-store')
      const idHash = await learners.verifiedIdHash(req.principal!.id)
      if (idHash === null) return void res.json({ items: [], hint: VERIFY_FIRST_HINT })
      res.json({ items: await conversion.applicationsOfLearner(idHash) })
    },
    { summary: 'My conversion applications, newest first, with the signed credential of an approved one' },
  ),
]

export const staffApplications = (conversion: Conversion): RequestHandler[] => [
  validateRequest(staffApplicationsSchema),
  describe<RequestHandler>(
    async (req, res) => {
      const q = req.query as Valid<typeof staffApplicationsSchema.query>
      res.set('Cache-Control', 'no-store').json(
        await conversion.applicationsForStaff(req.principal!, {
          limit: q.limit ? Number(q.limit) : 20,
          ...(q.state ? { state: q.state } : {}),
          ...(q.cursor ? { after: q.cursor } : {}),
        }),
      )
    },
    { summary: "My institution's conversion applications, oldest first (state filters)" },
  ),
]

export const applicationsDecide = (conversion: Conversion): RequestHandler[] => [
  validateRequest(decisionSchema),
  describe<RequestHandler>(
    async (req, res) => {
      const { decision, reason } = req.body as Valid<typeof decisionSchema.body>
      if (req.principal!.kind !== 'user') throw new AppError('forbidden', 'conversion applications are decided by staff accounts')
      const decided = await conversion.decide(String(req.params.id), decision, reason, req.principal!)
      req.log.info('conversion decided', { application: decided.id, state: decided.state, by: req.principal!.id })
      res.json(decided)
    },
    {
      summary: 'Approve (signs the target course’s AchievementCredential) or reject (with a reason) a conversion application',
      errors: ['reason_required', 'application_already_decided', 'outcome_not_usable', 'conversion_conditions_not_met'],
    },
  ),
]
