import { AppError } from '../domain/errors.js';
import { newUuid } from '../domain/ids.js';
import { calendarDateOf } from '../domain/rental-period.js';
import { latestUnpaidDay } from '../store/billing-store.js';
import type { ServiceDeps } from './deps.js';
import { runBilling, type BillingOptions, type BillingReport } from './run-billing.js';
import { holdLease } from './task-lease.js';

const LEASE = 'billing';
/** How often a process asks whether a run is due, at most. */
const CHECK_EVERY_MS = 60_000;

/**
 * A whole run, one at a time across every process sharing the database (a lease): the database
 * would keep two from charging a period twice, but two full runs at once only contend. Another
 * run asked meanwhile is refused with billing_running.
 */
export async function runBillingExclusively(deps: ServiceDeps, options: Omit<BillingOptions, 'accountId'> = {}): Promise<BillingReport> {
  const lease = await holdLease(deps, LEASE, newUuid());
  if (!lease) throw new AppError('billing_running', 'A billing run is under way already; it charges every period due');
  try {
    return await runBilling(deps, { ...options, stopping: () => !lease.held() || (options.stopping?.() ?? false) });
  } finally {
    await lease.release();
  }
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

/** Runs billing every `intervalMs` in whichever process takes the lease; the others skip that turn. */
export function scheduleBilling(deps: ServiceDeps, intervalMs: number): BillingSchedule {
  let running: Promise<void> | undefined;
  let stopped = false;
  let lastRun = 0;
  const tick = () => {
    const now = deps.clock().getTime();
    if (running || stopped || now - lastRun < intervalMs) return;
    lastRun = now;
    running = runBillingExclusively(deps, { stopping: () => stopped })
      .then(
        () => undefined,
        (error: unknown) => {
          if (error instanceof AppError && error.code === 'billing_running') return;
          if (!stopped) deps.log.error({ err: error }, 'the billing run failed; the next one charges what it left');
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
