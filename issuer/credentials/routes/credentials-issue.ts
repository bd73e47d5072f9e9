// POST /credentials/issue (W3C VC API): 201 { verifiableCredential }.
import type { RequestHandler } from 'express'
import { AppError } from '../../../core/errors.ts'
import { isPlainObject } from '../../../core/json.ts'
import type { ClientIssuingPolicy } from '../client-issuing-policy.ts'
import type { CredentialIssuer } from '../issue-credential.ts'

/** Every request here is an API client asking: `policy` refuses the types, claims and ids only the bank may use. */
export const credentialsIssue = (issuer: CredentialIssuer, policy: ClientIssuingPolicy): RequestHandler => async (req, res) => {
  const body: unknown = req.body
  if (!isPlainObject(body)) throw new AppError('invalid_request', 'expected { "credential": {…}, "options": {…} }')
  const extra = Object.keys(body).filter((k) => k !== 'credential' && k !== 'options')
  if (extra.length) throw new AppError('invalid_request', `unexpected field(s): ${extra.join(', ')}`)
  const client = req.client!
  const issued = await issuer.issue({ credential: body.credential, options: body.options }, client.id, (credential, at) => policy.check(credential, client, at))
  req.log.info('credential issued', { credentialId: issued.id, format: issued.format, client: req.client!.id })
  res.status(201).location(`${req.baseUrl}/credentials/${encodeURIComponent(issued.id)}`).json({ verifiableCredential: issued.verifiableCredential })
}
