// GET /status-lists/:id/:purpose[.json] — the signed BitstringStatusListCredential, public and cacheable: the vc+jwt
// or, by content negotiation, the JSON form with a Data Integrity proof; `.json` is the JSON form's own URL.
import type { RequestHandler } from 'express'
import { validateRequest } from '../../../http/validate-request.ts'
import { describe } from '../../../http/route-meta.ts'
import type { StatusLists, StatusPurpose } from '../status-lists.ts'

/** The JSON form's media types, preferred first: VC DM 2.0's `application/vc` and its older name, then plain JSON(-LD). */
const JSON_TYPES = ['application/vc+ld+json', 'application/vc', 'application/ld+json', 'application/json']
const JWT_TYPE = 'application/vc+jwt'

export const statusListSchema = {
  params: {
    type: 'object',
    required: ['id', 'purpose'],
    properties: {
      id: { type: 'string', pattern: '^[1-9][0-9]{0,9}$', description: 'the list number' },
      purpose: {
        type: 'string',
        pattern: '^(revocation|suspension)(\\.json)?$',
        description: 'the status purpose; .json for the JSON form',
      },
    },
  },
} as const

export const statusList = (lists: StatusLists, ttlSeconds: number): RequestHandler[] => [
  validateRequest(statusListSchema),
  describe(serveStatusList(lists, ttlSeconds), {
    responses: {
      '200': {
        description: 'The signed Bitstring Status List credential: vc+jwt at the list URL by default, JSON at <purpose>.json or by Accept',
        content: Object.fromEntries([JWT_TYPE, ...JSON_TYPES].map((type) => [type, {}])),
      },
      '304': { description: 'Not modified (If-None-Match matched the ETag)' },
    },
  }),
]

const serveStatusList =
  (lists: StatusLists, ttlSeconds: number): RequestHandler =>
  async (req, res) => {
    const id = String(req.params.id)
    const name = /^(revocation|suspension)(\.json)?$/.exec(String(req.params.purpose))!
    const purpose = name[1] as StatusPurpose
    const jsonUrl = name[2] !== undefined
    const signed = await lists.signedList(Number(id), purpose)
    // The list URL keeps the vc+jwt for vc+jwt, */* or no Accept (or one we cannot serve); the .json URL always has JSON.
    const type = jsonUrl ? req.accepts(JSON_TYPES) || JSON_TYPES[0]! : req.accepts([JWT_TYPE, ...JSON_TYPES]) || JWT_TYPE
    const asJson = type !== JWT_TYPE
    const [body, etag] = asJson ? [signed.json, signed.jsonEtag] : [signed.jwt, signed.etag]
    res.vary('Accept')
    res.set({ ETag: etag, 'Cache-Control': `public, max-age=${ttlSeconds}`, 'Access-Control-Allow-Origin': '*' })
    // RFC 9110 §8.7: the negotiated JSON has its own URL, which is also its credential id.
    if (asJson && !jsonUrl) res.set('Content-Location', lists.jsonListUrl(Number(id), purpose))
    // Compared here rather than with req.fresh: a client's `Cache-Control: no-cache` asks for revalidation, which a 304 is.
    const ifNoneMatch = req.get('if-none-match')
    if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*')) return res.status(304).end()
    res.type(type).send(body)
  }
