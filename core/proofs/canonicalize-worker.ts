// A canonicalization worker of WorkerCanonicalizer: takes { document, proofs }, answers { result }, one at a time.
import { parentPort } from 'node:worker_threads'
import { computeVerifyData } from './canonicalizer.ts'

const port = parentPort!
port.on('message', (job: { document: object; proofs: object[] }) => {
  void computeVerifyData(job.document, job.proofs).then((result) => port.postMessage({ result }))
})
port.postMessage({ ready: true })
