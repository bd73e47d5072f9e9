// The privacy notice (个人信息处理规则): what the bank collects about a learner, why, how long, who sees it, the learner's
// rights, and what stays after an account is closed (PIPL arts. 14, 17, 28-29, 44-47; GB/T 35273-2020 §5.4, §8.5).
// A versioned document in Chinese and English: every consent records its version and the SHA-256 of its canonical JSON
// (NOTICE_DIGEST), so what a learner agreed to can be shown word for word later. Any change to the text is a new
// version (and a new digest): learners consent again before their data is processed under it.
import { createHash } from 'node:crypto'
import { canonicalJson } from '../../core/credentials/jcs.ts'

export interface NoticeSection {
  readonly heading: string
  readonly paragraphs: readonly string[]
}

export interface NoticeText {
  readonly title: string
  readonly sections: readonly NoticeSection[]
}

export interface PrivacyNotice {
  readonly version: string
  readonly effectiveFrom: string
  readonly zh: NoticeText
  readonly en: NoticeText
}

/** What a consent to this notice allows: real-name verification and the processing it makes possible. */
export const CONSENT_PURPOSE = 'real_name_verification'

export const PRIVACY_NOTICE: PrivacyNotice = {
  version: '2026-03-01',
  effectiveFrom: '2026-03-01',
  zh: {
    title: '学分银行个人信息处理规则',
    sections: [
      {
        heading: '一、我们处理哪些个人信息',
        paragraphs: [
          '实名认证时，我们收集您的姓名和公民身份号码（或港澳台居民居住证号码）。公民身份号码属于敏感个人信息，我们仅在您单独同意本规则后处理。',
          '此外，我们保存您的账户信息（用户名、显示名称、角色、创建时间）、登录会话的时间、与统一身份认证平台的关联，以及您的学习成果、存入材料和审核记录。',
        ],
      },
      {
        heading: '二、处理目的',
        paragraphs: [
          '（1）实名认证：向身份核验服务确认姓名与号码一致，并保证一人一个账户；',
          '（2）匹配成果：把合作机构批量导入的、以同一号码登记的学习成果归入您的账户；',
          '（3）在凭证中指代您：学分银行签发的成就凭证不含您的号码原文，只含号码加随机盐后的哈希值（Open Badges 3.0 IdentityObject），出示凭证时您可以证明它属于您。',
        ],
      },
      {
        heading: '三、处理方式与保存期限',
        paragraphs: [
          '号码和姓名加密存储（AES-256-GCM），以带密钥的哈希值检索；在应用接口和日志中只显示掩码（如 3201**********123X），审计记录中同样掩码。',
          '在您的账户存续期间保存；您注销账户时立即删除（见第六条）。',
        ],
      },
      {
        heading: '四、谁能看到',
        paragraphs: [
          '您本人可以在“导出我的数据”中看到全部信息。学分银行的审核员和管理员仅在认定工作需要时查看完整号码，每一次查看都记入审计记录，您在导出数据中可以看到查看人和时间。',
          '我们不向第三方提供您的个人信息，法律、行政法规另有规定的除外；身份核验服务仅接收核验所需的姓名和号码。',
        ],
      },
      {
        heading: '五、您的权利',
        paragraphs: [
          '您有权查阅、复制您的个人信息（GET /me/export 以 JSON 文件下载全部数据），有权撤回同意并注销账户（POST /me/close）。撤回同意不影响撤回前基于同意已进行的处理活动的效力。',
        ],
      },
      {
        heading: '六、注销账户后删除什么、保留什么',
        paragraphs: [
          '删除：号码密文、姓名密文、号码的带密钥哈希、登录会话、与统一身份认证平台的关联、密码；用户名和显示名称替换为匿名值，账户状态改为“已注销”，您的同意记录标记为已撤回；尚在审核中的存入申请自动撤回，已撤回的存入申请的证明材料文件一并删除；您在学习咨询中发出的消息内容被删除；您的学习成果认证报告全部撤销，报告中的姓名删除。',
          '不保留号码哈希的理由：保留它虽能阻止同一号码反复注册，但它仍是个人信息，且会使您日后无法重新注册；因此我们选择删除，您日后可以重新注册并实名认证。',
          '保留（依照《个人信息保护法》第四十七条和 GB/T 35273 所允许的范围）：已签发并可能已被他人验证的学分凭证及其状态（凭证中只有加盐哈希，没有号码原文）；合作机构导入的学习成果记录（以号码的带密钥哈希登记，属于机构委托的业务记录）；已作出认定决定的存入申请及其证明材料（作为认定决定的依据）；不可篡改的审计链（其中个人信息均已掩码，条目只能保留以维持链的完整性）；您的同意记录（不含个人信息，用于证明处理的合法性）。',
        ],
      },
    ],
  },
  en: {
    title: 'Credit bank: how we process personal information',
    sections: [
      {
        heading: '1. What we collect',
        paragraphs: [
          'For real-name verification we collect your name and your resident identity number (or residence permit number). The identity number is sensitive personal information: we process it only with your separate consent to this notice.',
          'We also keep your account (username, display name, role, creation date), the dates of your sign-in sessions, your link to the unified identity service, and your learning outcomes, deposits and their review.',
        ],
      },
      {
        heading: '2. Why',
        paragraphs: [
          '(1) Real-name verification: an identity service confirms that the name and the number belong together, and one person holds one account;',
          '(2) matching outcomes: outcomes that member institutions import under the same number are shown in your account;',
          '(3) naming you in credentials: the AchievementCredentials the bank signs never contain your number, only a salted hash of it (an Open Badges 3.0 IdentityObject), so that you can prove a credential is yours when you present it.',
        ],
      },
      {
        heading: '3. How, and for how long',
        paragraphs: [
          'The number and the name are stored encrypted (AES-256-GCM) and found by a keyed hash; API answers and logs show only the masked number (such as 3201**********123X), and so does the audit trail.',
          'They are kept while your account exists and erased at once when you close it (section 6).',
        ],
      },
      {
        heading: '4. Who sees it',
        paragraphs: [
          "You see all of it in your data export. The bank's reviewers and administrators read the full number only when recognition work needs it; every such read is itself recorded in the audit trail, and your export shows who read it and when.",
          'We give your personal information to no third party unless a law or regulation requires it; the identity service receives only the name and number it checks.',
        ],
      },
      {
        heading: '5. Your rights',
        paragraphs: [
          'You may read and copy your personal information (GET /me/export downloads all of it as one JSON file), and withdraw your consent by closing your account (POST /me/close). Withdrawing does not affect processing done before it.',
        ],
      },
      {
        heading: '6. What closing your account erases, and what stays',
        paragraphs: [
          'Erased: the encrypted number and name, the keyed hash of the number, your sessions, your link to the identity service, your password; your username and display name are replaced by anonymous values, the account is marked closed and your consents withdrawn; deposits still waiting for a decision are withdrawn, the evidence files of every withdrawn deposit are erased, the texts of your consultation messages are erased, and your certification reports are revoked and your name removed from them.',
          'Why the keyed hash is not kept: keeping it would stop the same number from registering again and again, but it is still personal information, and it would stop you from ever coming back; so it is erased, and you may register and verify again later.',
          "Kept, as PIPL article 47 and GB/T 35273 allow: credentials already signed and possibly verified by others, and their status (they hold only a salted hash, never the number); learning outcomes imported by member institutions (recorded under the keyed hash, as the institutions' records); deposits already decided, with their evidence files (the grounds of the recognition decision); the tamper-evident audit chain (personal data in it is masked, and its entries cannot be removed without breaking the chain); your consent records (no personal data in them; they show the processing was lawful).",
        ],
      },
    ],
  },
}

/** SHA-256 (hex) of the notice's RFC 8785 canonical JSON: what each consent records beside the version. */
export const NOTICE_DIGEST: string = createHash('sha256').update(canonicalJson(PRIVACY_NOTICE)).digest('hex')

/** The current notice and its digest, as GET /privacy-notice serves it. */
export const privacyNoticeJson = () => ({ ...PRIVACY_NOTICE, digest: NOTICE_DIGEST, digestAlgorithm: 'sha-256 over RFC 8785 JSON' })
