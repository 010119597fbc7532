import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AppError, invalidRequest } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { isPublicAddress } from '../domain/network-address.js';
import type { Page, PageRequest } from '../domain/page.js';
import {
  MAX_ENDPOINTS_PER_ACCOUNT,
  MAX_SECRET_OVERLAP_HOURS,
  hostOf,
  newWebhookSecret,
  normaliseEventChoices,
  parseWebhookUrl,
  type LoggedAttempt,
  type WebhookEndpoint,
  type WebhookEndpointStatus,
} from '../domain/webhook-endpoint.js';
import { countPendingDeliveries, listAttempts, parkDeliveries } from '../store/webhook-delivery-store.js';
import {
  countEndpoints,
  deleteEndpoint,
  endpointOf,
  findEndpointRow,
  insertEndpoint,
  lastEventSeq,
  listEndpoints,
  updateEndpoint,
  type WebhookEndpointRow,
} from '../store/webhook-endpoint-store.js';
import type { WebhookEndpointTable } from '../store/tables.js';
import { isoNow, type ServiceDeps } from './deps.js';
import { tieToIdempotencyKey, type IdempotencyClaim } from './idempotency-keys.js';

/** A new endpoint, or one whose secret was rotated: the only time its secret is shown. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

export interface NewEndpointInput {
  url: string;
  events: string[];
  description?: string | null;
}

export interface EndpointChanges {
  url?: string;
  events?: string[];
  description?: string | null;
  status?: WebhookEndpointStatus;
}

const HOUR_MS = 3_600_000;
/** How long a URL's host may take to resolve when it is checked; past it the delivery checks it again. */
const LOOKUP_TIMEOUT_MS = 3_000;

/** `POST /webhooks`: an endpoint hearing the account's events from now on; its secret shown once. */
export async function createEndpoint(deps: ServiceDeps, accountId: string, input: NewEndpointInput, claim?: IdempotencyClaim | null): Promise<EndpointWithSecret> {
  const url = await allowedUrl(deps, input.url);
  const events = normaliseEventChoices(input.events);
  const secret = newWebhookSecret();
  const at = isoNow(deps);
  const row = await deps.database.writeTransaction(async (trx) => {
    if ((await countEndpoints(trx, accountId)) >= MAX_ENDPOINTS_PER_ACCOUNT) {
      throw new AppError('limit_reached', `An account has at most ${MAX_ENDPOINTS_PER_ACCOUNT} webhook endpoints: delete one first`);
    }
    const row: WebhookEndpointTable = {
      id: newId('whe'),
      account_id: accountId,
      url,
      description: input.description ?? null,
      events: JSON.stringify(events),
      secret,
      previous_secret: null,
      previous_secret_expires_at: null,
      status: 'enabled',
      disabled_reason: null,
      failing_since: null,
      cursor_seq: await lastEventSeq(trx, accountId),
      queued_count: 0,
      created_at: at,
      updated_at: at,
    };
    await insertEndpoint(trx, row);
    // The answer holds the secret, which is never stored with it: a retry is told what was made.
    await tieToIdempotencyKey(trx, claim, `webhook_endpoint:${row.id}`);
    return row;
  });
  return { endpoint: endpointOf(row), secret };
}

export function endpointsOf(deps: Pick<ServiceDeps, 'database'>, accountId: string): Promise<WebhookEndpoint[]> {
  return listEndpoints(deps.database.db, accountId);
}

export async function endpointOfAccount(deps: Pick<ServiceDeps, 'database'>, accountId: string, id: string): Promise<WebhookEndpoint & { pendingDeliveries: number }> {
  const row = await findEndpointRow(deps.database.db, accountId, id);
  if (!row) throw endpointNotFound(id);
  return { ...endpointOf(row), pendingDeliveries: await countPendingDeliveries(deps.database.db, id) };
}

/**
 * `PATCH /webhooks/{id}`: a new URL applies to every delivery not yet made, queued ones included; new
 * kinds to the events queued from then on; enabling
 * an endpoint again (its owner's, or one Bilby disabled) resumes its deliveries where they stopped,
 * queued events included, and forgets its failures.
 */
export async function changeEndpoint(deps: ServiceDeps, accountId: string, id: string, changes: EndpointChanges): Promise<WebhookEndpoint> {
  const url = changes.url === undefined ? undefined : await allowedUrl(deps, changes.url);
  const events = changes.events === undefined ? undefined : JSON.stringify(normaliseEventChoices(changes.events));
  const at = isoNow(deps);
  const row = await deps.database.writeTransaction(async (trx) => {
    const current = await requireEndpoint(trx, accountId, id);
    const update: Partial<WebhookEndpointTable> = { updated_at: at };
    if (url !== undefined) update.url = url;
    if (events !== undefined) update.events = events;
    if (changes.description !== undefined) update.description = changes.description;
    if (changes.status !== undefined && changes.status !== current.status) {
      update.status = changes.status;
      update.disabled_reason = changes.status === 'disabled' ? 'disabled by its owner' : null;
      if (changes.status === 'enabled') update.failing_since = null;
      await parkDeliveries(trx, id, changes.status === 'disabled', at);
    }
    return updateEndpoint(trx, id, update);
  });
  return endpointOf(row);
}

