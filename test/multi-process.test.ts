import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestContext, purchaseBody, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';
import { startServer, type ServerProcess } from './helpers/server-process.js';

/** Real concurrency: several server processes on one database, as a provider would run them. */
async function startServers(t: { after(fn: () => Promise<void>): void }, ctx: TestContextApi, count: number): Promise<ServerProcess[]> {
  const env = {
    BILBY_DATABASE_URL: ctx.urls.database,
    BILBY_CARRIER_DATABASE_URL: ctx.urls.carrier,
    BILBY_RATE_LIMIT_PER_MINUTE: '0',
  };
  const servers = await Promise.all(Array.from({ length: count }, () => startServer([], env)));
  t.after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });
  return servers;
}

async function buy(server: ServerProcess, buyer: TestAccount, number: string): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${server.base}/api/v1/phone-numbers/purchase`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-crazytel-api-key': buyer.key },
    body: JSON.stringify(purchaseBody(buyer, number)),
  });
  const body = (await res.json()) as { code?: string };
  return { status: res.status, ...(body.code ? { code: body.code } : {}) };
}

/** Runs the tasks with at most `limit` in flight. */
async function inParallel<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describeEachDatabase('several server processes', (dialect) => {
  const processes = dialect === 'postgres' ? 4 : 2;

  it(`sells each hot number exactly once across ${processes} processes`, async (t) => {
    const ctx = await createTestContext(t, dialect);
    const numbers = Array.from({ length: 20 }, (_, i) => `0291234${String(500 + i)}`);
    await ctx.seedNumbers(numbers.map((number) => ({ number, setup: 0, monthly: 1_00 })));
    const buyers = await Promise.all(Array.from({ length: 16 }, () => ctx.createAccount({ balance: 100_00 })));
    const servers = await startServers(t, ctx, processes);

    const tasks = numbers.flatMap((number, n) =>
      buyers.map((buyer, b) => async () => ({ number, buyer, ...(await buy(servers[(n + b) % servers.length]!, buyer, number)) })),
    );
    const results = await inParallel(tasks, 48);
    assert.equal(results.length, 320);
    for (const number of numbers) {
      const forNumber = results.filter((r) => r.number === number);
      assert.equal(forNumber.filter((r) => r.status === 200).length, 1, `${number}: exactly one sale`);
      for (const loser of forNumber.filter((r) => r.status !== 200)) {
        assert.deepEqual([loser.status, loser.code], [404, 'number_unavailable'], `${number}: losers get 404`);
      }
    }
    for (const buyer of buyers) {
      const won = results.filter((r) => r.buyer === buyer && r.status === 200).length;
      const balance = await ctx.call('GET', '/api/v1/balance', { key: buyer.key });
      assert.equal(balance.body.balance, 100 - won, 'each buyer paid for exactly what it won');
    }
    await Promise.all(servers.map((s) => s.stop()));
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });

  it(`lets an account funded for five purchases make exactly five of fifty across ${processes} processes`, async (t) => {
    const ctx = await createTestContext(t, dialect);
    const numbers = Array.from({ length: 50 }, (_, i) => `0291235${String(100 + i)}`);
    await ctx.seedNumbers(numbers.map((number) => ({ number, setup: 2_00, monthly: 3_00 })));
    const buyer = await ctx.createAccount({ balance: 25_00 });
    const servers = await startServers(t, ctx, processes);

    let watching = true;
    let lowest = Infinity;
    const watcher = (async () => {
      while (watching) {
        const row = await ctx.db.selectFrom('account').select(['balance_cents', 'held_cents']).where('id', '=', buyer.accountId).executeTakeFirstOrThrow();
        lowest = Math.min(lowest, Number(row.balance_cents) - Number(row.held_cents));
        // SQLite's driver answers synchronously: yield so the purchases' responses can be read.
        await sleep(2);
      }
    })();
    const results = await inParallel(numbers.map((number, i) => () => buy(servers[i % servers.length]!, buyer, number)), 50);
    watching = false;
    await watcher;

    assert.equal(results.filter((r) => r.status === 200).length, 5);
    assert.equal(results.filter((r) => r.code === 'insufficient_funds').length, 45);
    assert.ok(lowest >= 0, `available balance never read negative (lowest ${lowest})`);
    const balance = await ctx.call('GET', '/api/v1/balance', { key: buyer.key });
    assert.deepEqual([balance.body.balance, balance.body.available_balance], [0, 0]);
    await Promise.all(servers.map((s) => s.stop()));
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
});
