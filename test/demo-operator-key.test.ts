import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createApp } from '../server/src/http/app.js';
import { demoOperatorKey } from '../server/src/services/demo-operator-key.js';
import { createTestContext } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';

describeEachDatabase('the demo operator key', (dialect) => {
  it('is made once per database, by one of two processes starting at once, and kept only as a hash', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const peer = await ctx.createPeerApp();
    const [first, second] = await Promise.all([demoOperatorKey(ctx.deps), demoOperatorKey({ ...ctx.deps, database: peer.database })]);
    assert.equal(first.keyHash, second.keyHash);
    const made = [first.createdKey, second.createdKey].filter((key) => key !== null);
    assert.equal(made.length, 1, 'one start made it and prints it');
    assert.match(made[0]!, /^bilby_admin_[\w-]{24}$/);
    const later = await demoOperatorKey(ctx.deps);
    assert.deepEqual(later, { keyHash: first.keyHash, createdKey: null });
    const rows = await ctx.db.selectFrom('operator_key').selectAll().execute();
    assert.deepEqual(rows.map((r) => [r.name, r.key_hash, r.hint]), [['demo', first.keyHash, made[0]!.slice(-4)]]);

    // An app given only the hash accepts the key printed the first time, and nothing else.
    const app = await createApp(ctx.deps, { adminKeyHash: later.keyHash });
    t.after(() => app.close());
    const status = async (key: string) => (await app.inject({ method: 'GET', url: '/admin/v1/prices', headers: { 'x-admin-key': key } })).statusCode;
    assert.equal(await status(made[0]!), 200);
    assert.equal(await status(`${made[0]!}x`), 401);
  });
});

it('an app without an admin key or its hash keeps the operator API off', async (t) => {
  const ctx = await createTestContext(t, 'sqlite');
  const app = await createApp(ctx.deps, {});
  t.after(() => app.close());
  const answer = await app.inject({ method: 'GET', url: '/admin/v1/prices', headers: { 'x-admin-key': 'anything-at-all-0000' } });
  assert.equal(answer.statusCode, 401);
  assert.match(answer.body, /operator API is off/);
});
