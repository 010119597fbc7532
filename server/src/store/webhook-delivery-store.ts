import { sql } from 'kysely';
import type { AccountEvent, AccountEventKind } from '../domain/account-event.js';
import { newId } from '../domain/ids.js';
import type { PageRequest, Page } from '../domain/page.js';
import type { LoggedAttempt, WebhookEventChoice } from '../domain/webhook-endpoint.js';
import { dialectOf, type Executor } from './dialect.js';
import { jsonRows } from './json-rows.js';
import { fetchLimit, toPage } from './page.js';
import type { WebhookAttemptTable, WebhookDeliveryTable } from './tables.js';

/** One event for one endpoint: its key. */
export interface DeliveryKey {
  endpointId: string;
  eventSeq: number;
  round: number;
}

export interface ClaimedDelivery extends DeliveryKey {
  accountId: string;
  eventId: string;
  kind: AccountEventKind;
  orderKey: string;
  queuePos: number;
  /** Attempts before this one. */
  attempts: number;
  createdAt: string;
  /** Held by this claim until then: only its holder moves it on. */
  lockedUntil: string;
}

/** Where a delivery waits while it cannot be sent (its endpoint disabled): past every due range. */
export const PARKED = '9999-12-31T00:00:00.000Z';

/**
 * Queues the account's events after the endpoint's cursor for it, at most `limit` of them read,
 * and moves the cursor past them; the kinds it does not want are passed over. Undefined when another
 * process is queueing for it (PostgreSQL: the endpoint's row is taken, SKIP LOCKED) or it is gone.
 */
export async function queueEvents(ex: Executor, endpointId: string, at: string, limit: number): Promise<number | undefined> {
  let query = ex.selectFrom('webhook_endpoint').select(['account_id', 'cursor_seq', 'events', 'status']).where('id', '=', endpointId);
  if (dialectOf(ex) === 'postgres') query = query.forUpdate().skipLocked();
  const endpoint = await query.executeTakeFirst();
  if (!endpoint || endpoint.status !== 'enabled') return undefined;
  const events = await ex
    .selectFrom('account_event')
    .select(['seq', 'id', 'kind', 'did_number'])
    .where('account_id', '=', endpoint.account_id)
    .where('seq', '>', Number(endpoint.cursor_seq))
    .orderBy('seq')
    .limit(limit)
    .execute();
  if (events.length === 0) return 0;
  const wanted = new Set(JSON.parse(endpoint.events) as WebhookEventChoice[]);
  const queued = events.filter((event) => wanted.has('*') || wanted.has(event.kind));
  await insertDeliveries(
    ex,
    endpointId,
    queued.map((event) => ({ accountId: endpoint.account_id, seq: Number(event.seq), round: 0, id: event.id, kind: event.kind, didNumber: event.did_number })),
    at,
    at,
  );
  await ex.updateTable('webhook_endpoint').set({ cursor_seq: Number(events[events.length - 1]!.seq) }).where('id', '=', endpointId).execute();
  return events.length;
}

interface NewDelivery {
  accountId: string;
  seq: number;
  round: number;
  id: string;
  kind: string;
  didNumber: string | null;
}

/**
 * Queues deliveries for the endpoint in this order, each at the next place of its queue (the caller
 * holds the endpoint's row: the queueing fan-out and replays take it first), due at `dueAt`.
 */
async function insertDeliveries(ex: Executor, endpointId: string, deliveries: readonly NewDelivery[], at: string, dueAt: string): Promise<void> {
  if (deliveries.length === 0) return;
  const moved = await ex
    .updateTable('webhook_endpoint')
    .set((eb) => ({ queued_count: eb('queued_count', '+', deliveries.length) }))
    .where('id', '=', endpointId)
    .returning('queued_count')
    .executeTakeFirstOrThrow();
  const first = Number(moved.queued_count) - deliveries.length + 1;
  const rows = jsonRows(
    ex,
    deliveries.map((d, i) => [endpointId, d.seq, d.round, d.accountId, d.id, d.kind, d.didNumber ?? '', first + i]),
    { endpoint_id: 'text', event_seq: 'bigint', round: 'integer', account_id: 'text', event_id: 'text', kind: 'text', order_key: 'text', queue_pos: 'bigint' },
  );
  // WHERE true: SQLite reads an ON after a SELECT's FROM as a join's unless a WHERE comes between.
  await sql`
    INSERT INTO webhook_delivery (endpoint_id, event_seq, round, account_id, event_id, kind, order_key, queue_pos, status, attempts, next_attempt_at, created_at)
    SELECT j.endpoint_id, j.event_seq, j.round, j.account_id, j.event_id, j.kind, j.order_key, j.queue_pos, 'pending', 0, ${dueAt}, ${at} FROM ${rows} AS j
    WHERE true ON CONFLICT DO NOTHING`.execute(ex);
}

