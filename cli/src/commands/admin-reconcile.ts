import type { BilbyClient, ReconcileReport, UpstreamDifference } from '@bilby/sdk';
import { DifferencesFound } from '../failures.js';
import { emit, table, type Io } from '../io.js';

/**
 * `bilby admin reconcile`: what the carrier holds against what customers hold, run now (or the
 * last report with `last`), printed as a list of differences. Exits 4 when there are any, so a
 * script or a cron job can tell; 0 when there are none.
 */
export async function reconcile(client: BilbyClient, options: { last?: boolean }, io: Io) {
  const report = options.last ? await client.admin.reconcile.last() : await client.admin.reconcile.run();
  emit(io, report, describeReport);
  if (report.differences.length > 0) throw new DifferencesFound(`${report.differences.length} differences`);
}

function describeReport(r: ReconcileReport): string {
  const lines = [
    `Reconciled ${r.carrier} at ${r.checked_at}: ${r.owned_upstream} held upstream, ${r.sold} sold, ${r.in_flight.length} in flight.`,
  ];
  if (r.differences.length === 0) lines.push('No differences.');
  else {
    const counts = Object.entries(r.difference_counts).filter(([, n]) => n > 0);
    lines.push(`${r.differences.length} differences: ${counts.map(([kind, n]) => `${n} ${kind}`).join(', ')}`, '');
    lines.push(table(r.differences, [['kind', (d) => d.kind], ['number', subject], ['detail', (d) => d.detail]]).trimEnd());
  }
  if (r.in_flight.length > 0) {
    lines.push('', 'In flight (not differences while open):');
    lines.push(table(r.in_flight, [['number', (n) => n.did_number], ['saga', (n) => n.saga], ['held upstream', (n) => (n.owned_upstream ? 'yes' : 'no')]]).trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

/** What the difference is about: the number, or the record for an orphaned copy. */
function subject(d: UpstreamDifference): string {
  return d.did_number ?? `${d.record} ${d.local_id}`;
}
