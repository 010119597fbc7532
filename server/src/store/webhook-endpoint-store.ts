import type { Selectable } from 'kysely';
import type { WebhookEndpoint, WebhookEventChoice } from '../domain/webhook-endpoint.js';
import { dialectOf, type Executor } from './dialect.js';
import type { WebhookEndpointTable } from './tables.js';

export type WebhookEndpointRow = Selectable<WebhookEndpointTable>;

/** What a delivery needs of its endpoint: where, which secrets sign it, and whether it still wants it. */
export interface EndpointTarget {
  id: string;
  accountId: string;
  url: string;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: string | null;
  status: WebhookEndpoint['status'];
}

export async function insertEndpoint(ex: Executor, row: WebhookEndpointTable): Promise<void> {
  await ex.insertInto('webhook_endpoint').values(row).execute();
}

export async function countEndpoints(ex: Executor, accountId: string): Promise<number> {
  const row = await ex
    .selectFrom('webhook_endpoint')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listEndpoints(ex: Executor, accountId: string): Promise<WebhookEndpoint[]> {
  const rows = await ex.selectFrom('webhook_endpoint').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
  return rows.map(endpointOf);
}

/** The account's endpoint; on PostgreSQL locked for the rest of the transaction when `lock` is set. */
export async function findEndpointRow(ex: Executor, accountId: string, id: string, lock = false): Promise<WebhookEndpointRow | undefined> {
  let query = ex.selectFrom('webhook_endpoint').selectAll().where('account_id', '=', accountId).where('id', '=', id);
  if (lock && dialectOf(ex) === 'postgres') query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function updateEndpoint(ex: Executor, id: string, changes: Partial<WebhookEndpointTable>): Promise<WebhookEndpointRow> {
  return ex.updateTable('webhook_endpoint').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** Deletes the endpoint with its deliveries and their attempts (the foreign keys cascade). */
export async function deleteEndpoint(ex: Executor, id: string): Promise<void> {
  await ex.deleteFrom('webhook_endpoint').where('id', '=', id).execute();
}

/** The account's last event number: an endpoint made now hears the events after it. */
export async function lastEventSeq(ex: Executor, accountId: string): Promise<number> {
  const row = await ex.selectFrom('account').select('event_seq').where('id', '=', accountId).executeTakeFirstOrThrow();
  return Number(row.event_seq);
}

/** Whether any account has an enabled endpoint: while none has, no event needs fanning out. */
export async function anyEnabledEndpoint(ex: Executor): Promise<boolean> {
  return (await ex.selectFrom('webhook_endpoint').select('id').where('status', '=', 'enabled').limit(1).executeTakeFirst()) !== undefined;
}

/** Enabled endpoints whose account has events not yet queued for them. */
export async function endpointsBehind(ex: Executor): Promise<string[]> {
  const rows = await ex
    .selectFrom('webhook_endpoint')
    .innerJoin('account', 'account.id', 'webhook_endpoint.account_id')
    .select('webhook_endpoint.id')
    .where('webhook_endpoint.status', '=', 'enabled')
    .whereRef('account.event_seq', '>', 'webhook_endpoint.cursor_seq')
    .execute();
  return rows.map((row) => row.id);
}

export async function endpointTargets(ex: Executor, ids: readonly string[]): Promise<Map<string, EndpointTarget>> {
  if (ids.length === 0) return new Map();
  const rows = await ex
    .selectFrom('webhook_endpoint')
    .select(['id', 'account_id', 'url', 'secret', 'previous_secret', 'previous_secret_expires_at', 'status'])
    .where('id', 'in', [...ids])
    .execute();
  return new Map(
    rows.map((row) => [
      row.id,
      {
        id: row.id,
        accountId: row.account_id,
        url: row.url,
        secret: row.secret,
        previousSecret: row.previous_secret,
        previousSecretExpiresAt: row.previous_secret_expires_at,
        status: row.status,
      },
    ]),
  );
}

export function endpointOf(row: WebhookEndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    accountId: row.account_id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as WebhookEventChoice[],
    status: row.status,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A delivery to the endpoint succeeded: its failures are forgotten. */
export async function markEndpointSucceeded(ex: Executor, id: string): Promise<void> {
  await ex.updateTable('webhook_endpoint').set({ failing_since: null }).where('id', '=', id).where('failing_since', 'is not', null).execute();
}

/** A delivery to the endpoint failed: since when it has been failing, and whether it is still enabled. */
export async function markEndpointFailed(ex: Executor, id: string, at: string): Promise<WebhookEndpointRow | undefined> {
  return ex
    .updateTable('webhook_endpoint')
    .set((eb) => ({ failing_since: eb.fn.coalesce('failing_since', eb.val(at)) }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}
