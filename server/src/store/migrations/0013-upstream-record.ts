import { sql, type Kysely } from 'kysely';

/**
 * Bilby's IPND addresses and persons as an upstream carrier knows them: each record is created
 * upstream once, and its upstream id is reused for every later purchase naming it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('upstream_record')
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('address', 'person')`))
    .addColumn('local_id', 'text', (c) => c.notNull())
    .addColumn('upstream_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('upstream_record_pk', ['carrier', 'kind', 'local_id'])
    .execute();
}
