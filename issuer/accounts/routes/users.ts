// Admins manage the bank's accounts: POST /users (staff, reviewer, expert, admin — or a learner on their behalf),
// GET /users (paged, by role or institution), GET /users/{id}, PATCH /users/{id} (disable or re-enable).
import type { RequestHandler } from 'express'
import { nonBlankText } from '../../../core/json-schema.ts'
import { describe } from '../../../http/route-meta.ts'
import { validateRequest, type Valid } from '../../../http/validate-request.ts'
import { userJson, USERNAME_PATTERN, type Accounts } from '../accounts.ts'
import { actorOf, ROLES } from '../principal.ts'
import { PASSWORD_MAX } from '../passwords.ts'

const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: UUID } } } as const

export const userCreateSchema = {
  body: {
    type: 'object',
    required: ['username', 'role', 'displayName'],
    additionalProperties: false,
    properties: {
      username: { type: 'string', pattern: USERNAME_PATTERN },
      role: { enum: ROLES },
      displayName: nonBlankText(200),
      institutionId: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,63}$', description: 'staff only: the institution they act for' },
      password: {
        type: 'string',
        minLength: 1,
        maxLength: PASSWORD_MAX * 4,
        description: 'omitted: an initial password is made and returned once',
      },
    },
  },
} as const

export const userListSchema = {
  query: {
    type: 'object',
    additionalProperties: false,
    properties: {
      role: { enum: ROLES },
      institution: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,63}$' },
      after: { type: 'string', pattern: UUID, description: 'the last id of the previous page' },
      limit: { type: 'string', pattern: '^(100|[1-9][0-9]?)$', description: '1 to 100, default 50' },
    },
  },
} as const

export const userUpdateSchema = {
  params: idParams,
  body: { type: 'object', required: ['status'], additionalProperties: false, properties: { status: { enum: ['active', 'disabled'] } } },
} as const

export const usersCreate = (accounts: Accounts): RequestHandler[] => [
  validateRequest(userCreateSchema),
  describe(
    async (req, res) => {
      const body = req.body as Valid<typeof userCreateSchema.body>
      const { user, initialPassword } = await accounts.createUser(body, actorOf(req.principal!))
      req.log.info('account created', { user: user.id, role: user.role, by: req.principal!.id })
      res
        .status(201)
        .location(`${req.baseUrl}/users/${user.id}`)
        .set('Cache-Control', 'no-store')
        .json({ ...userJson(user), ...(initialPassword ? { initialPassword } : {}) })
    },
    {
      summary: 'Create an account (创建账户): staff, reviewer, expert, admin',
      responses: {
        '201': {
          description: 'created; without a password in the request, `initialPassword` is shown this once',
          headers: { Location: 'the new account' },
          content: { 'application/json': {} },
        },
      },
      errors: ['username_taken'],
    },
  ),
]

export const usersList = (accounts: Accounts): RequestHandler[] => [
  validateRequest(userListSchema),
  async (req, res) => {
    const q = req.query as Valid<typeof userListSchema.query>
    const limit = q.limit ? Number(q.limit) : 50
    const rows = await accounts.list(
      {
        ...(q.role ? { role: q.role } : {}),
        ...(q.institution ? { institutionId: q.institution } : {}),
        ...(q.after ? { afterId: q.after } : {}),
      },
      limit + 1,
    )
    const items = rows.slice(0, limit)
    res.json({ items: items.map(userJson), ...(rows.length > limit ? { next: items.at(-1)!.id } : {}) })
  },
]

export const usersGet = (accounts: Accounts): RequestHandler[] => [
  validateRequest({ params: idParams }),
  async (req, res) => void res.json(userJson(await accounts.get(String(req.params.id)))),
]

export const usersUpdate = (accounts: Accounts): RequestHandler[] => [
  validateRequest(userUpdateSchema),
  async (req, res) => {
    const { status } = req.body as Valid<typeof userUpdateSchema.body>
    const user = await accounts.setStatus(String(req.params.id), status, actorOf(req.principal!))
    req.log.info('account status changed', { user: user.id, status, by: req.principal!.id })
    res.json(userJson(user))
  },
]
