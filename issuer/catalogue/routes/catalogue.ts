// The catalogue over HTTP. Public: GET /catalogue (filters, search, cursor paging) and GET /catalogue/{id}. Writes need
// the catalogue:manage scope (wired in app.ts): POST /catalogue, PATCH /catalogue/{id}.
import { bilingual, bilingualChange, nonBlankText } from '../../../core/json-schema.ts'
import { actorOf } from '../../accounts/principal.ts'
import type { RequestHandler } from 'express'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { describe } from '../../../http/route-meta.ts'
import type { Catalogue } from '../catalogue.ts'
import type { CatalogueEntryRecord } from '../catalogue-store.ts'

/** Page size: 20 by default, at most this many. */
export const MAX_PAGE = 100

const ID = '^[a-z0-9][a-z0-9-]{1,63}$'
const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
const category = { enum: ['academic', 'non_academic'] } as const
// Open Badges 3.0 AchievementType values, and its extension form (ext:…).
const achievementType = {
  type: 'string',
  pattern:
    '^(Achievement|ApprenticeshipCertificate|Assessment|Assignment|AssociateDegree|Award|Badge|BachelorDegree|Certificate|CertificateOfCompletion|Certification|CommunityService|Competency|Course|CoCurricular|Degree|Diploma|DoctoralDegree|Fieldwork|GeneralEducationDevelopment|JourneymanCertificate|LearningProgram|License|Membership|ProfessionalDoctorate|QualityAssuranceCredential|MasterCertificate|MasterDegree|MicroCredential|ResearchDoctorate|SecondarySchoolDiploma|ext:[A-Za-z0-9]{1,50})$',
  'x-issue': 'must be an Open Badges 3.0 achievementType (Course, Certificate, Certification, MicroCredential, …) or ext:Name',
} as const
const credits = { type: 'number', minimum: 0, maximum: 999 } as const
const level = { type: 'integer', minimum: 1, maximum: 99 } as const
const field = nonBlankText(100)
const entryParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: UUID } } } as const

export const catalogueCreateSchema = {
  body: {
    type: 'object',
    required: ['institutionId', 'code', 'achievementType', 'credits', 'level', 'category', 'field', 'name'],
    additionalProperties: false,
    properties: {
      institutionId: { type: 'string', pattern: ID },
      code: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
      achievementType,
      credits,
      level,
      category,
      field,
      name: bilingual(nonBlankText(200)),
      description: bilingualChange({ type: 'string', maxLength: 4000 } as const),
      status: { enum: ['active', 'retired'] },
    },
  },
} as const

export const catalogueUpdateSchema = {
  params: entryParams,
  body: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      achievementType,
      credits,
      level,
      category,
      field,
      name: bilingualChange({ type: 'string', minLength: 1, maxLength: 200 } as const),
      description: bilingualChange({ type: 'string', maxLength: 4000 } as const),
      status: { enum: ['active', 'retired'] },
    },
  },
} as const

export const catalogueListSchema = {
  query: {
    type: 'object',
    additionalProperties: false,
    properties: {
      level: { type: 'string', pattern: '^[1-9][0-9]?$' },
      category,
      institution: { type: 'string', pattern: ID },
      field: { type: 'string', minLength: 1, maxLength: 100 },
      status: { enum: ['active', 'retired', 'any'], description: 'default active' },
      q: {
        type: 'string',
        minLength: 1,
        maxLength: 100,
        description: 'any two consecutive Chinese characters of a name, or English words (word prefixes, any case)',
      },
      cursor: { type: 'string', minLength: 1, maxLength: 400, description: 'nextCursor of the previous page' },
      limit: { type: 'string', pattern: '^(100|[1-9][0-9]?)$', description: `1 to ${MAX_PAGE}, default 20` },
    },
  },
} as const

export const catalogueGetSchema = { params: entryParams } as const

/** An entry as the API shows it: Open Badges 3.0 Achievement words, with the bank's level and category. */
export const entryJson = (e: CatalogueEntryRecord) => ({
  id: e.id,
  institutionId: e.institutionId,
  code: e.code,
  achievementType: e.achievementType,
  credits: e.creditsCenti / 100,
  level: e.level,
  category: e.category,
  field: e.field,
  name: { zh: e.nameZh, en: e.nameEn },
  description: { zh: e.descriptionZh, en: e.descriptionEn },
  status: e.status,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
})

export const catalogueCreate = (catalogue: Catalogue): RequestHandler[] => [
  validateRequest(catalogueCreateSchema),
  describe<RequestHandler>(
    async (req, res) => {
      const entry = await catalogue.create(req.body as Valid<typeof catalogueCreateSchema.body>, actorOf(req.principal!))
      req.log.info('catalogue entry created', { entry: entry.id, institution: entry.institutionId, by: req.principal!.id })
      res.status(201).location(`${req.baseUrl}/catalogue/${entry.id}`).json(entryJson(entry))
    },
    {
      responses: {
        '201': { description: 'The catalogue entry 已创建', headers: { Location: 'the new entry' }, content: { 'application/json': {} } },
      },
    },
  ),
]

export const catalogueUpdate = (catalogue: Catalogue): RequestHandler[] => [
  validateRequest(catalogueUpdateSchema),
  async (req, res) => {
    const entry = await catalogue.update(
      String(req.params.id),
      req.body as Valid<typeof catalogueUpdateSchema.body>,
      actorOf(req.principal!),
    )
    req.log.info('catalogue entry updated', { entry: entry.id, by: req.principal!.id })
    res.json(entryJson(entry))
  },
]

export const catalogueList = (catalogue: Catalogue): RequestHandler[] => [
  validateRequest(catalogueListSchema),
  async (req, res) => {
    const q = req.query as Valid<typeof catalogueListSchema.query>
    const page = await catalogue.browse({
      ...(q.level ? { level: Number(q.level) } : {}),
      ...(q.category ? { category: q.category } : {}),
      ...(q.institution ? { institutionId: q.institution } : {}),
      ...(q.field ? { field: q.field } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.q ? { q: q.q } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
      limit: q.limit ? Number(q.limit) : 20,
    })
    res.set('Cache-Control', 'public, max-age=60').json({
      items: page.items.map(entryJson),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    })
  },
]

export const catalogueGet = (catalogue: Catalogue): RequestHandler[] => [
  validateRequest(catalogueGetSchema),
  async (req, res) => {
    res.set('Cache-Control', 'public, max-age=60').json(entryJson(await catalogue.get(String(req.params.id))))
  },
]
