// The learning-outcomes framework over HTTP. Public: GET /framework-levels, GET /framework-levels/{level}/history. An
// edit needs the catalogue:manage scope (wired in app.ts): PUT /framework-levels/{level} makes a new version.
import { bilingual, nonBlankText } from '../../../core/json-schema.ts'
import { actorOf } from '../../accounts/principal.ts'
import type { RequestHandler } from 'express'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import type { FrameworkLevelRecord } from '../framework-level-store.ts'
import type { FrameworkLevels } from '../framework-levels.ts'

const levelParams = { type: 'object', required: ['level'], properties: { level: { type: 'string', pattern: '^[1-9][0-9]?$' } } } as const

export const frameworkLevelEditSchema = {
  params: levelParams,
  body: {
    type: 'object',
    required: ['name', 'descriptor'],
    additionalProperties: false,
    properties: { name: bilingual(nonBlankText(200)), descriptor: bilingual(nonBlankText(4000)) },
  },
} as const

export const frameworkLevelHistorySchema = { params: levelParams } as const

export const levelJson = (l: FrameworkLevelRecord) => ({
  level: l.level,
  version: l.version,
  name: { zh: l.nameZh, en: l.nameEn },
  descriptor: { zh: l.descriptorZh, en: l.descriptorEn },
  updatedAt: l.updatedAt,
})

export const frameworkLevelsList = (levels: FrameworkLevels): RequestHandler[] => [
  async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=60').json({ items: (await levels.list()).map(levelJson) })
  },
]

export const frameworkLevelHistory = (levels: FrameworkLevels): RequestHandler[] => [
  validateRequest(frameworkLevelHistorySchema),
  async (req, res) => {
    res.set('Cache-Control', 'public, max-age=60').json({ items: (await levels.history(Number(req.params.level))).map(levelJson) })
  },
]

export const frameworkLevelEdit = (levels: FrameworkLevels): RequestHandler[] => [
  validateRequest(frameworkLevelEditSchema),
  async (req, res) => {
    const edited = await levels.edit(
      Number(req.params.level),
      req.body as Valid<typeof frameworkLevelEditSchema.body>,
      actorOf(req.principal!),
    )
    req.log.info('framework level edited', { level: edited.level, version: edited.version, by: req.principal!.id })
    res.json(levelJson(edited))
  },
]
