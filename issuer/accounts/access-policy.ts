// Who may call which operation: the one table (issue 7 item 9). Routes name their operation with authorize(op); the
// access-matrix test walks every operation × role (and API client scopes), and every "someone else's record" case.
//
// A role or scope here lets a caller reach the operation at all. Whose records it then sees is the use case's job,
// and `own` names that rule so the table tells the whole story:
//   self         only the caller's own records (a learner's outcomes, deposits, personal data)
//   institution  only records of the caller's institution (staff; an API client bound to an institution)
//   queue        only what is in the recognition queue the caller works (reviewers; experts: what was referred)
import type { Scope } from '../clients/api-clients.ts'
import type { Role } from './principal.ts'

export interface Access {
  readonly summary: string
  /** Anyone, signed in or not. */
  readonly public?: true
  readonly roles?: readonly Role[]
  /** API client scopes (the `admin` scope holds every scope). */
  readonly scopes?: readonly Scope[]
  readonly own?: 'self' | 'institution' | 'queue'
}

export const ACCESS = {
  // The foundation: issuing and status through API clients.
  'did.read': { summary: "The bank's DID document", public: true },
  'status-lists.read': { summary: 'A published status list', public: true },
  'credentials.issue': { summary: 'Issue a credential (VC API)', scopes: ['credentials:issue'] },
  'credentials.read': { summary: 'Read a credential this client issued', scopes: ['credentials:issue'], own: 'self' },
  'credentials.status': {
    summary: 'Revoke, suspend or reinstate a credential this client issued',
    scopes: ['credentials:status'],
    own: 'self',
  },

  // Accounts and sessions.
  'accounts.register': { summary: 'A learner registers with a username and password', public: true },
  'session.create': { summary: 'Sign in with a password or through the OpenID Connect provider', public: true },
  'session.read': {
    summary: 'Who is signed in, and the CSRF token',
    roles: ['learner', 'staff', 'reviewer', 'expert', 'admin'],
    own: 'self',
  },
  'password.change': { summary: 'Change my password', roles: ['learner', 'staff', 'reviewer', 'expert', 'admin'], own: 'self' },
  'session.delete': { summary: 'Sign out', roles: ['learner', 'staff', 'reviewer', 'expert', 'admin'], own: 'self' },
  'users.manage': { summary: 'Create and list staff, reviewer, expert and admin accounts', roles: ['admin'], scopes: ['admin'] },

  // Real-name verification and personal information (PIPL).
  'privacy-notice.read': { summary: 'The privacy notice (个人信息处理规则) consents name', public: true },
  'me.read': {
    summary: 'My account, real-name status (masked) and consents',
    roles: ['learner', 'staff', 'reviewer', 'expert', 'admin'],
    own: 'self',
  },
  'identity.verify': { summary: 'Real-name verification (实名认证) with consent', roles: ['learner'], own: 'self' },
  'personal-data.export': { summary: 'Download everything the bank holds about me', roles: ['learner'], own: 'self' },
  'account.close': { summary: 'Close my account: personal data erased or anonymized', roles: ['learner'], own: 'self' },
  'learners.identity.read': { summary: "Read a learner's identity number (audited)", roles: ['reviewer', 'admin'] },

  // The alliance, the framework and the catalogue.
  'institutions.read': { summary: 'Alliance members and their accreditation', public: true },
  'institutions.manage': { summary: 'Create and change members and accreditation scopes', roles: ['admin'], scopes: ['alliance:manage'] },
  'framework.read': { summary: 'Framework levels and their history', public: true },
  'framework.edit': { summary: 'Edit a framework level', roles: ['expert'], scopes: ['catalogue:manage'] },
  'catalogue.read': { summary: 'Browse and search the catalogue', public: true },
  'catalogue.manage': { summary: 'Create and change catalogue entries', roles: ['expert', 'admin'], scopes: ['catalogue:manage'] },

  // Learning outcomes, imports, deposits and recognition.
  'outcomes.read-own': { summary: 'My learning outcomes and their credentials', roles: ['learner'], own: 'self' },
  'imports.create': {
    summary: 'Upload a batch of outcomes for my institution',
    roles: ['staff'],
    scopes: ['imports:write'],
    own: 'institution',
  },
  'imports.read': {
    summary: "My institution's import jobs and error reports",
    roles: ['staff'],
    scopes: ['imports:write'],
    own: 'institution',
  },
  'deposits.create': { summary: 'Deposit an outcome with evidence', roles: ['learner'], own: 'self' },
  'deposits.read-own': { summary: 'My deposits, their status and reason', roles: ['learner'], own: 'self' },
  'deposits.withdraw': { summary: 'Withdraw a pending deposit', roles: ['learner'], own: 'self' },
  'evidence.read': { summary: 'Download a piece of evidence', roles: ['learner', 'reviewer', 'expert'], own: 'queue' },
  'recognition.queue': {
    summary: 'The recognition queue (reviewers: pending; experts: referred to them)',
    roles: ['reviewer', 'expert'],
    own: 'queue',
  },
  'recognition.decide': { summary: 'Approve, reject or refer to an expert', roles: ['reviewer'], own: 'queue' },
  'recognition.expert-decide': {
    summary: 'Approve or reject an outcome referred to the expert committee',
    roles: ['expert'],
    own: 'queue',
  },

  // The credit ledger (积累) and its policy caps.
  'ledger.read-own': {
    summary: 'My credit ledger: totals, the entries behind them, what the caps hold back',
    roles: ['learner'],
    own: 'self',
  },
  'ledger-rules.read': { summary: 'The policy caps of the credit ledger', public: true },
  'ledger-rules.manage': { summary: 'Add, change or retire a policy cap (audited)', roles: ['expert', 'admin'] },

  // Consultation (学习咨询): learners ask; staff of the institution concerned, reviewers and admins answer.
  'consultations.open': {
    summary: 'Ask a question (optionally about one of my outcomes, a rule or a report)',
    roles: ['learner'],
    own: 'self',
  },
  'consultations.read': {
    summary: 'Consultation threads: a learner their own; staff those concerning their institution; reviewers and admins all',
    roles: ['learner', 'staff', 'reviewer', 'admin'],
    own: 'institution',
  },
  'consultations.reply': {
    summary: 'Post a message in a consultation thread the caller may read',
    roles: ['learner', 'staff', 'reviewer', 'admin'],
    own: 'institution',
  },

  // Conversion (转换): rules, the advice, applications and their decisions.
  'conversion.rules.read': { summary: 'Conversion rules and their versions', public: true },
  'conversion.rules.manage': {
    summary: "Author a conversion rule or a new version of one (staff: into their institution's courses; experts: any)",
    roles: ['staff', 'expert'],
    own: 'institution',
  },
  'conversion.advice': { summary: 'What my outcomes can be converted into: rules met and nearly met', roles: ['learner'], own: 'self' },
  'conversion.apply': { summary: 'Apply for a conversion with my outcomes', roles: ['learner'], own: 'self' },
  'conversion.applications.read-own': { summary: 'My conversion applications and their credentials', roles: ['learner'], own: 'self' },
  'conversion.applications.review': {
    summary: "My institution's conversion applications",
    roles: ['staff'],
    own: 'institution',
  },
  'conversion.applications.decide': {
    summary: 'Approve or reject a conversion application into my institution',
    roles: ['staff'],
    own: 'institution',
  },

  // Certification reports (学习成果认证报告).
  'reports.lookup': { summary: 'Look a certification report up by its number (rate-limited per address)', public: true },
  'reports.create': { summary: 'Ask for a certification report over my recognized outcomes', roles: ['learner'], own: 'self' },
  'reports.read-own': { summary: 'My certification reports', roles: ['learner'], own: 'self' },
  'reports.revoke-own': { summary: 'Revoke or reissue one of my certification reports', roles: ['learner'], own: 'self' },
  'reports.revoke': { summary: "Revoke anyone's certification report (the bank)", roles: ['admin'], scopes: ['admin'] },

  // The audit trail.
  'audit.read': { summary: 'Read the audit trail', roles: ['admin'], scopes: ['admin'] },
} as const satisfies Record<string, Access>

export type Operation = keyof typeof ACCESS

export const OPERATIONS = Object.keys(ACCESS) as Operation[]
