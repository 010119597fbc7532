import { setTimeout as wait } from 'node:timers/promises';
import { UpstreamBusyError, type UpstreamBudget } from '../carriers/crazytel/upstream-budget.js';
import type { Database } from '../store/database.js';
import { ensureBudgetSlots, holdOffBudget, takeBudgetSlot } from '../store/upstream-budget-store.js';

export interface UpstreamBudgetOptions {
  carrier: string;
  /** Requests the upstream allows per minute. */
  perMinute: number;
  /** @default Date.now */
  now?: () => number;
  /** @default a timer */
  sleep?: (ms: number) => Promise<unknown>;
}

/**
 * How far apart two requests on one slot are sent: the upstream's minute and a margin, because a
 * request goes out a little after the turn it was given (the commit, the event loop) and arrives
 * after the network, and the upstream counts arrivals.
 */
export const UPSTREAM_SLOT_SPACING_MS = 61_000;
const WINDOW_MS = UPSTREAM_SLOT_SPACING_MS;

/**
 * The budget as slots in the database, so every process sharing it (PostgreSQL, or one SQLite
 * file) counts against the same limit. Customer requests take the next slot, waiting their turn;
 * background requests take only a slot free now, and only while a tenth of the budget (at least
 * one slot) stays free for purchases, polling until then.
 */
export async function openUpstreamBudget(database: Database, options: UpstreamBudgetOptions): Promise<UpstreamBudget> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? wait;
  const count = options.perMinute;
  const leaveFree = Math.max(1, Math.ceil(count / 10));
  const pollMs = Math.max(50, WINDOW_MS / count);
  await database.writeStatement((ex) => ensureBudgetSlots(ex, options.carrier, count));
  return {
    async take(priority, deadlineMs) {
      const latestMs = now() + deadlineMs;
      for (;;) {
        const answer = await takeBudgetSlot(database, {
          carrier: options.carrier,
          count,
          windowMs: WINDOW_MS,
          now,
          latestMs,
          leaveFree: priority === 'background' ? leaveFree : undefined,
        });
        if (answer.taken) {
          const wait = answer.sendAtMs - now();
          if (wait > 0) await sleep(wait);
          return;
        }
        if (answer.earliestMs > latestMs) throw new UpstreamBusyError();
        await sleep(Math.max(answer.earliestMs - now(), pollMs));
      }
    },
    async holdOff(untilMs) {
      await database.writeStatement((ex) => holdOffBudget(ex, options.carrier, untilMs, WINDOW_MS));
    },
  };
}
