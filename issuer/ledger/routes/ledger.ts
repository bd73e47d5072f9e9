// The credit ledger over HTTP. GET /me/ledger: the learner's own ledger (empty, with a hint, until real-name
// verification). GET /ledger-rules, GET /ledger-rules/{id}: the policy caps, public (a learner should read the rules
// that hold their credits back). POST /ledger-rules, PATCH /ledger-rules/{id}: experts and admins, audited; a rule is
// retired with {"active": false}, never deleted (entries held back by it named it).
import type { RequestHandler } from 'express'
import { bilingual, bilingualChange, nonBlankText } from '../../../core/json-schema.ts'
import { describe } from '../../../http/route-meta.ts'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { actorOf } from '../../accounts/principal.ts'
import { VERIFY_FIRST_HINT, type VerifiedLearners } from '../../recognition/routes/my-outcomes.ts'
import type { Ledger } from '../ledger.ts'
import { LEDGER_RULE_KINDS, type LedgerRuleRecord } from '../ledger-rule-store.ts'

const UUID = { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } as const
const idParams = { type: 'object', required: ['id'], properties: { id: UUID } } as const
const parameters = {
  type: 'object',
  maxProperties: 10,
  description:
    'per kind: per_year, per_term, per_institution {maxCredits, category?}; max_certificates_per_programme {maxCertificates, field?}; non_transferable_category {category?, fields?}',
} as const

export const ledgerRuleCreateSchema = {
  body: {
    type: 'object',
    required: ['kind', 'name', 'parameters'],
    additionalProperties: false,
    properties: { kind: { enum: LEDGER_RULE_KINDS }, name: bilingual(nonBlankText(200)), parameters, active: { type: 'boolean' } },
  },
} as const

export const ledgerRuleUpdateSchema = {
  params: idParams,
  body: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { name: bilingualChange(nonBlankText(200)), parameters, active: { type: 'boolean' } },
  },
} as const

export const ledgerRuleGetSchema = { params: idParams } as const

export const ledgerRuleJson = (r: LedgerRuleRecord) => ({
  id: r.id,
  kind: r.kind,
  name: { zh: r.nameZh, en: r.nameEn },
  parameters: r.parameters,
  active: r.active,
  version: r.version,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
})

export const myLedger = (ledger: Ledger, learners: VerifiedLearners): RequestHandler[] => [
  describe<RequestHandler>(
    async (req, res) => {
      res.set('Cache-Control', 'no-store')
      const idHash = await learners.verifiedIdHash(req.principal!.id)
      if (idHash === null) {
        const none = {
          entries: [],
          totals: { credits: 0, count: 0, byLevel: [], byCategory: [], byInstitution: [], byField: [], byYear: [] },
        }
        return void res.json({ ...none, heldBack: [], heldBackCredits: 0, converted: [], rules: [], hint: VERIFY_FIRST_HINT })
      }
      res.json(await ledger.ledgerOf(idHash))
    },
    {
      summary:
        'My credit ledger (积累): counted entries, totals by level, category, institution, field and year, and what the caps hold back',
      responses: {
        '200': {
          description:
            'derived now from my recognized outcomes whose credentials stand (a revoked one is absent); heldBack lists each entry a policy cap keeps out, with the rule',
          content: { 'application/json': {} },
        },
      },
    },
  ),
]

export const ledgerRulesList = (ledger: Ledger): RequestHandler[] => [
  describe<RequestHandler>(
    async (_req, res) => {
      res.set('Cache-Control', 'no-cache').json({ items: (await ledger.listRules()).map(ledgerRuleJson) })
    },
    { summary: 'The policy caps of the credit ledger, active and retired', responses: { '200': { description: 'every rule by id' } } },
  ),
]

export const ledgerRulesGet = (ledger: Ledger): RequestHandler[] => [
  validateRequest(ledgerRuleGetSchema),
  async (req, res) => {
    res.set('Cache-Control', 'no-cache').json(ledgerRuleJson(await ledger.getRule(String(req.params.id))))
  },
]

export const ledgerRulesCreate = (ledger: Ledger): RequestHandler[] => [
  validateRequest(ledgerRuleCreateSchema),
  describe<RequestHandler>(
    async (req, res) => {
      const body = req.body as Valid<typeof ledgerRuleCreateSchema.body>
      const rule = await ledger.createRule(body, actorOf(req.principal!))
      req.log.info('ledger rule created', { rule: rule.id, kind: rule.kind, by: req.principal!.id })
      res.status(201).location(`${req.baseUrl}/ledger-rules/${rule.id}`).json(ledgerRuleJson(rule))
    },
    {
      summary: 'Add a policy cap (expert, admin; audited)',
      responses: {
        '201': { description: 'The rule 已创建, version 1', headers: { Location: 'the new rule' }, content: { 'application/json': {} } },
      },
    },
  ),
]

export const ledgerRulesUpdate = (ledger: Ledger): RequestHandler[] => [
  validateRequest(ledgerRuleUpdateSchema),
  describe<RequestHandler>(
    async (req, res) => {
      const rule = await ledger.updateRule(
        String(req.params.id),
        req.body as Valid<typeof ledgerRuleUpdateSchema.body>,
        actorOf(req.principal!),
      )
      req.log.info('ledger rule changed', { rule: rule.id, version: rule.version, by: req.principal!.id })
      res.json(ledgerRuleJson(rule))
    },
    {
      summary: 'Change or retire ({"active": false}) a policy cap (expert, admin; audited); its version goes up by one',
      responses: { '200': { description: 'the rule as changed', content: { 'application/json': {} } } },
    },
  ),
]
