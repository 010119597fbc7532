import { EVENT_RETENTION_DAYS, type AccountEvent } from '../domain/account-event.js';
import { eventPayload } from '../domain/event-payload.js';
import { nextAttemptDelayMs } from '../domain/webhook-endpoint.js';
import { signatureHeader } from '../domain/webhook-signature.js';
import { appendAccountEvents } from '../store/account-event-store.js';
import { claimDeliveries, eventsOfDeliveries, parkDeliveries, pruneDeliveries, queueEvents, recordAttempt, releaseClaim, type AttemptOutcome, type ClaimedDelivery } from '../store/webhook-delivery-store.js';
import { endpointsBehind, endpointTargets, markEndpointFailed, markEndpointSucceeded, updateEndpoint, type EndpointTarget } from '../store/webhook-endpoint-store.js';
import type { ServiceDeps } from './deps.js';
import type { PostResult, WebhookPoster } from './post-webhook.js';

/** Events read per statement when queueing an endpoint's deliveries. */
const QUEUE_BATCH = 500;
export const WEBHOOK_USER_AGENT = 'Bilby-Webhooks/1';

export interface SendReport {
  delivered: number;
  /** Failed attempts, whether retried later or given up. */
  failed: number;
  gaveUp: number;
  /** Endpoints disabled for failing the whole retry window. */
  disabled: number;
}

/**
 * Queues for every enabled endpoint the account events it has not yet queued (the stream is the
 * outbox; this is its fan-out). Returns how many events were read.
 */
export async function queueWebhookDeliveries(deps: Pick<ServiceDeps, 'database' | 'clock'>): Promise<number> {
  let read = 0;
  for (const id of await endpointsBehind(deps.database.db)) {
    for (;;) {
      const n = await deps.database.writeTransaction((trx) => queueEvents(trx, id, deps.clock().toISOString(), QUEUE_BATCH));
      read += n ?? 0;
      if (n === undefined || n < QUEUE_BATCH) break;
    }
  }
  return read;
}

/**
 * Takes up to `limit` due deliveries for this process to send, each held for long enough to send it
 * and record the outcome; a process that dies holding one leaves it to be sent again when that runs out.
 */
export async function claimWebhookDeliveries(deps: Pick<ServiceDeps, 'database' | 'clock' | 'settings'>, limit: number): Promise<ClaimedDelivery[]> {
  const now = deps.clock();
  const leaseUntil = new Date(now.getTime() + 2 * deps.settings.webhooks.timeoutMs + 5_000).toISOString();
  const claimed = await deps.database.writeStatement((ex) => claimDeliveries(ex, now.toISOString(), leaseUntil, limit, deps.settings.webhooks.perEndpoint));
  // The events go outside: only those a power cut cannot undo (SQLite syncs its log after commits).
  if (claimed.length > 0) await deps.database.durable();
  return claimed;
}

/**
 * Sends claimed deliveries, each at once, and records what came of each. A send cut off by `signal`
 * (the server shutting down) is let go without an attempt, to be sent again at once by any process.
 */
