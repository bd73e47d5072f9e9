// What the issuer's OpenAPI document says of itself: its zh/en title and introduction, its server, how callers
// authenticate. Its paths come from the routes (http/openapi.ts), its security from the access table.
import { ERROR_STATUS } from '../core/errors.ts'
import { packageVersion } from '../http/api-docs.ts'
import type { OpenApiOptions } from '../http/openapi.ts'
import { ACCESS } from './accounts/access-policy.ts'
import { CSRF_HEADER, SESSION_COOKIE } from './accounts/authorize.ts'

const DESCRIPTION = `学分银行（终身教育学分银行）签发服务的 HTTP 接口：账户与会话、联盟机构、资历框架与课程目录、批量导入、个人存入与认定、
凭证签发与状态、审计。公开接口无需登录；接口客户端使用 Bearer 令牌（按权限范围），个人用户使用会话 Cookie，
修改类请求还须在 ${CSRF_HEADER} 头中带上会话的 CSRF 令牌（GET /session 可取得）。每个操作的 x-roles 列出可用角色，
x-own 说明只能访问哪些记录（self 本人、institution 本机构、queue 本人负责的认定队列）。错误一律为
application/problem+json（RFC 9457），带稳定的 code。

The HTTP API of the credit bank's issuer: accounts and sessions, the alliance, the framework and the catalogue, batch
imports, deposits and recognition, issuing and status, the audit trail. Public operations need nobody signed in; API
clients send a bearer token (by scope); people use the session cookie, and every change they make carries the session's
CSRF token in ${CSRF_HEADER} (GET /session gives it). Each operation's x-roles lists the roles that may call it, and
x-own which records it reaches (self, institution, queue). Errors are application/problem+json (RFC 9457) with a stable
\`code\`.`

/** The groups a reader finds the operations in, by the access table's sections (the first word of an operation). */
const TAGS = [
  { name: 'accounts', description: '账户与会话 · Accounts and sessions', operations: ['accounts', 'session', 'password', 'users'] },
  {
    name: 'personal-data',
    description: '实名认证与个人信息 · Real-name verification and personal information (PIPL)',
    operations: ['privacy-notice', 'me', 'identity', 'personal-data', 'account', 'learners'],
    paths: ['privacy-notice'],
  },
  { name: 'institutions', description: '联盟机构 · The alliance: member institutions and accreditation', operations: ['institutions'] },
  { name: 'catalogue', description: '资历框架与课程目录 · The framework and the catalogue', operations: ['framework', 'catalogue'] },
  { name: 'imports', description: '机构批量导入 · Institution batch imports', operations: ['imports'] },
  { name: 'deposits', description: '个人存入 · Individual deposits and their evidence', operations: ['deposits', 'evidence'] },
  { name: 'recognition', description: '认定 · Recognition', operations: ['recognition'] },
  { name: 'outcomes', description: '学习成果 · Learning outcomes', operations: ['outcomes'] },
  { name: 'ledger', description: '学分积累 · The credit ledger and its policy caps', operations: ['ledger', 'ledger-rules'] },
  { name: 'conversion', description: '学分转换 · Conversion: rules, advice, applications', operations: ['conversion'] },
  {
    name: 'credentials',
    description: '凭证签发与状态 · Issuing and status (W3C VC API)',
    operations: ['did', 'status-lists', 'credentials'],
  },
  { name: 'reports', description: '学习成果认证报告 · Certification reports: numbers, PDFs, public lookup', operations: ['reports'] },
  { name: 'consultations', description: '学习咨询 · Consultation: questions and answers', operations: ['consultations'] },
  { name: 'audit', description: '审计 · The audit trail', operations: ['audit'] },
  { name: 'service', description: '服务与文档 · Health and this description', paths: ['/', 'healthz', 'readyz', 'openapi.json', 'docs'] },
]

/** The issuer's document options; paths are walked from the app, which is mounted at publicUrl's path. */
export function issuerApiDescription(publicUrl: URL): OpenApiOptions {
  return {
    info: { title: '学分银行 签发服务 API · Credit bank issuer API', version: packageVersion(), description: DESCRIPTION },
    servers: [{ url: publicUrl.origin, description: 'this bank 本银行' }],
    access: ACCESS,
    errorStatus: ERROR_STATUS,
    tags: TAGS,
    schemeNames: { bearer: 'bearerToken', session: 'sessionCookie', csrf: 'csrfToken' },
    securitySchemes: {
      bearerToken: {
        type: 'http',
        scheme: 'bearer',
        description: "An API client's token (credit-bank clients create); its scopes decide what it may call. 接口客户端令牌。",
      },
      sessionCookie: {
        type: 'apiKey',
        in: 'cookie',
        name: SESSION_COOKIE,
        description: 'The session cookie POST /session sets (httpOnly, SameSite=Lax). 会话 Cookie。',
      },
      csrfToken: {
        type: 'apiKey',
        in: 'header',
        name: CSRF_HEADER,
        description: "The session's CSRF token (GET /session), required with the cookie on every change. 修改类请求须带 CSRF 令牌。",
      },
    },
  }
}