/**
 * Takes up to `limit` due deliveries for sending, each held until `leaseUntil`. A delivery is due
 * when its next attempt has come, no worker holds it (or its holder's lease ran out: a crash), its
 * endpoint is enabled and nothing queued before it for its number (its order key) on that endpoint
 * is still to be delivered, so that one number's deliveries arrive in the order they were queued.
 * No endpoint gets more than `perEndpoint` in flight, counting those held already, and the
 * endpoints take turns (each one's first due delivery, then each one's second...), so that one
 * slow receiver or one large backlog cannot take every slot from the others.
 *
 * The rows are picked in a materialised step before the update: PostgreSQL may otherwise run a
 * LIMIT ... FOR UPDATE SKIP LOCKED subquery again for each row it updates, each time locking the
 * next rows, and take far more than the limit. Rows another worker is taking are skipped (SKIP
 * LOCKED), and a row taken meanwhile is checked again as it is locked.
 */
export async function claimDeliveries(ex: Executor, now: string, leaseUntil: string, limit: number, perEndpoint: number): Promise<ClaimedDelivery[]> {
  const lock = dialectOf(ex) === 'postgres' ? sql`FOR UPDATE OF d SKIP LOCKED` : sql``;
  const result = await sql<WebhookDeliveryTable>`
    WITH due AS MATERIALIZED (
      SELECT d.endpoint_id, d.event_seq, d.round, d.next_attempt_at,
        ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.queue_pos) AS turn
      FROM webhook_delivery d
      JOIN webhook_endpoint e ON e.id = d.endpoint_id AND e.status = 'enabled'
      WHERE d.status = 'pending' AND d.next_attempt_at <= ${now} AND (d.locked_until IS NULL OR d.locked_until <= ${now})
        AND NOT EXISTS (
          SELECT 1 FROM webhook_delivery p
          WHERE p.endpoint_id = d.endpoint_id AND p.order_key = d.order_key AND p.status = 'pending' AND p.queue_pos < d.queue_pos)
    ), held AS MATERIALIZED (
      SELECT endpoint_id, count(*) AS n FROM webhook_delivery
      WHERE status = 'pending' AND locked_until IS NOT NULL AND locked_until > ${now}
      GROUP BY endpoint_id
    ), picked AS MATERIALIZED (
      SELECT d.endpoint_id, d.event_seq, d.round FROM webhook_delivery d
      JOIN due ON due.endpoint_id = d.endpoint_id AND due.event_seq = d.event_seq AND due.round = d.round
      LEFT JOIN held ON held.endpoint_id = d.endpoint_id
      WHERE due.turn + COALESCE(held.n, 0) <= ${perEndpoint}
        AND d.status = 'pending' AND (d.locked_until IS NULL OR d.locked_until <= ${now})
      ORDER BY due.turn, due.next_attempt_at
      LIMIT ${limit}
      ${lock}
    )
    UPDATE webhook_delivery SET locked_until = ${leaseUntil}
    WHERE (endpoint_id, event_seq, round) IN (SELECT endpoint_id, event_seq, round FROM picked)
    RETURNING *`.execute(ex);
  return result.rows
    .map((row) => ({
      endpointId: row.endpoint_id,
      eventSeq: Number(row.event_seq),
      round: Number(row.round),
      accountId: row.account_id,
      eventId: row.event_id,
      kind: row.kind,
      orderKey: row.order_key,
      queuePos: Number(row.queue_pos),
      attempts: Number(row.attempts),
      createdAt: row.created_at,
      lockedUntil: leaseUntil,
    }))
    .sort((a, b) => a.queuePos - b.queuePos);
}

/** Lets go of a claimed delivery without an attempt (the server is shutting down): due again at once. */
export async function releaseClaim(ex: Executor, delivery: DeliveryKey & { lockedUntil: string }): Promise<void> {
  await ex
    .updateTable('webhook_delivery')
    .set({ locked_until: null })
    .where('endpoint_id', '=', delivery.endpointId)
    .where('event_seq', '=', delivery.eventSeq)
    .where('round', '=', delivery.round)
    .where('locked_until', '=', delivery.lockedUntil)
    .execute();
}

