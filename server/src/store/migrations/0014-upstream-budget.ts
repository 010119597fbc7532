import type { Kysely } from 'kysely';

/**
 * The upstream's request budget, shared by every process: one row per request the upstream allows
 * in its window, holding when the last request given that slot was (to be) sent, in epoch ms.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('upstream_budget_slot')
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('sent_at_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('upstream_budget_slot_pk', ['carrier', 'slot'])
    .execute();
}
