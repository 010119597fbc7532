import type { BilbyClient, WebhookAttempt, WebhookEndpoint, WebhookEndpointWithSecret } from '@bilby/sdk';
import { UsageError } from '../failures.js';
import { details, emit, table, type Io } from '../io.js';
import { collect } from './numbers.js';

/** `bilby webhooks …`: the account's webhook endpoints, their secrets (shown once) and their logs. */

const endpointColumns: Array<[string, (e: WebhookEndpoint) => unknown]> = [
  ['id', (e) => e.id],
  ['status', (e) => e.status],
  ['events', (e) => e.events.join(',')],
  ['url', (e) => e.url],
  ['failing since', (e) => e.failing_since],
];

const attemptColumns: Array<[string, (a: WebhookAttempt) => unknown]> = [
  ['at', (a) => a.at],
  ['event', (a) => a.event_id],
  ['kind', (a) => a.kind],
  ['attempt', (a) => (a.replay > 0 ? `${a.attempt} (replay ${a.replay})` : a.attempt)],
  ['status', (a) => a.status_code],
  ['ms', (a) => a.duration_ms],
  ['delivery', (a) => a.delivery_status],
  ['error', (a) => a.error],
];

export async function listWebhooks(client: BilbyClient, io: Io): Promise<void> {
  const results = await client.webhooks.list();
  emit(io, { results }, (r) => table(r.results, endpointColumns));
}

export async function showWebhook(client: BilbyClient, id: string, io: Io): Promise<void> {
  emit(io, await client.webhooks.get(id), describe);
}

export async function addWebhook(client: BilbyClient, options: { url: string; events: string[]; description?: string }, io: Io): Promise<void> {
  const created = await client.webhooks.create({ url: options.url, events: options.events, ...(options.description ? { description: options.description } : {}) });
  emit(io, created, (e) => withSecret(e, 'Keep this signing secret: it is not shown again.'));
}

export async function updateWebhook(
  client: BilbyClient,
  id: string,
  options: { url?: string; events?: string[]; description?: string; enable?: boolean; disable?: boolean },
  io: Io,
): Promise<void> {
  if (options.enable && options.disable) throw new UsageError('--enable and --disable cannot both be given');
  const status: 'enabled' | 'disabled' | undefined = options.enable ? 'enabled' : options.disable ? 'disabled' : undefined;
  const changes = {
    ...(options.url === undefined ? {} : { url: options.url }),
    ...(options.events === undefined ? {} : { events: options.events }),
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(status === undefined ? {} : { status }),
  };
  if (Object.keys(changes).length === 0) throw new UsageError('give --url, --events, --description, --enable or --disable');
  emit(io, await client.webhooks.update(id, changes), describe);
}

export async function removeWebhook(client: BilbyClient, id: string, io: Io): Promise<void> {
  const removed = await client.webhooks.delete(id);
  emit(io, removed, (e) => `Deleted webhook endpoint ${e.id} (${e.url}).`);
}

export async function rotateWebhookSecret(client: BilbyClient, id: string, options: { overlapHours?: number }, io: Io): Promise<void> {
  const rotated = await client.webhooks.rotateSecret(id, options.overlapHours === undefined ? {} : { expirePreviousInHours: options.overlapHours });
  const until = rotated.previous_secret_expires_at;
  emit(io, rotated, (e) =>
    withSecret(e, until ? `The previous secret keeps signing beside it until ${until}.` : 'The previous secret no longer signs deliveries.'),
  );
}

export async function replayWebhooks(client: BilbyClient, id: string, options: { after?: string; through?: string }, io: Io): Promise<void> {
  const report = await client.webhooks.replay(id, options);
  emit(io, report, (r) =>
    r.queued === 0
      ? 'No event in that range: nothing to send again.'
      : `Queued ${r.queued} events to be delivered again, up to ${r.last_cursor}.${r.more ? ` More remain: replay again with --after ${r.last_cursor}.` : ''}`,
  );
}

export async function listWebhookAttempts(client: BilbyClient, id: string, options: { limit?: number }, io: Io): Promise<void> {
  const page = await collect(client.webhooks.attempts(id, options), options.limit === undefined);
  emit(io, page, (p) => table(p.results, attemptColumns));
}

function describe(endpoint: WebhookEndpoint): string {
  return details([
    ['id', endpoint.id],
    ['url', endpoint.url],
    ['events', endpoint.events.join(', ')],
    ['status', endpoint.disabled_reason ? `${endpoint.status} (${endpoint.disabled_reason})` : endpoint.status],
    ['description', endpoint.description],
    ['failing since', endpoint.failing_since],
    ['pending deliveries', endpoint.pending_deliveries],
    ['created', endpoint.created_at],
  ]);
}

function withSecret(endpoint: WebhookEndpointWithSecret, note: string): string {
  return `${describe(endpoint)}signing secret: ${endpoint.secret}\n${note}\n`;
}
