import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { calendarDateOf } from '../domain/rental-period.js';
import { latestUnpaidDay } from '../store/billing-store.js';
import { countDueTenures, insertBillingRun, interruptBillingRuns, updateBillingRun } from '../store/billing-run-store.js';
import type { BillingRunRow } from '../store/tables.js';
import { BILLING_LEASE } from './billing-run-queries.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { tieToIdempotencyKey, type IdempotencyClaim } from './idempotency-keys.js';
import { runBilling, type BillingReport } from './run-billing.js';
import { holdLease, type HeldLease } from './task-lease.js';

/** How often a process asks whether a run is due, at most. */
const CHECK_EVERY_MS = 60_000;

export interface BillingRunStart {
  /** The instant the run bills as of; now by default. */
  asOf?: Date;
  startedBy: 'operator' | 'schedule';
  /** The Idempotency-Key the request runs under: tied to the run in the transaction that records it. */
  claim?: IdempotencyClaim | null;
  /** Stops the run before its next batch (the schedule stopping). */
  stopping?: () => boolean;
}

export interface StartedBillingRun {
  /** The run as recorded, running. */
  run: BillingRunRow;
  /** Its row once it ends: completed, failed or interrupted. Never rejects. */
  finished: Promise<BillingRunRow>;
}

/**
 * Records a billing run and starts it in the background (tracked, so shutdown waits for it to stop
 * at its next batch); the run writes its progress and report to its row as it goes
 * (GET /billing/runs/{id}). One run at a time across every process sharing the database (a lease):
 * the database would keep two from charging a period twice, but two full runs at once only contend.
 * Another asked meanwhile is refused with billing_running.
 */
export async function startBillingRun(deps: ServiceDeps, start: BillingRunStart): Promise<StartedBillingRun> {
  const id = newId('bil');
  const lease = await holdLease(deps, BILLING_LEASE, id);
  if (!lease) throw new AppError('billing_running', 'A billing run is under way already; it charges every period due');
  try {
    const at = isoNow(deps);
    const asOf = start.asOf ?? deps.clock();
    const run: BillingRunRow = {
      id,
      status: 'running',
      started_by: start.startedBy,
      as_of: calendarDateOf(asOf, deps.settings.billing.timeZone),
      tenures_total: null,
      tenures_done: 0,
      renewed: 0,
      charged_cents: 0,
      suspended: 0,
      reactivated: 0,
      still_suspended: 0,
      released: 0,
      released_at_period_end: 0,
      error: null,
      started_at: at,
      updated_at: at,
      finished_at: null,
    };
    await deps.database.writeTransaction(async (trx) => {
      await interruptBillingRuns(trx, { exceptId: id }, at);
      await insertBillingRun(trx, run);
      await tieToIdempotencyKey(trx, start.claim, `billing_run:${id}`);
    });
    const finished = runInBackground(deps, lease, run, asOf, start.stopping);
    deps.tasks.track(finished);
    return { run, finished };
  } catch (error) {
    await lease.release();
    throw error;
  }
}

async function runInBackground(deps: ServiceDeps, lease: HeldLease, started: BillingRunRow, asOf: Date, stopping?: () => boolean): Promise<BillingRunRow> {
  let run = started;
  const save = async (changes: Partial<BillingRunRow>) => {
    run = { ...run, ...changes, updated_at: isoNow(deps) };
    await deps.database.writeStatement((ex) => updateBillingRun(ex, run.id, { ...changes, updated_at: run.updated_at }));
  };
  let stopped: string | undefined;
  const stop = () => {
    if (deps.stopping?.aborted) stopped = 'the server shut down';
    else if (!lease.held()) stopped = 'another process took the billing lease';
    else if (stopping?.()) stopped = 'the schedule stopped';
    return stopped !== undefined;
  };
  try {
    // A scan of every tenure: on a reader (a thread of its own on SQLite), not the writer's connection.
    const due = await countDueTenures(deps.database.reads, run.as_of);
    await save({ tenures_total: due });
    const report = await runBilling(deps, {
      asOf,
      expectedTenures: due,
      stopping: stop,
      // The progress is for the operator to follow: failing to write it must not stop the charging.
      onProgress: (progress, read) =>
        save({ ...reportColumns(progress), tenures_done: read }).catch((error: unknown) =>
          deps.log.warn({ err: error, billing_run_id: run.id }, "could not record the billing run's progress"),
        ),
    });
    const ended = { ...reportColumns(report), finished_at: isoNow(deps) };
    if (stopped === undefined) await save({ ...ended, status: 'completed' });
    else await save({ ...ended, status: 'interrupted', error: `interrupted: ${stopped} before it finished; what it charged stands, and the next run charges the rest` });
  } catch (error) {
    deps.log.error({ err: error, billing_run_id: run.id }, 'the billing run failed; the next one charges what it left');
    await save({ status: 'failed', error: describe(error), finished_at: isoNow(deps) }).catch(() => undefined);
  } finally {
    await lease.release().catch(() => undefined);
  }
  return run;
}

function reportColumns(report: BillingReport): Partial<BillingRunRow> {
  return {
    renewed: report.renewed,
    charged_cents: report.chargedCents,
    suspended: report.suspended,
    reactivated: report.reactivated,
    still_suspended: report.stillSuspended,
    released: report.released,
    released_at_period_end: report.releasedAtPeriodEnd,
  };
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}

/**
 * Settles one account's arrears now (an operator credited it): its suspended numbers are charged
 * and reactivated if the balance covers them. Never fails its caller, whose change is committed:
 * the next scheduled run does the same.
 */
export async function settleArrears(deps: ServiceDeps, accountId: string): Promise<void> {
  try {
    // Up to its latest unpaid day at least: a run as of a later instant (a sandbox moving time on)
    // may have suspended a period the clock has not reached.
    const unpaid = await latestUnpaidDay(deps.database.db, accountId);
    if (unpaid === undefined) return;
    const today = calendarDateOf(deps.clock(), deps.settings.billing.timeZone);
    await runBilling(deps, { accountId, dueBy: unpaid > today ? unpaid : today });
  } catch (error) {
    deps.log.warn({ err: error, account_id: accountId }, "could not settle the account's arrears now; the next billing run does");
  }
}

export interface BillingSchedule {
  stop(): Promise<void>;
}

/** Runs billing every `intervalMs` in whichever process takes the lease; the others skip that turn. Each run is recorded. */
export function scheduleBilling(deps: ServiceDeps, intervalMs: number): BillingSchedule {
  let running: Promise<void> | undefined;
  let stopped = false;
  let lastRun = 0;
  const tick = () => {
    const now = deps.clock().getTime();
    if (running || stopped || now - lastRun < intervalMs) return;
    lastRun = now;
    running = startBillingRun(deps, { startedBy: 'schedule', stopping: () => stopped })
      .then(
        async ({ finished }) => void (await finished),
        (error: unknown) => {
          if (error instanceof AppError && error.code === 'billing_running') return;
          if (!stopped) deps.log.error({ err: error }, 'the billing run could not start; the next one charges what it left');
        },
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, Math.min(intervalMs, CHECK_EVERY_MS));
  timer.unref();
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
