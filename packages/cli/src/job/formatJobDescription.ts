import { formatEther } from 'viem'
import type { JobDescription } from './describeJob.js'

/** The job as lines for a person. */
export function formatJobDescription({ job, requested, delivered, settlesAfter }: JobDescription): string[] {
  const at = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString()
  const lines = [
    `job ${job.id}: ${job.state}`,
    `  requester    ${job.requester}`,
    `  model        ${job.modelId}`,
    `  max tokens   ${job.maxTokens}, temperature ${job.temperatureMilli / 1000}, seed ${job.seed}`,
    `  max payment  ${formatEther(job.maxPayment)} MESH, callback gas ${job.callbackGasLimit}`,
    `  deadline     ${at(job.deadline)}, attempts ${job.attempts}`,
  ]
  if (requested) lines.push(`  input        ${requested.inputText}`)
  if (job.provider !== '0x0000000000000000000000000000000000000000')
    lines.push(
      `  provider     ${job.provider}${job.state === 'assigned' ? `, must deliver by ${at(job.respondBy)}` : ''}`,
    )
  if (delivered) {
    const r = delivered.receipt
    lines.push(
      `  output       ${JSON.stringify(delivered.outputText)}`,
      `  receipt      ${delivered.receiptDigest}: ${r.inputTokens} input + ${r.outputTokens} output tokens, cost ${formatEther(r.cost)} MESH, served ${at(r.servedAt)}`,
    )
  }
  if (settlesAfter !== undefined)
    lines.push(
      job.state === 'delivered'
        ? `  settles      after ${at(settlesAfter)} (end of the dispute window)`
        : `  dispute window ended ${at(settlesAfter)}`,
    )
  return lines
}
