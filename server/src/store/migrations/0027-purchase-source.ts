import type { Kysely } from 'kysely';

/**
 * Who asked for a purchase (`actor`: the buyer's API key, or the operator) and in which request,
 * recorded on the order when it is placed: the number's history reads its `purchased` event from
 * the completed order and its tenure, so a purchase writes no event row of its own. Orders placed
 * before this migration have neither, and keep the event their completion wrote.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('purchase_order').addColumn('actor', 'text').execute();
  await db.schema.alterTable('purchase_order').addColumn('request_id', 'text').execute();
}
