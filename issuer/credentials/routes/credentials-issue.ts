// POST /credentials/issue (W3C VC API): 201 { verifiableCredential }.
import { clientOf } from '../../accounts/principal.ts'
import type { RequestHandler } from 'express'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { describe } from '../../../http/route-meta.ts'
import type { ClientIssuingPolicy } from '../client-issuing-policy.ts'
import { issueOptionsSchema, type CredentialIssuer } from '../issue-credential.ts'

export const credentialsIssueSchema = {
  type: 'object',
  required: ['credential'],
  additionalProperties: false,
  properties: {
    credential: { type: 'object', description: 'the unsecured credential (VC Data Model 2.0); the bank adds status and proof' },
    options: issueOptionsSchema,
  },
} as const

type Body = Valid<typeof credentialsIssueSchema>

/** Every request here is an API client asking: `policy` refuses the types, claims and ids only the bank may use. */
export const credentialsIssue = (issuer: CredentialIssuer, policy: ClientIssuingPolicy): RequestHandler[] => [
  validateRequest({ body: credentialsIssueSchema }),
  describe<RequestHandler>(
    async (req, res) => {
      const { credential, options } = req.body as Body
      const client = clientOf(req)
      const issued = await issuer.issue({ credential, ...(options ? { options } : {}) }, client.id, (c, at) => policy.check(c, client, at))
      req.log.info('credential issued', { credentialId: issued.id, format: issued.format, client: client.id })
      res
        .status(201)
        .location(`${req.baseUrl}/credentials/${encodeURIComponent(issued.id)}`)
        .json({ verifiableCredential: issued.verifiableCredential })
    },
    {
      errors: [
        'issuer_mismatch',
        'proof_not_allowed',
        'status_not_allowed',
        'invalid_credential_id',
        'reserved_credential_id',
        'reserved_credential_type',
        'reserved_claim',
        'duplicate_credential',
      ],
      responses: {
        '201': {
          description: 'Issued: { verifiableCredential } 已签发',
          headers: { Location: 'GET it again here' },
          content: { 'application/json': {} },
        },
      },
    },
  ),
]
