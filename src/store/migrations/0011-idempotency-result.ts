import type { Kysely } from 'kysely';

/**
 * The id of what a key's write created (an order, a ledger transaction), written in that write's own
 * transaction: a process that dies after the commit but before the answer is stored leaves the key
 * tied to its result, and a retry answers from it instead of running the write again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('idempotency_record').addColumn('result_id', 'text').execute();
}
