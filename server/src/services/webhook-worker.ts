import type { ClaimedDelivery } from '../store/webhook-delivery-store.js';
import { anyEnabledEndpoint } from '../store/webhook-endpoint-store.js';
import { claimWebhookDeliveries, queueWebhookDeliveries, sendWebhookDeliveries } from './deliver-webhooks.js';
import type { ServiceDeps } from './deps.js';
import { createWebhookPoster, type WebhookPoster } from './post-webhook.js';

/** How long after a write the worker looks: writes within it are looked at together. */
const CHANGE_COALESCE_MS = 5;

export interface WebhookWorker {
  /** Stops taking deliveries and cuts off those being sent: they are let go, to be sent again by the next process. */
  stop(): Promise<void>;
}

/**
 * The server's delivery worker: keeps up to `concurrency` deliveries in flight, taking more as each
 * ends, and looks for new events every `pollMs` while idle. Every process sharing a database runs
 * one; they share the queue (a delivery is held by one worker at a time).
 */
export function startWebhookWorker(deps: ServiceDeps, poster: WebhookPoster = createWebhookPoster(deps.settings.webhooks)): WebhookWorker {
  const { concurrency, pollMs } = deps.settings.webhooks;
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;
  let changed = false;
  const cutOff = new AbortController();
  let wake: (() => void) | undefined;
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => (wake = undefined));

  // A write request of this process may have appended events: look soon, not at the next poll;
  // at most once per CHANGE_COALESCE_MS however many writes, and not at all while no endpoint exists.
  let hasEndpoints = true;
  let coalescing: NodeJS.Timeout | undefined;
  const unsubscribe = deps.changes?.subscribe(() => {
    if (!hasEndpoints || coalescing) return;
    coalescing = setTimeout(() => {
      coalescing = undefined;
      changed = true;
      wake?.();
    }, CHANGE_COALESCE_MS);
  });
  let sendEnded = false;
  const loop = async () => {
    let lastPoll = 0;
    let found = false;
    while (!stopped) {
      try {
        const now = Date.now();
        const polled = now - lastPoll >= pollMs;
        if (polled) {
          lastPoll = now;
          hasEndpoints = await anyEnabledEndpoint(deps.database.db);
        }
        // Fan-out once a poll interval, or at once after a change here: it reads every endpoint's position.
        let queued = 0;
        if (changed || polled) {
          changed = false;
          queued = await queueWebhookDeliveries(deps);
        }
        // A claim is a write: only while an endpoint is enabled and something may be due (a poll, new deliveries, one that ended
        // and may free the next of its number, or a claim that found some and may find more).
        const worth: boolean = hasEndpoints && (polled || queued > 0 || sendEnded || found);
        sendEnded = false;
        const free = concurrency - inFlight.size;
        const claimed: ClaimedDelivery[] = free > 0 && worth ? await claimWebhookDeliveries(deps, free) : [];
        found = claimed.length > 0;
        for (const delivery of claimed) {
          const sending: Promise<unknown> = sendWebhookDeliveries(deps, poster, [delivery], cutOff.signal)
            .catch((error: unknown) => deps.log.error({ err: error }, 'a webhook delivery could not be recorded; it is sent again when its hold runs out'))
            .finally(() => {
              inFlight.delete(sending);
              sendEnded = true;
              wake?.();
            });
          inFlight.add(sending);
        }
        if (stopped) break;
        // Busy: go on as soon as a slot frees. Idle: wait for the next poll, or a change, or a send's end.
        if (claimed.length === 0 || inFlight.size >= concurrency) await nap(Math.max(1, pollMs - (Date.now() - lastPoll)));
      } catch (error) {
        if (!stopped) deps.log.error({ err: error }, 'the webhook worker failed a pass; it tries again');
        if (!stopped) await nap(pollMs);
      }
    }
  };
  const running = loop();
  return {
    async stop() {
      stopped = true;
      unsubscribe?.();
      clearTimeout(coalescing);
      wake?.();
      await running;
      cutOff.abort();
      await Promise.all([...inFlight]);
      poster.close();
    },
  };
}
