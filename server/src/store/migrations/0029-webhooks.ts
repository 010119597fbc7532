import { sql, type Kysely } from 'kysely';

/**
 * Webhook endpoints and their deliveries (issue 20). The account event stream stays the outbox: a
 * purchase writes its event and nothing more, and the delivery workers fan the stream out to each
 * endpoint after it (`cursor_seq`: the account's events already queued for the endpoint). A
 * delivery is one event for one endpoint (`round` 0, or a replay's); its attempts are kept. A
 * delivery waiting behind another (its number's earlier one failing, its endpoint disabled) is
 * moved out of the due range (`next_attempt_at`), so that claims do not read it on every poll.
 * Deleting an endpoint deletes its deliveries and their attempts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_endpoint')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_expires_at', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('enabled', 'disabled')`))
    .addColumn('disabled_reason', 'text')
    .addColumn('failing_since', 'text')
    .addColumn('cursor_seq', 'bigint', (c) => c.notNull())
    // Deliveries queued for it so far: each takes the next place (its queue_pos).
    .addColumn('queued_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_endpoint_by_account').on('webhook_endpoint').columns(['account_id', 'id']).execute();

  await db.schema
    .createTable('webhook_delivery')
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoint.id').onDelete('cascade'))
    .addColumn('event_seq', 'bigint', (c) => c.notNull())
    .addColumn('round', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    // Deliveries of one key go in the order they were queued: the number's, or '' for the account's own.
    .addColumn('order_key', 'text', (c) => c.notNull())
    .addColumn('queue_pos', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('pending', 'delivered', 'failed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    // A worker sending it holds it until then; past it, a crash is presumed and it is sent again.
    .addColumn('locked_until', 'text')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .addPrimaryKeyConstraint('webhook_delivery_pk', ['endpoint_id', 'event_seq', 'round'])
    .execute();
  await sql`CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at) WHERE status = 'pending'`.execute(db);
  await sql`CREATE INDEX webhook_delivery_queue ON webhook_delivery (endpoint_id, order_key, queue_pos) WHERE status = 'pending'`.execute(db);
  // The deliveries being sent (or left held by a crash): few, counted per endpoint by every claim.
  await sql`CREATE INDEX webhook_delivery_held ON webhook_delivery (locked_until, endpoint_id) WHERE status = 'pending' AND locked_until IS NOT NULL`.execute(db);
  await db.schema.createIndex('webhook_delivery_by_age').on('webhook_delivery').columns(['created_at']).execute();

  await db.schema
    .createTable('webhook_attempt')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('event_seq', 'bigint', (c) => c.notNull())
    .addColumn('round', 'integer', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addForeignKeyConstraint('webhook_attempt_delivery', ['endpoint_id', 'event_seq', 'round'], 'webhook_delivery', ['endpoint_id', 'event_seq', 'round'], (c) =>
      c.onDelete('cascade'),
    )
    .execute();
  await db.schema.createIndex('webhook_attempt_by_endpoint').on('webhook_attempt').columns(['endpoint_id', 'id']).execute();
  await db.schema.createIndex('webhook_attempt_by_delivery').on('webhook_attempt').columns(['endpoint_id', 'event_seq', 'round']).execute();
}
