import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';

/**
 * The accounts' event streams (issue 20), written in the transaction of the change each reports.
 * An account's events are numbered by `account.event_seq`, which each writing transaction moves
 * on under the account row's lock: on PostgreSQL two transactions of one account take their numbers
 * in the order they commit, so a reader that has seen number n never later finds a smaller one
 * appear. The key (account, seq) is the stream's order; the `evt_` id names an event everywhere.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('account').addColumn('event_seq', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema
    .createTable('account_event')
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('did_number', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_event_pk', ['account_id', 'seq'])
    // SQLite: the rows live in the key's b-tree, one b-tree fewer to write per event.
    .$call((table) => (dialectOf(db) === 'sqlite' ? table.modifyEnd(sql`WITHOUT ROWID`) : table))
    .execute();
}
