import { sql, type Kysely } from 'kysely';

/**
 * Every number's history (issue 19): `number_event`, one row per change to a number, written in the
 * transaction that makes the change. `account_id` is the owner whose tenure the event belongs to;
 * the index serves both a customer's history (their own events of one number) and the operator's.
 *
 * `kind` has no check: the closed set is the domain's (domain/number-event.ts), and a new kind
 * must not cost SQLite a rebuild of what is the largest append-only table.
 *
 * The sales and releases made before this migration get their event from their order, marked
 * `backfilled`, its id made from the order's own (time-ordered) id so that histories stay in order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('number_event')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('did_number', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('number_event_by_number').on('number_event').columns(['did_number', 'account_id', 'id']).execute();

  await sql`
    INSERT INTO number_event (id, did_number, account_id, kind, details, actor, request_id, created_at)
    SELECT 'evt_' || substr(id, 5), did_number, account_id, 'purchased',
      '{"order_id":"' || id || '","amount_cents":' || CAST(amount_cents AS text) || ',"configuration":{},"backfilled":true}',
      'system', NULL, coalesce(completed_at, updated_at)
    FROM purchase_order WHERE status = 'completed'`.execute(db);
  await sql`
    INSERT INTO number_event (id, did_number, account_id, kind, details, actor, request_id, created_at)
    SELECT 'evt_' || substr(id, 5), did_number, account_id, 'released', '{"release_id":"' || id || '","backfilled":true}', 'system', NULL, updated_at
    FROM release_order WHERE status = 'completed'`.execute(db);
}
