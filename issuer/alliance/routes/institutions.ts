// The alliance over HTTP. Public: GET /institutions, GET /institutions/{id} (with its accreditation scopes). Writes need
// the alliance:manage scope (wired in app.ts): POST /institutions, PATCH /institutions/{id},
// POST /institutions/{id}/scopes, PATCH /institutions/{id}/scopes/{scopeId} (end or reopen a scope).
import { bilingual, bilingualChange, nonBlankText } from '../../../core/json-schema.ts'
import { actorOf } from '../../accounts/principal.ts'
import type { RequestHandler } from 'express'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { describe } from '../../../http/route-meta.ts'
import type { Clock } from '../../../core/clock.ts'
import { scopesInForce, type Alliance } from '../alliance.ts'
import { CATEGORIES, INSTITUTION_TYPES, type AccreditationScopeRecord, type InstitutionRecord } from '../institution-store.ts'

const ID = '^[a-z0-9][a-z0-9-]{1,63}$'

// did:web with a lowercase host name, an optional %3A port and path segments (checked further in alliance.ts).
const didWeb = {
  type: 'string',
  maxLength: 512,
  pattern: '^did:web:[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(%3A[0-9]{1,5})?(:[A-Za-z0-9._~-]+)*$',
  'x-issue': 'must be a did:web DID naming a host (did:web:university.example or did:web:bank.example:branch)',
} as const
const contact = {
  type: 'object',
  additionalProperties: false,
  properties: {
    email: { type: 'string', maxLength: 200, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' },
    phone: { type: 'string', maxLength: 40, pattern: '^[0-9+() -]{3,40}$' },
    address: nonBlankText(300),
    url: { type: 'string', maxLength: 300, pattern: '^https://[^\\s]+$' },
  },
} as const
const type = { enum: INSTITUTION_TYPES } as const
const region = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[\\p{L}\\p{N} _-]+$' } as const
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: ID } } } as const
const dateTime = { type: 'string', format: 'date-time', maxLength: 40 } as const

export const institutionCreateSchema = {
  body: {
    type: 'object',
    required: ['type', 'name', 'region'],
    additionalProperties: false,
    properties: { id: { type: 'string', pattern: ID }, type, name: bilingual(nonBlankText(200)), region, did: didWeb, contact },
  },
} as const

export const institutionUpdateSchema = {
  params: idParams,
  body: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { type, name: bilingualChange(nonBlankText(200)), region, did: { anyOf: [didWeb, { type: 'null' }] }, contact },
  },
} as const

export const institutionListSchema = {
  query: {
    type: 'object',
    additionalProperties: false,
    properties: {
      type,
      region,
      after: { type: 'string', pattern: ID, description: 'the last id of the previous page' },
      limit: { type: 'string', pattern: '^(100|[1-9][0-9]?)$', description: '1 to 100, default 50' },
    },
  },
} as const

export const institutionGetSchema = { params: idParams } as const

export const scopeCreateSchema = {
  params: idParams,
  body: {
    type: 'object',
    required: ['categories', 'levels', 'validFrom'],
    additionalProperties: false,
    properties: {
      categories: { type: 'array', minItems: 1, maxItems: 2, items: { enum: CATEGORIES } },
      levels: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'integer', minimum: 1, maximum: 99 } },
      fields: { type: 'array', maxItems: 100, items: nonBlankText(100), description: 'fields of study; empty or absent: every field' },
      validFrom: dateTime,
      validUntil: { anyOf: [dateTime, { type: 'null' }] },
    },
  },
} as const

export const scopeUpdateSchema = {
  params: {
    type: 'object',
    required: ['id', 'scopeId'],
    properties: {
      id: { type: 'string', pattern: ID },
      scopeId: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
    },
  },
  body: {
    type: 'object',
    required: ['validUntil'],
    additionalProperties: false,
    properties: { validUntil: { anyOf: [dateTime, { type: 'null' }] } },
  },
} as const

