import { newUuid } from '../domain/ids.js';
import type { ServiceDeps } from './deps.js';
import { reconcileIfDue, releaseReconcileLease } from './reconcile-upstream.js';

export interface ReconcileSchedule {
  /** Stops asking; a reconciliation still running is left to finish or fail, its lease given up. */
  stop(): Promise<void>;
}

/** How often a process asks whether reconciliation is due, at most: the due time is the database's. */
const CHECK_EVERY_MS = 60_000;

/**
 * Reconciles the carrier once every `intervalMs` across every process sharing the database: each
 * process asks now and then whether the last report is that old, and the one that takes the lease
 * runs it. Shutdown does not wait for a run under way (a reconciliation waits its turns in the
 * upstream's budget, for minutes when purchases use it): it only reads, so nothing is left half-done.
 */
export function scheduleReconcile(deps: ServiceDeps, intervalMs: number): ReconcileSchedule {
  const holder = newUuid();
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = reconcileIfDue(deps, intervalMs, holder)
      .then(
        () => undefined,
        (error: unknown) => {
          if (!stopped) deps.log.warn({ err: error }, 'scheduled reconciliation failed; it is tried again at the next check');
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
      if (running) await releaseReconcileLease(deps, holder);
    },
  };
}
