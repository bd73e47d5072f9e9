// GET /credentials/{id} (W3C VC API): the credential as issued, to the API client that issued it (or an admin).
import { clientOf } from '../../accounts/principal.ts'
import type { RequestHandler } from 'express'
import type { CredentialIssuer } from '../issue-credential.ts'
import { callerOf } from '../ownership.ts'
import { validateRequest } from '../../../http/validate-request.ts'

export const credentialsGetSchema = {
  params: {
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string', minLength: 1, maxLength: 512, description: 'the credential id, URL-encoded' } },
  },
} as const

export const credentialsGet = (issuer: CredentialIssuer): RequestHandler[] => [
  validateRequest(credentialsGetSchema),
  async (req, res) => {
    const issued = await issuer.find(String(req.params.id), callerOf(clientOf(req)))
    // It carries a learner's personal data: never kept by shared caches.
    res.set('Cache-Control', 'no-store').json({ verifiableCredential: issued.verifiableCredential })
  },
]