/** The claimed deliveries' events, by `accountId:seq`; an event pruned since is missing. */
export async function eventsOfDeliveries(ex: Executor, deliveries: readonly ClaimedDelivery[]): Promise<Map<string, AccountEvent>> {
  const events = new Map<string, AccountEvent>();
  if (deliveries.length === 0) return events;
  const keys = jsonRows(ex, deliveries.map((d) => [d.accountId, d.eventSeq]), { account_id: 'text', seq: 'bigint' });
  const rows = await sql<{ account_id: string; seq: number | string; id: string; kind: AccountEventKind; did_number: string | null; data: string; created_at: string }>`
    SELECT e.account_id, e.seq, e.id, e.kind, e.did_number, e.data, e.created_at
    FROM account_event e JOIN ${keys} AS k ON e.account_id = k.account_id AND e.seq = k.seq`.execute(ex);
  for (const row of rows.rows) {
    events.set(`${row.account_id}:${Number(row.seq)}`, {
      id: row.id,
      cursor: String(Number(row.seq)),
      kind: row.kind,
      did_number: row.did_number,
      data: JSON.parse(row.data) as AccountEvent['data'],
      created_at: row.created_at,
    });
  }
  return events;
}

/** What one attempt came to. */
export interface AttemptOutcome {
  delivered: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  at: string;
  /** When to try again after a failure; null gives up on it. */
  retryAt: string | null;
}

/**
 * Logs the attempt and moves its delivery on: delivered, due again at `retryAt` (and the deliveries
 * queued behind it for its number with it: they cannot go first), or given up on. Only while this
 * claim still holds it: a worker whose lease ran out (another took the delivery over) logs its
 * attempt and leaves the state to the new holder. False when the delivery is gone (its endpoint deleted).
 */
export async function recordAttempt(ex: Executor, delivery: ClaimedDelivery, outcome: AttemptOutcome): Promise<boolean> {
  const exists = await ex
    .selectFrom('webhook_delivery')
    .select('attempts')
    .where('endpoint_id', '=', delivery.endpointId)
    .where('event_seq', '=', delivery.eventSeq)
    .where('round', '=', delivery.round)
    .executeTakeFirst();
  if (!exists) return false;
  const attempt: WebhookAttemptTable = {
    id: newId('wha'),
    endpoint_id: delivery.endpointId,
    event_seq: delivery.eventSeq,
    round: delivery.round,
    attempt: Number(exists.attempts) + 1,
    status_code: outcome.statusCode,
    error: outcome.error,
    duration_ms: Math.round(outcome.durationMs),
    at: outcome.at,
  };
  await ex.insertInto('webhook_attempt').values(attempt).execute();
  const next: Partial<WebhookDeliveryTable> = outcome.delivered
    ? { status: 'delivered', delivered_at: outcome.at }
    : outcome.retryAt === null
      ? { status: 'failed' }
      : { next_attempt_at: outcome.retryAt };
  const moved = await ex
    .updateTable('webhook_delivery')
    .set((eb) => ({ ...next, attempts: eb('attempts', '+', 1), locked_until: null, last_status_code: outcome.statusCode, last_error: outcome.error }))
    .where('endpoint_id', '=', delivery.endpointId)
    .where('event_seq', '=', delivery.eventSeq)
    .where('round', '=', delivery.round)
    .where('status', '=', 'pending')
    .where('locked_until', '=', delivery.lockedUntil)
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) === 1 && !outcome.delivered && outcome.retryAt !== null) {
    await ex
      .updateTable('webhook_delivery')
      .set({ next_attempt_at: outcome.retryAt })
      .where('endpoint_id', '=', delivery.endpointId)
      .where('order_key', '=', delivery.orderKey)
      .where('status', '=', 'pending')
      .where('queue_pos', '>', delivery.queuePos)
      .where('next_attempt_at', '<', outcome.retryAt)
      .execute();
  }
  return true;
}

/** The endpoint's pending deliveries wait (disabled: `parked`) or are due again at `at` (enabled again). */
export async function parkDeliveries(ex: Executor, endpointId: string, parked: boolean, at: string): Promise<void> {
  let query = ex.updateTable('webhook_delivery').set({ next_attempt_at: parked ? PARKED : at }).where('endpoint_id', '=', endpointId).where('status', '=', 'pending');
  if (!parked) query = query.where('next_attempt_at', '=', PARKED);
  await query.execute();
}

