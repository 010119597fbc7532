import { sql, type Kysely } from 'kysely';

/**
 * Which carrier provisions each number, and what an upstream charges for it. A reseller sells
 * upstream's numbers beside ranges of its own: the catalogue sync manages only the upstream's.
 *
 * Until now a database had one carrier for every number, the one configured, so the numbers are
 * back-filled with the carrier the database has been served with: `crazytel` once a server ran in
 * reseller mode on it (the upstream's request budget exists, or an order was provisioned
 * upstream), `simulated` otherwise.
 *
 * The upstream's cost is copied onto each purchase order as it is placed, so that margins report
 * what a sale cost even after the number is repriced or sold again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('phone_number')
    .addColumn('carrier', 'text', (c) => c.notNull().defaultTo('simulated'))
    .execute();
  for (const column of ['upstream_setup_cost_cents', 'upstream_monthly_cost_cents']) {
    await db.schema
      .alterTable('phone_number')
      .addColumn(column, 'bigint', (c) => c.check(sql`${sql.ref(column)} >= 0`))
      .execute();
  }
  // 1 while the number is withdrawn because the upstream does not offer it (the sync found it gone,
  // or the upstream refused its purchase as unavailable): the sync puts back only those when the
  // upstream offers them again, never a number the operator withdrew.
  await db.schema
    .alterTable('phone_number')
    .addColumn('gone_upstream', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`
    UPDATE phone_number SET carrier = 'crazytel'
    WHERE EXISTS (SELECT 1 FROM upstream_budget_slot WHERE carrier = 'crazytel')
       OR EXISTS (SELECT 1 FROM purchase_order WHERE carrier_reference LIKE 'crazytel:%')`.execute(db);
  // The sync's reads of one upstream's stock, by type: partial, so numbers of Bilby's own carrier
  // (every number an import of own ranges adds) cost it nothing.
  await sql`CREATE INDEX phone_number_upstream ON phone_number (carrier, number_type, did_number) WHERE carrier <> 'simulated'`.execute(db);

  for (const column of ['upstream_setup_cost_cents', 'upstream_monthly_cost_cents']) {
    await db.schema.alterTable('purchase_order').addColumn(column, 'bigint').execute();
  }
}
