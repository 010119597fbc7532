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
  // A completed purchase's event, on SQLite, from the order's own completion: written by SQLite in
  // the statement that completes the order instead of by one more statement from the server, on
  // the purchase's hot path (PostgreSQL's completion is one statement, which has a clause for it).
  // Its id is the order's: one purchase event per order. An order placed before migration 0027
  // names no actor: its event names the system's (on both engines).
  if (dialectOf(db) === 'sqlite') {
    await sql`
      CREATE TRIGGER account_event_on_purchase AFTER UPDATE OF status ON purchase_order
      WHEN old.status = 'pending' AND new.status = 'completed'
      BEGIN
        UPDATE account SET event_seq = event_seq + 1 WHERE id = new.account_id;
        INSERT INTO account_event (account_id, seq, id, kind, did_number, data, created_at)
        SELECT new.account_id, account.event_seq, 'evt_' || substr(new.id, 5), 'number.purchased', new.did_number,
          json_object('did_number', new.did_number, 'order_id', new.id, 'amount_cents', new.amount_cents, 'configuration', json_object(
            'primary_route', new.primary_route, 'primary_destination', new.primary_destination, 'address_id', new.address_id,
            'person_id', new.person_id, 'description', new.description),
            'actor', coalesce(new.actor, 'system'), 'request_id', new.request_id),
          new.completed_at
        FROM account WHERE account.id = new.account_id;
      END`.execute(db);
  }
}
