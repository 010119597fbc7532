import type { BilbyClient, BillingRun } from '@bilby/sdk';
import { emit, type Io } from '../io.js';

/** `bilby billing run [--as-of T]`: charges every rental period due, now or as of T. */
export async function runBilling(client: BilbyClient, options: { asOf?: string }, io: Io) {
  emit(io, await client.admin.billing.run(options), describeRun);
}

function describeRun(run: BillingRun): string {
  const lines = [`Billed up to ${run.as_of}: ${run.renewed} renewals charged, $${run.charged.toFixed(2)} in all.`];
  if (run.suspended + run.still_suspended > 0) lines.push(`${run.suspended} numbers suspended now, ${run.still_suspended} suspended in all (unpaid).`);
  if (run.reactivated > 0) lines.push(`${run.reactivated} numbers paid up and active again.`);
  if (run.released > 0) lines.push(`${run.released} numbers released, unpaid for longer than the suspension allows.`);
  return lines.join('\n');
}
