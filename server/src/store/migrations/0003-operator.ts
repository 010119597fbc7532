import { sql, type Kysely } from 'kysely';

/**
 * The operator API: prices per number type, a flag telling a number's own price from its type's,
 * and idempotency keys scoped to an account or to the operator (so they no longer reference an
 * account; the table is rebuilt under a new name because SQLite cannot drop a foreign key).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('number_price')
    .addColumn('number_type', 'text', (c) => c.primaryKey())
    .addColumn('setup_cost_cents', 'bigint', (c) => c.notNull())
    .addColumn('monthly_cost_cents', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('number_price_type_known', sql`number_type IN ('geographic', 'mobile', 'tollfree', 'local_rate')`)
    .addCheckConstraint('number_price_not_negative', sql`setup_cost_cents >= 0 AND monthly_cost_cents >= 0`)
    .execute();

  // Numbers already in stock were priced one by one.
  await db.schema
    .alterTable('phone_number')
    .addColumn('custom_price', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('idempotency_record')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('order_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_record_pk', ['scope', 'key'])
    .execute();
  await sql`
    INSERT INTO idempotency_record
      (scope, key, fingerprint, state, response_status, response_body, order_id, created_at, updated_at)
    SELECT account_id, key, fingerprint, state, response_status, response_body, order_id, created_at, updated_at
    FROM idempotency_key`.execute(db);
  await db.schema.dropTable('idempotency_key').execute();
  await db.schema.createIndex('idempotency_record_by_age').on('idempotency_record').column('created_at').execute();
}
