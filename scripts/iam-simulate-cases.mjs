// Usage: npm install @cloud-copilot/iam-simulate; node scripts/iam-simulate-cases.mjs CASES.jsonl
// Decides every case line of a JSONL file (iamc's case format) with iam-simulate, one at a time,
// and prints one JSON line per case ({"id", "decision"}), for timing side by side with `iamc eval`.
import { readFileSync } from 'node:fs'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const lines = readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.trim())
const out = []
let errors = 0
for (const line of lines) {
  let c
  try { c = JSON.parse(line) } catch { errors++; continue }
  const named = (docs, prefix) => (docs || []).map((policy, i) => ({ name: `${prefix}${i}`, policy }))
  const sim = {
    identityPolicies: named(c.identity, 'id'),
    serviceControlPolicies: (c.scps || []).map((level, i) => ({ orgIdentifier: `ou-${i}`, policies: named(level, `scp${i}-`) })),
    resourceControlPolicies: [],
    permissionBoundaryPolicies: c.boundary ? named(c.boundary, 'pb') : undefined,
    request: {
      action: c.action,
      principal: c.principal || 'arn:aws:iam::111122223333:role/caller',
      resource: { accountId: c.account || (c.resource.split(':')[4] || '111122223333'), resource: c.resource },
      contextVariables: c.context || {},
    },
  }
  if (c.session) sim.sessionPolicy = c.session
  let decision
  try {
    const r = await runSimulation(sim, {})
    decision = r.resultType === 'error' ? 'error' : r.overallResult
  } catch (e) { decision = 'error' }
  if (decision === 'error') errors++
  out.push(JSON.stringify({ id: c.id, decision }))
}
process.stdout.write(out.join('\n') + '\n')
process.stderr.write(`iam-simulate: ${lines.length} cases, ${errors} errors\n`)
