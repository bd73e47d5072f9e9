// GET /status-lists/:id/:purpose — the signed BitstringStatusListCredential (vc+jwt), public and cacheable.
import type { RequestHandler } from 'express'
import { AppError } from '../../core/errors.ts'
import { STATUS_PURPOSES, type StatusLists, type StatusPurpose } from '../status-lists.ts'

export const statusList = (lists: StatusLists, ttlSeconds: number): RequestHandler => async (req, res) => {
  const id = String(req.params.id)
  const purpose = String(req.params.purpose) as StatusPurpose
  if (!/^[1-9][0-9]{0,9}$/.test(id) || !STATUS_PURPOSES.includes(purpose)) throw new AppError('not_found', 404, 'no such status list')
  const { jwt, etag } = await lists.signedList(Number(id), purpose)
  res.set({ ETag: etag, 'Cache-Control': `public, max-age=${ttlSeconds}`, 'Access-Control-Allow-Origin': '*' })
  // Compared here rather than with req.fresh: a client's `Cache-Control: no-cache` asks for revalidation, which a 304 is.
  const ifNoneMatch = req.get('if-none-match')
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*')) return res.status(304).end()
  res.type('application/vc+jwt').send(jwt)
}
