import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { preparedQuery } from '../server/src/store/prepared-query.js';
import { describeEachDatabase, migratedTestDatabase } from './helpers/databases.js';

interface Window {
  key_id: string;
  window_start: string;
  hits: number;
}

const insertWindow = preparedQuery((ex, row: Window) => ex.insertInto('rate_limit_window').values(row));
const addHits = preparedQuery((ex, keyId: string, hits: number) =>
  ex
    .updateTable('rate_limit_window')
    .set({ hits: sql`hits + ${hits}` })
    .where('key_id', '=', keyId)
    .where('window_start', '=', 'w')
    .returning(['key_id', 'hits']),
);
const windowsOf = preparedQuery((ex, keyId: string) => ex.selectFrom('rate_limit_window').selectAll().where('key_id', '=', keyId));

describeEachDatabase('prepared queries', (dialect) => {
  it('give what the same Kysely query gives, with new arguments on every call and constants kept', async (t) => {
    const database = await migratedTestDatabase(t, dialect);
    for (const [key, hits] of [['a', 1], ['b', 2], ['c', 3]] as const) await insertWindow(database.db, { key_id: key, window_start: 'w', hits });
    const updated = await database.writeTransaction((trx) => addHits(trx, 'b', 40));
    assert.deepEqual(updated.rows.map((row) => ({ ...row, hits: Number(row.hits) })), [{ key_id: 'b', hits: 42 }]);
    assert.equal((await addHits(database.db, 'nobody', 1)).rows.length, 0);
    const built = await database.db.selectFrom('rate_limit_window').selectAll().where('key_id', '=', 'b').execute();
    assert.deepEqual((await windowsOf(database.db, 'b')).rows, built);
    assert.deepEqual((await windowsOf(database.db, 'a')).rows.map((row) => Number(row.hits)), [1]);
  });

  it('reports the rows a write changed', async (t) => {
    const database = await migratedTestDatabase(t, dialect);
    await insertWindow(database.db, { key_id: 'x', window_start: 'w', hits: 0 });
    const bump = preparedQuery((ex, keyId: string) => ex.updateTable('rate_limit_window').set({ hits: 5 }).where('key_id', '=', keyId));
    assert.equal((await bump(database.db, 'x')).numAffectedRows, 1n);
    assert.equal((await bump(database.db, 'y')).numAffectedRows, 0n);
  });
});

it('builds a query of its own for each shape of an object argument: fields left undefined are left out', async (t) => {
  const database = await migratedTestDatabase(t, 'sqlite');
  await insertWindow(database.db, { key_id: 'k', window_start: 'w', hits: 1 });
  const change = preparedQuery((ex, keyId: string, changes: { hits?: number; window_start?: string }) =>
    ex.updateTable('rate_limit_window').set(changes).where('key_id', '=', keyId),
  );
  await change(database.db, 'k', { hits: 7, window_start: 'v' });
  await change(database.db, 'k', { hits: 8, window_start: undefined });
  await change(database.db, 'k', { window_start: 'u' });
  const rows = await database.db.selectFrom('rate_limit_window').select(['key_id', 'window_start', 'hits']).execute();
  assert.deepEqual(rows, [{ key_id: 'k', window_start: 'u', hits: 8 }]);
});

it('refuses a query that uses an argument as anything but a value', async (t) => {
  const database = await migratedTestDatabase(t, 'sqlite');
  const asText = preparedQuery((ex, column: string) => ex.selectFrom('rate_limit_window').select(sql.ref(column).as('c')));
  await assert.rejects(asText(database.db, 'hits'), /used an argument as SQL text/);
  const computed = preparedQuery((ex, keyId: string) => ex.selectFrom('rate_limit_window').selectAll().where('key_id', '=', `${keyId}!`));
  await assert.rejects(computed(database.db, 'k'), /changed an argument's value/);
});
