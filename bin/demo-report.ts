// Demo data of certification reports: Li Hua's report over her recognized outcomes, asked for once (a later start
// finds it and issues nothing), its number, public lookup URL and PDF URL for demo.json and the start banner.
import type { IssuerNode } from '../issuer/issuer-node.ts'

export interface SampleReport {
  readonly number: string
  readonly lookupUrl: string
  readonly pdfUrl: string
}

/** The demo learner's newest valid report, asked for through the use case the learner reaches over HTTP if none exists. */
export async function seedReport(node: IssuerNode, learnerUsername: string): Promise<SampleReport | undefined> {
  const learner = await node.accounts.findByUsername(learnerUsername)
  if (!learner) return undefined
  const { items } = await node.reports.listForLearner(learner.id, { limit: 100 })
  const report =
    items.find((r) => r.status === 'valid') ??
    (await node.reports.request(learner.id, undefined, { type: 'user', id: learner.id, name: learner.username }))
  return { number: report.number, lookupUrl: report.lookupUrl, pdfUrl: report.pdfUrl.zh }
}
