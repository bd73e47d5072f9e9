// What the verifier's OpenAPI document says of itself; its paths come from its routes (http/openapi.ts).
import { ERROR_STATUS } from '../core/errors.ts'
import { packageVersion } from '../http/api-docs.ts'
import type { OpenApiOptions } from '../http/openapi.ts'

const DESCRIPTION = `学分银行验证服务：任何人（如用人单位）都可以用公开信息核验凭证和可验证表述，无需账户。
核验结果是一份报告，逐项列出检查（签名、有效期、状态、签发方是否受信任等）；未通过核验时按 VC API 的约定返回 400
和完整报告。其他错误一律为 application/problem+json（RFC 9457），带稳定的 code。

The credit bank's verifier: anyone (an employer, say) checks credentials and presentations from public information, with
no account. The answer is a report listing each check (proof, validity period, status, trusted issuer…); one that does
not verify answers 400 with the whole report, as the VC API does. Other errors are application/problem+json (RFC 9457)
with a stable \`code\`.`

/** The verifier's document options; its app serves at the root of verifierUrl. */
export function verifierApiDescription(verifierUrl: URL): OpenApiOptions {
  return {
    info: { title: '学分银行 验证服务 API · Credit bank verifier API', version: packageVersion(), description: DESCRIPTION },
    servers: [{ url: verifierUrl.href.replace(/\/$/, ''), description: 'this verifier 本验证服务' }],
    errorStatus: ERROR_STATUS,
    tags: [
      {
        name: 'verification',
        description: '核验 · Verifying credentials and presentations',
        paths: ['credentials', 'presentations', 'challenges'],
      },
      {
        name: 'service',
        description: '服务与文档 · Health and this description',
        paths: ['/', 'healthz', 'readyz', 'openapi.json', 'docs'],
      },
    ],
  }
}
