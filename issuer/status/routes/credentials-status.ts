// POST /credentials/status (W3C VC API): revoke, suspend or unsuspend a credential this client issued.
import { clientOf } from '../../accounts/principal.ts'
import type { RequestHandler } from 'express'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { describe } from '../../../http/route-meta.ts'
import { callerOf } from '../../credentials/ownership.ts'
import { STATUS_PURPOSES, type StatusLists } from '../status-lists.ts'

export const credentialsStatusSchema = {
  type: 'object',
  required: ['credentialId', 'credentialStatus', 'status'],
  additionalProperties: false,
  properties: {
    credentialId: { type: 'string', minLength: 1, maxLength: 512, 'x-issue': 'the id of a credential issued here' },
    credentialStatus: {
      type: 'object',
      required: ['type', 'statusPurpose'],
      properties: {
        type: { const: 'BitstringStatusListEntry' },
        statusPurpose: { enum: STATUS_PURPOSES },
      },
    },
    status: { type: 'boolean', 'x-issue': 'true to set (revoke/suspend), false to clear (unsuspend)' },
  },
} as const

type Body = Valid<typeof credentialsStatusSchema>

export const credentialsStatus = (lists: StatusLists): RequestHandler[] => [
  validateRequest({ body: credentialsStatusSchema }),
  describe<RequestHandler>(
    async (req, res) => {
      const { credentialId, credentialStatus, status } = req.body as Body
      const purpose = credentialStatus.statusPurpose
      const { changed } = await lists.setStatus(credentialId, purpose, status, callerOf(clientOf(req)))
      req.log.info('credential status', { credentialId, purpose, status, changed, client: clientOf(req).id })
      res.json({ credentialId, statusPurpose: purpose, status, changed })
    },
    {
      errors: ['not_found', 'revocation_irreversible'],
      responses: {
        '200': {
          description: 'The status set: { credentialId, statusPurpose, status, changed } 状态已更新',
          content: { 'application/json': {} },
        },
      },
    },
  ),
]
