import type { Kysely } from 'kysely';

/** Idempotency keys (scoped to the account) and per-key rate-limit windows shared by all processes. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('idempotency_key')
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('order_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_key_pk', ['account_id', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_key_by_age').on('idempotency_key').column('created_at').execute();

  await db.schema
    .createTable('rate_limit_window')
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('window_start', 'text', (c) => c.notNull())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limit_window_pk', ['key_id', 'window_start'])
    .execute();
}
