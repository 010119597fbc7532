import type { Kysely } from 'kysely';

/**
 * The id of what a key's write created (an order, a ledger transaction), written in that write's own
 * transaction: a process that dies after the commit but before the answer is stored leaves the key
 * tied to its result, and a retry answers from it instead of running the write again.
 *
 * And the claim's token, new with each request that claims or takes over the key: every later write
 * to the record names it, so a request that lost the key (to a takeover, or to a retry after its
 * order failed) can neither tie it, answer for it nor release it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('idempotency_record').addColumn('result_id', 'text').execute();
  await db.schema.alterTable('idempotency_record').addColumn('claim_token', 'text', (c) => c.notNull().defaultTo('')).execute();
}