export async function sendWebhookDeliveries(deps: ServiceDeps, poster: WebhookPoster, claimed: readonly ClaimedDelivery[], signal?: AbortSignal): Promise<SendReport> {
  const report: SendReport = { delivered: 0, failed: 0, gaveUp: 0, disabled: 0 };
  if (claimed.length === 0) return report;
  const events = await eventsOfDeliveries(deps.database.db, claimed);
  const targets = await endpointTargets(deps.database.db, [...new Set(claimed.map((d) => d.endpointId))]);
  await Promise.all(
    claimed.map(async (delivery) => {
      const target = targets.get(delivery.endpointId);
      if (!target) return; // Deleted meanwhile, with its deliveries.
      const event = events.get(`${delivery.accountId}:${delivery.eventSeq}`);
      const result: PostResult = event
        ? await poster.post(target.url, ...request(deps, target, delivery, event), signal)
        : { ok: false, statusCode: null, error: 'the event is no longer kept (events are kept 30 days)', durationMs: 0 };
      if (result.aborted) {
        await deps.database.writeStatement((ex) => releaseClaim(ex, delivery));
        return;
      }
      const outcome = outcomeOf(deps, delivery, result, event !== undefined);
      const told = await deps.database.writeTransaction(async (trx) => {
        if (!(await recordAttempt(trx, delivery, outcome))) return 'gone';
        if (outcome.delivered) {
          await markEndpointSucceeded(trx, target.id);
          return 'delivered';
        }
        const endpoint = await markEndpointFailed(trx, target.id, outcome.at);
        const failingMs = endpoint?.failing_since ? Date.parse(outcome.at) - Date.parse(endpoint.failing_since) : 0;
        if (endpoint && endpoint.status === 'enabled' && failingMs >= deps.settings.webhooks.retry.giveUpAfterMs) {
          const reason = `failed every delivery since ${endpoint.failing_since}: last ${outcome.error}`;
          await updateEndpoint(trx, target.id, { status: 'disabled', disabled_reason: reason, updated_at: outcome.at });
          await parkDeliveries(trx, target.id, true, outcome.at);
          await appendAccountEvents(trx, [
            {
              accountId: target.accountId,
              kind: 'webhook_endpoint.disabled',
              didNumber: null,
              at: outcome.at,
              data: { webhook_endpoint_id: target.id, url: target.url, failing_since: endpoint.failing_since, reason },
            },
          ]);
          return 'disabled';
        }
        return 'failed';
      });
      if (told === 'delivered') report.delivered += 1;
      if (told === 'failed' || told === 'disabled') {
        report.failed += 1;
        if (outcome.retryAt === null) report.gaveUp += 1;
      }
      if (told === 'disabled') {
        report.disabled += 1;
        deps.log.warn({ webhook_endpoint_id: target.id, account_id: target.accountId }, 'a webhook endpoint failed for the whole retry window and is disabled');
      }
    }),
  );
  return report;
}

/** The delivery's body and headers: the event as GET /events/ shows it, signed with every secret in use. */
function request(deps: Pick<ServiceDeps, 'clock'>, target: EndpointTarget, delivery: ClaimedDelivery, event: AccountEvent): [string, Record<string, string>] {
  const body = JSON.stringify(eventPayload(event));
  const now = deps.clock();
  const secrets = [target.secret];
  if (target.previousSecret && target.previousSecretExpiresAt && Date.parse(target.previousSecretExpiresAt) > now.getTime()) secrets.push(target.previousSecret);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': WEBHOOK_USER_AGENT,
    'bilby-signature': signatureHeader(body, secrets, Math.floor(now.getTime() / 1000)),
    'bilby-event-id': event.id,
    'bilby-delivery-attempt': String(delivery.attempts + 1),
  };
  if (delivery.round > 0) headers['bilby-replay'] = String(delivery.round);
  return [body, headers];
}

function outcomeOf(deps: Pick<ServiceDeps, 'clock' | 'settings'>, delivery: ClaimedDelivery, result: PostResult, retryable: boolean): AttemptOutcome {
  const at = deps.clock();
  const { retry } = deps.settings.webhooks;
  let retryAt: string | null = null;
  if (!result.ok && retryable && at.getTime() - Date.parse(delivery.createdAt) < retry.giveUpAfterMs) {
    retryAt = new Date(at.getTime() + nextAttemptDelayMs(retry, delivery.attempts + 1, Math.random())).toISOString();
  }
  return { delivered: result.ok, statusCode: result.statusCode, error: result.error, durationMs: result.durationMs, at: at.toISOString(), retryAt };
}

/** One pass as a test or `bilby` drives it: queue, then claim and send until nothing is due. */
export async function deliverDueWebhooks(deps: ServiceDeps, poster: WebhookPoster): Promise<SendReport> {
  const total: SendReport = { delivered: 0, failed: 0, gaveUp: 0, disabled: 0 };
  await queueWebhookDeliveries(deps);
  for (;;) {
    const claimed = await claimWebhookDeliveries(deps, deps.settings.webhooks.concurrency);
    if (claimed.length === 0) return total;
    const report = await sendWebhookDeliveries(deps, poster, claimed);
    total.delivered += report.delivered;
    total.failed += report.failed;
    total.gaveUp += report.gaveUp;
    total.disabled += report.disabled;
  }
}

/** Deliveries (with their attempts) dropped per maintenance pass at most. */
const PRUNE_PER_PASS = 5_000;

/** Drops the deliveries finished more than EVENT_RETENTION_DAYS ago, as their events go. */
export function pruneOldDeliveries(deps: Pick<ServiceDeps, 'database' | 'clock'>): Promise<number> {
  const before = new Date(deps.clock().getTime() - EVENT_RETENTION_DAYS * 86_400_000).toISOString();
  return deps.database.writeTransaction((trx) => pruneDeliveries(trx, before, PRUNE_PER_PASS));
}