/**
 * Queues the range's events again for the endpoint (the kinds it wants), as new rounds, at most
 * `limit`; returns their numbers and whether the range holds more.
 */
export async function replayEvents(
  ex: Executor,
  endpoint: { id: string; accountId: string; events: readonly WebhookEventChoice[]; enabled: boolean },
  range: { afterSeq: number; throughSeq: number | null },
  at: string,
  limit: number,
): Promise<{ seqs: number[]; more: boolean }> {
  let query = ex
    .selectFrom('account_event')
    .select(['seq', 'id', 'kind', 'did_number'])
    .where('account_id', '=', endpoint.accountId)
    .where('seq', '>', range.afterSeq)
    .orderBy('seq')
    .limit(limit + 1);
  if (range.throughSeq !== null) query = query.where('seq', '<=', range.throughSeq);
  if (!endpoint.events.includes('*')) query = query.where('kind', 'in', endpoint.events as AccountEventKind[]);
  const read = await query.execute();
  const events = read.slice(0, limit);
  if (events.length === 0) return { seqs: [], more: false };
  const rounds = new Map<number, number>();
  for (let i = 0; i < events.length; i += 500) {
    const seqs = events.slice(i, i + 500).map((event) => Number(event.seq));
    const rows = await ex
      .selectFrom('webhook_delivery')
      .select(['event_seq', (eb) => eb.fn.max('round').as('last')])
      .where('endpoint_id', '=', endpoint.id)
      .where('event_seq', 'in', seqs)
      .groupBy('event_seq')
      .execute();
    for (const row of rows) rounds.set(Number(row.event_seq), Number(row.last));
  }
  await insertDeliveries(
    ex,
    endpoint.id,
    events.map((event) => ({
      accountId: endpoint.accountId,
      seq: Number(event.seq),
      round: (rounds.get(Number(event.seq)) ?? -1) + 1,
      id: event.id,
      kind: event.kind,
      didNumber: event.did_number,
    })),
    at,
    endpoint.enabled ? at : PARKED,
  );
  return { seqs: events.map((event) => Number(event.seq)), more: read.length > limit };
}


/** The endpoint's attempts, newest first. */
export async function listAttempts(ex: Executor, endpointId: string, page: PageRequest): Promise<Page<LoggedAttempt>> {
  let query = ex
    .selectFrom('webhook_attempt as a')
    .innerJoin('webhook_delivery as d', (join) =>
      join.onRef('d.endpoint_id', '=', 'a.endpoint_id').onRef('d.event_seq', '=', 'a.event_seq').onRef('d.round', '=', 'a.round'),
    )
    .select(['a.id', 'd.event_id', 'd.kind', 'a.round', 'a.attempt', 'a.status_code', 'a.error', 'a.duration_ms', 'a.at', 'd.status', 'd.next_attempt_at'])
    .where('a.endpoint_id', '=', endpointId)
    .orderBy('a.id', 'desc');
  if (page.after) query = query.where('a.id', '<', page.after);
  const limit = fetchLimit(page);
  if (limit !== undefined) query = query.limit(limit);
  const rows = (await query.execute()).map((row) => ({
    id: row.id,
    eventId: row.event_id,
    kind: row.kind,
    round: Number(row.round),
    attempt: Number(row.attempt),
    statusCode: row.status_code === null ? null : Number(row.status_code),
    error: row.error,
    durationMs: Number(row.duration_ms),
    at: row.at,
    deliveryStatus: row.status,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
  }));
  return toPage(rows, page, (attempt) => attempt.id);
}

/** The endpoint's deliveries still to be made. */
export async function countPendingDeliveries(ex: Executor, endpointId: string): Promise<number> {
  const row = await ex
    .selectFrom('webhook_delivery')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Drops deliveries (and their attempts) finished before `before`, at most `limit`; returns how many went. */
export async function pruneDeliveries(ex: Executor, before: string, limit: number): Promise<number> {
  const result = await sql`
    DELETE FROM webhook_delivery WHERE (endpoint_id, event_seq, round) IN (
      SELECT endpoint_id, event_seq, round FROM webhook_delivery WHERE created_at < ${before} AND status <> 'pending' ORDER BY created_at LIMIT ${limit})`.execute(ex);
  return Number(result.numAffectedRows ?? 0);
}
