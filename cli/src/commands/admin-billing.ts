import { SingleBar } from 'cli-progress';
import type { BilbyClient, BillingRun } from '@bilby/sdk';
import { details, emit, type Io } from '../io.js';

/** How often a running billing run is asked how far it has got. */
const POLL_MS = 500;

/**
 * `bilby billing run [--as-of T] [--no-wait]`: starts a run that charges every rental period due,
 * now or as of T, and follows it to its end. On a terminal a progress bar follows the tenures read;
 * piped, a plain line every 10%. The report comes last; a run that failed or was interrupted exits
 * with an error after it. `--no-wait` prints the run's id as soon as it has started.
 */
export async function runBilling(client: BilbyClient, options: { asOf?: string; wait: boolean }, io: Io, progressToTerminal: boolean) {
  const asOf = options.asOf === undefined ? {} : { asOf: options.asOf };
  if (!options.wait) {
    emit(io, await client.admin.billing.run({ ...asOf, wait: false }), (run) => run.id);
    return;
  }
  const bar = progressToTerminal
    ? new SingleBar({ format: 'Billing [{bar}] {value}/{total} tenures | {renewed} renewed, ${charged}', stream: process.stderr, hideCursor: true, emptyOnZero: true })
    : null;
  let started = false;
  let nextLine = 10;
  const onProgress = (run: BillingRun) => {
    const total = run.tenures_total ?? 0;
    const done = Math.min(run.tenures_done, total);
    const payload = { renewed: run.renewed, charged: run.charged.toFixed(2) };
    if (bar && !started) bar.start(total, done, payload);
    started = true;
    if (bar) {
      bar.setTotal(total);
      bar.update(done, payload);
    }
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    if (!bar && !io.json && run.tenures_total !== null && percent >= nextLine) {
      io.err(`billing: ${percent}% (${done} of ${total} tenures, ${run.renewed} renewed)\n`);
      nextLine = Math.floor(percent / 10) * 10 + 10;
    }
  };
  let run: BillingRun;
  try {
    run = await client.admin.billing.run({ ...asOf, pollIntervalMs: POLL_MS, onProgress });
  } finally {
    bar?.stop();
  }
  emit(io, run, describeRun);
  if (run.status !== 'completed') throw new Error(`the billing run ${run.id} ${run.status === 'failed' ? 'failed' : 'was interrupted'}: ${run.error ?? 'no reason given'}`);
}

/** `bilby billing show [run]`: one run (its progress or report), or the latest runs. */
export async function showBillingRuns(client: BilbyClient, runId: string | undefined, io: Io) {
  if (runId !== undefined) {
    const run = await client.admin.billing.get(runId);
    emit(io, run, (r) => details([['Run', `${r.id} (${r.status}, started by ${r.started_by} at ${r.started_at})`], ['Tenures', progressOf(r)]]) + describeRun(r));
    return;
  }
  const runs = await client.admin.billing.list();
  emit(io, runs, (list) => (list.length === 0 ? '(none)\n' : list.map((r) => `${r.id}  ${r.status.padEnd(11)}  ${r.started_by.padEnd(8)}  as of ${r.as_of}  ${progressOf(r)} tenures, ${r.renewed} renewed`).join('\n')));
}

function progressOf(run: BillingRun): string {
  return run.tenures_total === null ? `${run.tenures_done}` : `${Math.min(run.tenures_done, run.tenures_total)}/${run.tenures_total}`;
}

function describeRun(run: BillingRun): string {
  const lines = [`Billed up to ${run.as_of}: ${run.renewed} renewals charged, $${run.charged.toFixed(2)} in all.`];
  if (run.suspended + run.still_suspended > 0) lines.push(`${run.suspended} numbers suspended now, ${run.still_suspended} suspended in all (unpaid).`);
  if (run.reactivated > 0) lines.push(`${run.reactivated} numbers paid up and active again.`);
  if (run.released > 0) lines.push(`${run.released} numbers released, unpaid for longer than the suspension allows.`);
  if (run.released_at_period_end > 0) lines.push(`${run.released_at_period_end} numbers released at the end of their paid period, as their owners asked.`);
  if (run.error) lines.push(`Stopped: ${run.error}`);
  return lines.join('\n');
}