export const institutionJson = (i: InstitutionRecord) => ({
  id: i.id,
  type: i.type,
  name: { zh: i.nameZh, en: i.nameEn },
  region: i.region,
  ...(i.did ? { did: i.did } : {}),
  contact: i.contact,
  createdAt: i.createdAt,
  updatedAt: i.updatedAt,
})

export const scopeJson = (s: AccreditationScopeRecord) => ({
  id: s.id,
  categories: s.categories,
  levels: s.levels,
  fields: s.fields,
  validFrom: s.validFrom,
  validUntil: s.validUntil,
})

export const institutionsCreate = (alliance: Alliance): RequestHandler[] => [
  validateRequest(institutionCreateSchema),
  describe<RequestHandler>(
    async (req, res) => {
      const body = req.body as Valid<typeof institutionCreateSchema.body>
      const created = await alliance.create(body, actorOf(req.principal!))
      req.log.info('institution created', { institution: created.id, by: req.principal!.id })
      res.status(201).location(`${req.baseUrl}/institutions/${created.id}`).json(institutionJson(created))
    },
    {
      responses: {
        '201': { description: 'The institution 已创建', headers: { Location: 'the new institution' }, content: { 'application/json': {} } },
      },
    },
  ),
]

export const institutionsUpdate = (alliance: Alliance): RequestHandler[] => [
  validateRequest(institutionUpdateSchema),
  async (req, res) => {
    const updated = await alliance.update(
      String(req.params.id),
      req.body as Valid<typeof institutionUpdateSchema.body>,
      actorOf(req.principal!),
    )
    req.log.info('institution updated', { institution: updated.id, by: req.principal!.id })
    res.json(institutionJson(updated))
  },
]

export const institutionsList = (alliance: Alliance): RequestHandler[] => [
  validateRequest(institutionListSchema),
  async (req, res) => {
    const q = req.query as Valid<typeof institutionListSchema.query>
    const limit = q.limit ? Number(q.limit) : 50
    const rows = await alliance.list(
      { ...(q.type ? { type: q.type } : {}), ...(q.region ? { region: q.region } : {}), ...(q.after ? { afterId: q.after } : {}) },
      limit + 1,
    )
    const items = rows.slice(0, limit)
    res.set('Cache-Control', 'public, max-age=60').json({
      items: items.map(institutionJson),
      ...(rows.length > limit ? { next: items.at(-1)!.id } : {}),
    })
  },
]

export const institutionsGet = (alliance: Alliance, clock: Clock): RequestHandler[] => [
  validateRequest(institutionGetSchema),
  async (req, res) => {
    const id = String(req.params.id)
    const institution = await alliance.get(id)
    const scopes = await alliance.scopes(id)
    const inForce = new Set(scopesInForce(scopes, clock()).map((s) => s.id))
    res.set('Cache-Control', 'public, max-age=60').json({
      ...institutionJson(institution),
      accreditation: scopes.map((s) => ({ ...scopeJson(s), inForce: inForce.has(s.id) })),
    })
  },
]

export const scopesCreate = (alliance: Alliance): RequestHandler[] => [
  validateRequest(scopeCreateSchema),
  describe<RequestHandler>(
    async (req, res) => {
      const id = String(req.params.id)
      const scope = await alliance.addScope(id, req.body as Valid<typeof scopeCreateSchema.body>, actorOf(req.principal!))
      req.log.info('accreditation scope added', { institution: id, scope: scope.id, by: req.principal!.id })
      res.status(201).json(scopeJson(scope))
    },
    { responses: { '201': { description: 'The accreditation scope 已添加', content: { 'application/json': {} } } } },
  ),
]

export const scopesUpdate = (alliance: Alliance): RequestHandler[] => [
  validateRequest(scopeUpdateSchema),
  async (req, res) => {
    const { validUntil } = req.body as Valid<typeof scopeUpdateSchema.body>
    const scope = await alliance.setScopeEnd(String(req.params.id), String(req.params.scopeId), validUntil ?? null, actorOf(req.principal!))
    req.log.info('accreditation scope changed', { institution: scope.institutionId, scope: scope.id, by: req.principal!.id })
    res.json(scopeJson(scope))
  },
]
