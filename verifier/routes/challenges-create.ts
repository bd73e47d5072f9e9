// POST /challenges: a single-use presentation challenge, optionally bound to the domain the presentation must name.
import type { RequestHandler } from 'express'
import { validateRequest, type Valid } from '../../http/validate-request.ts'
import { describe } from '../../http/route-meta.ts'

export const challengesCreateSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    domain: {
      type: 'string',
      minLength: 1,
      maxLength: 512,
      description: 'the domain (relying party) the presentation must be addressed to',
    },
  },
} as const

type Body = Valid<typeof challengesCreateSchema>

export const challengesCreate = (challenges: {
  create(domain?: string): Promise<{ challenge: string; expiresAt: string }>
}): RequestHandler[] => [
  validateRequest({ body: challengesCreateSchema }),
  describe<RequestHandler>(
    async (req, res) => {
      res.status(201).json(await challenges.create((req.body as Body | undefined)?.domain))
    },
    {
      summary: 'A one-time challenge for a presentation (获取一次性挑战值)',
      responses: { '201': { description: 'The challenge, to sign into the presentation 挑战值', content: { 'application/json': {} } } },
    },
  ),
]