/** `DELETE /webhooks/{id}`: the endpoint, its queued deliveries and its log. */
export async function removeEndpoint(deps: ServiceDeps, accountId: string, id: string): Promise<WebhookEndpoint> {
  return deps.database.writeTransaction(async (trx) => {
    const row = await requireEndpoint(trx, accountId, id);
    await deleteEndpoint(trx, id);
    return endpointOf(row);
  });
}

/**
 * `POST /webhooks/{id}/rotate-secret`: a new secret signs every delivery from now on; the one it
 * replaces signs them beside it for `overlapHours` (two v1 signatures), time for the receiver to
 * take the new one. A rotation during an overlap ends the older secret's at once.
 */
export async function rotateEndpointSecret(
  deps: ServiceDeps,
  accountId: string,
  id: string,
  overlapHours: number,
  claim?: IdempotencyClaim | null,
): Promise<EndpointWithSecret> {
  if (!Number.isInteger(overlapHours) || overlapHours < 0 || overlapHours > MAX_SECRET_OVERLAP_HOURS) {
    throw invalidRequest('expire_previous_in_hours', `must be a whole number of hours from 0 to ${MAX_SECRET_OVERLAP_HOURS}`);
  }
  const secret = newWebhookSecret();
  const now = deps.clock();
  const row = await deps.database.writeTransaction(async (trx) => {
    const current = await requireEndpoint(trx, accountId, id);
    await tieToIdempotencyKey(trx, claim, `webhook_secret:${id}`);
    return updateEndpoint(trx, id, {
      secret,
      previous_secret: overlapHours === 0 ? null : current.secret,
      previous_secret_expires_at: overlapHours === 0 ? null : new Date(now.getTime() + overlapHours * HOUR_MS).toISOString(),
      updated_at: now.toISOString(),
    });
  });
  return { endpoint: endpointOf(row), secret };
}

/** `GET /webhooks/{id}/attempts`: every attempt to deliver to the endpoint, newest first. */
export async function endpointAttempts(deps: Pick<ServiceDeps, 'database'>, accountId: string, id: string, page: PageRequest): Promise<Page<LoggedAttempt>> {
  if (!(await findEndpointRow(deps.database.db, accountId, id))) throw endpointNotFound(id);
  if (page.after !== undefined && !/^wha_[0-9a-f]{32}$/.test(page.after)) throw invalidRequest('cursor', 'is not a cursor this API returned');
  return listAttempts(deps.database.db, id, page);
}

/** The endpoint, taken for the transaction (PostgreSQL), or 404 not_found. */
export async function requireEndpoint(ex: Parameters<typeof findEndpointRow>[0], accountId: string, id: string): Promise<WebhookEndpointRow> {
  const row = await findEndpointRow(ex, accountId, id, true);
  if (!row) throw endpointNotFound(id);
  return row;
}

function endpointNotFound(id: string): AppError {
  return new AppError('not_found', `No webhook endpoint ${id} on this account`);
}

/**
 * The URL if Bilby may deliver to it: unless the operator allows private addresses, its host must
 * be a public address or a name whose every address is public now (each delivery checks again).
 * A name that does not resolve now is accepted: its deliveries fail and are retried until it does.
 */
async function allowedUrl(deps: Pick<ServiceDeps, 'settings'>, text: string): Promise<string> {
  const url = parseWebhookUrl(text);
  if (deps.settings.webhooks.allowPrivate) return url.href;
  const host = hostOf(url);
  const refuse = (why: string) =>
    new AppError('url_not_allowed', `url: ${why}; Bilby delivers only to public addresses`, { errors: [{ field: 'url', message: why }] });
  if (isIP(host) !== 0) {
    if (!isPublicAddress(host)) throw refuse(`${host} is not a public address`);
    return url.href;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) throw refuse(`${host} is this machine`);
  const addresses = await resolveWithin(host, LOOKUP_TIMEOUT_MS);
  const refused = addresses.find((address) => !isPublicAddress(address));
  if (refused) throw refuse(`${host} resolves to ${refused}, which is not a public address`);
  return url.href;
}

async function resolveWithin(host: string, timeoutMs: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<string[]>((resolve) => (timer = setTimeout(() => resolve([]), timeoutMs)));
  try {
    return await Promise.race([lookup(host, { all: true }).then((found) => found.map((entry) => entry.address)).catch(() => []), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
