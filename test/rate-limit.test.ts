import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createTestContext } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';

/** Moves the clock to one second into a minute, so a test's requests all fall in one window. */
function startOfWindow(ctx: { advanceClock(ms: number): void; deps: { clock(): Date } }): void {
  ctx.advanceClock(60_000 - (ctx.deps.clock().getTime() % 60_000) + 1000);
}

describeEachDatabase('rate limits', (dialect) => {
  it('answers 429 rate_limited with Retry-After past the per-key limit, until the minute ends', async (t) => {
    const ctx = await createTestContext(t, dialect, { rateLimitPerMinute: 5 });
    startOfWindow(ctx);
    const limited = await ctx.createAccount();
    const other = await ctx.createAccount();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await ctx.call('GET', '/api/v1/balance/', { key: limited.key })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    const over = await ctx.call('GET', '/api/v1/balance/', { key: limited.key });
    assert.equal(over.body.code, 'rate_limited');
    const retryAfter = Number(over.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    const viaBody = await ctx.call('POST', '/api/v1/account/address', {
      body: { api_key: limited.key, city: 'Sydney', state: 'NSW', postcode: '2000' },
    });
    assert.equal(viaBody.status, 429, 'a key given in the body counts too');
    assert.equal((await ctx.call('GET', '/api/v1/balance/', { key: other.key })).status, 200, 'limits are per key');
    ctx.advanceClock(60_000);
    assert.equal((await ctx.call('GET', '/api/v1/balance/', { key: limited.key })).status, 200, 'a new minute');
    const unauthenticated = await ctx.call('GET', '/api/v1/balance/', { key: 'nobody-nobody-nobody-1' });
    assert.equal(unauthenticated.status, 401, '401 comes before 429');
  });

  it('holds the limit across server processes sharing the database', { skip: dialect !== 'postgres' && 'only PostgreSQL is shared by several processes' }, async (t) => {
    const ctx = await createTestContext(t, dialect, { rateLimitPerMinute: 6 });
    const { app: peer } = await ctx.createPeerApp();
    startOfWindow(ctx);
    const acc = await ctx.createAccount();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const app = i % 2 === 0 ? ctx.app : peer;
      const res = await app.inject({ method: 'GET', url: '/api/v1/balance', headers: { 'x-crazytel-api-key': acc.key } });
      statuses.push(res.statusCode);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429, 429, 429, 429]);
  });
});
