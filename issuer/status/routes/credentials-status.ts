// POST /credentials/status (W3C VC API): revoke, suspend or unsuspend a credential this client issued.
import type { RequestHandler } from 'express'
import { AppError } from '../../../core/errors.ts'
import { callerOf } from '../../credentials/ownership.ts'
import { STATUS_PURPOSES, type StatusLists, type StatusPurpose } from '../status-lists.ts'

/** Body: { credentialId, credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose }, status: boolean }. */
export const credentialsStatus = (lists: StatusLists): RequestHandler => async (req, res) => {
  const body = req.body as { credentialId?: unknown; credentialStatus?: { type?: unknown; statusPurpose?: unknown }; status?: unknown } | undefined
  const issues: { path: string; message: string }[] = []
  if (typeof body?.credentialId !== 'string' || !body.credentialId) issues.push({ path: '/credentialId', message: 'the id of a credential issued here' })
  const cs = body?.credentialStatus
  if (!cs || typeof cs !== 'object' || cs.type !== 'BitstringStatusListEntry') issues.push({ path: '/credentialStatus/type', message: 'must be BitstringStatusListEntry' })
  if (!STATUS_PURPOSES.includes(cs?.statusPurpose as StatusPurpose)) issues.push({ path: '/credentialStatus/statusPurpose', message: `one of ${STATUS_PURPOSES.join(', ')}` })
  if (typeof body?.status !== 'boolean') issues.push({ path: '/status', message: 'true to set (revoke/suspend), false to clear (unsuspend)' })
  if (issues.length) throw new AppError('invalid_request', 'invalid status update', { issues })
  const purpose = cs!.statusPurpose as StatusPurpose
  const status = body!.status as boolean
  const { changed } = await lists.setStatus(body!.credentialId as string, purpose, status, callerOf(req.client!))
  req.log.info('credential status', { credentialId: body!.credentialId, purpose, status, changed, client: req.client!.id })
  res.json({ credentialId: body!.credentialId, statusPurpose: purpose, status, changed })
}
