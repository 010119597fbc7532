import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createTestContext, purchaseBody } from './helpers/context.js';

it('exposes Prometheus metrics: requests by route and status, durable commits, process memory', async (t) => {
  const ctx = await createTestContext(t, 'sqlite');
  await ctx.seedNumbers(['61291234567']);
  const acc = await ctx.createAccount();
  const before = ctx.database.stats.commits;
  assert.equal((await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: acc.key, body: purchaseBody(acc, '61291234567') })).status, 200);
  assert.ok(ctx.database.stats.commits > before, 'a purchase commits');
  const res = await ctx.call('GET', '/metrics');
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain/);
  const text = res.body as string;
  assert.match(text, /bilby_http_requests_total\{method="POST",route="\/api\/v1\/phone-numbers\/purchase",status="200"\} 1/);
  assert.match(text, new RegExp(`bilby_database_commits_total ${ctx.database.stats.commits}`));
  assert.match(text, /process_resident_memory_bytes \d+/);
});
