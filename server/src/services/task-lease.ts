import { releaseLease, renewLease, takeLease } from '../store/task-lease-store.js';
import type { ServiceDeps } from './deps.js';

/** Long enough to ride out a slow renewal; short enough that a crashed holder's task is free again soon. */
const LEASE_TTL_MS = 60_000;
const RENEW_EVERY_MS = 15_000;

export interface HeldLease {
  /** False once the lease was lost (a renewal found another holder): the task must stop writing. */
  held(): boolean;
  release(): Promise<void>;
}

/**
 * Takes the task's lease for `holder` and renews it in the background until released, so that
 * however long the task runs no other process starts it; undefined when another process holds it.
 * A holder that dies stops renewing: its lease expires within a minute.
 */
export async function holdLease(deps: Pick<ServiceDeps, 'database' | 'log' | 'clock'>, name: string, holder: string): Promise<HeldLease | undefined> {
  if (!(await takeLease(deps.database, name, holder, deps.clock().getTime(), LEASE_TTL_MS))) return undefined;
  let held = true;
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewLease(deps.database, name, holder, deps.clock().getTime(), LEASE_TTL_MS).then(
      (renewed) => {
        if (!renewed && held) deps.log.warn({ task: name, holder }, 'lost the task lease: another process holds it');
        held &&= renewed;
      },
      (error: unknown) => deps.log.warn({ err: error, task: name }, 'could not renew the task lease'),
    );
  }, RENEW_EVERY_MS);
  timer.unref();
  return {
    held: () => held,
    async release() {
      clearInterval(timer);
      await renewing;
      if (held) await releaseLease(deps.database, name, holder);
      held = false;
    },
  };
}
