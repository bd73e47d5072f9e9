// GET /audit?after=&limit= (admin scope): the audit trail in chain order, a page at a time.
import type { RequestHandler } from 'express'
import type { DataSource } from 'typeorm'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { listAudit } from '../audit-trail.ts'

export const AUDIT_PAGE_MAX = 1000
const AUDIT_PAGE_DEFAULT = 100

export const auditListSchema = {
  query: {
    type: 'object',
    additionalProperties: false,
    properties: {
      after: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$', 'x-issue': 'a seq: entries after it are answered (default 0)' },
      limit: {
        type: 'string',
        pattern: '^([1-9][0-9]{0,2}|1000)$',
        'x-issue': `entries per page, 1 to ${AUDIT_PAGE_MAX} (default ${AUDIT_PAGE_DEFAULT})`,
      },
    },
  },
} as const

type Query = Valid<typeof auditListSchema.query>

/** `next` is the `after` of the following page, null on the last one. */
export const auditList = (ds: DataSource): RequestHandler[] => [
  validateRequest(auditListSchema),
  async (req, res) => {
    const query = req.query as Query
    const page = await listAudit(ds, Number(query.after ?? 0), Number(query.limit ?? AUDIT_PAGE_DEFAULT))
    res.set('Cache-Control', 'no-store').json(page)
  },
]
