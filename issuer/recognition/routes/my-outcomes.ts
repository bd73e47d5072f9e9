// GET /me/outcomes: a learner's own learning outcomes, newest first, found by the identity their real-name verification
// gave them (outcomes imported before they registered included); empty with a hint while they are not verified.
// GET /me/outcomes/{id}: one of them with its signed AchievementCredential once recognized (for the learner's wallet).
import type { RequestHandler } from 'express'
import { describe } from '../../../http/route-meta.ts'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { AppError } from '../../../core/errors.ts'
import type { Recognition } from '../recognition.ts'
import { outcomeViewSchema, pageQuerySchema } from './recognition.ts'

export const myOutcomesSchema = { query: pageQuerySchema } as const
export const myOutcomeSchema = {
  params: {
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } },
  },
} as const

/** The learner's verified identity, as accounts knows it. */
export interface VerifiedLearners {
  verifiedIdHash(userId: string): Promise<string | null>
}

/** What a learner who has not passed real-name verification is told (outcomes are held against an identity, not an account). */
export const VERIFY_FIRST_HINT = {
  zh: '完成实名认证后，即可看到以您的身份证号记录的全部学习成果（包括您注册前由机构导入的）。',
  en: 'Pass real-name verification to see every learning outcome recorded under your identity number, including those institutions imported before you registered.',
} as const

export const myOutcomes = (recognition: Recognition, learners: VerifiedLearners): RequestHandler[] => [
  validateRequest(myOutcomesSchema),
  describe(
    async (req, res) => {
      const q = req.query as Valid<typeof myOutcomesSchema.query>
      res.set('Cache-Control', 'no-store')
      const idHash = await learners.verifiedIdHash(req.principal!.id)
      if (idHash === null) return void res.json({ items: [], hint: VERIFY_FIRST_HINT })
      res.json(
        await recognition.listForLearner(idHash, { limit: q.limit ? Number(q.limit) : 20, ...(q.cursor ? { after: q.cursor } : {}) }),
      )
    },
    {
      summary: 'My learning outcomes, newest first: state, the reason of a decision, the credential of a recognized one',
      responses: {
        '200': {
          description: 'a page of outcomes; while you are not real-name verified, none and a hint (zh/en)',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  items: { type: 'array', items: outcomeViewSchema },
                  nextCursor: { type: 'string' },
                  hint: { type: 'object', properties: { zh: { type: 'string' }, en: { type: 'string' } } },
                },
              },
            },
          },
        },
      },
    },
  ),
]

export const myOutcome = (recognition: Recognition, learners: VerifiedLearners): RequestHandler[] => [
  validateRequest(myOutcomeSchema),
  describe(
    async (req, res) => {
      const id = String(req.params.id)
      const idHash = await learners.verifiedIdHash(req.principal!.id)
      if (idHash === null) throw new AppError('not_found', `you have no learning outcome ${id} (pass real-name verification to see yours)`)
      res.set('Cache-Control', 'no-store').json(await recognition.outcomeForLearner(idHash, id))
    },
    {
      summary: 'One of my learning outcomes, with its signed AchievementCredential once recognized',
      responses: {
        '200': {
          description:
            "the outcome; verifiableCredential is the VC API form (an EnvelopedVerifiableCredential around the vc+jwt), null until recognized; another learner's outcome is not found",
          content: {
            'application/json': {
              schema: {
                ...outcomeViewSchema,
                properties: { ...outcomeViewSchema.properties, verifiableCredential: { type: ['object', 'null'] } },
              },
            },
          },
        },
      },
    },
  ),
]
