import assert from 'node:assert/strict';
import { it } from 'node:test';
import { UpstreamBusyError, type UpstreamBudget } from '../server/src/carriers/crazytel/upstream-budget.js';
import { openUpstreamBudget, UPSTREAM_SLOT_SPACING_MS } from '../server/src/services/upstream-budget.js';
import { createTestContext } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
/** The upstream's minute, with the budget's margin. */
const MINUTE = UPSTREAM_SLOT_SPACING_MS;

describeEachDatabase('the upstream request budget', (dialect) => {
  it('never gives a minute more requests than the budget, across processes sharing the database: the rest wait their turn', async (t) => {
    const ctx = await createTestContext(t, dialect);
    const peer = await ctx.createPeerApp();
    // The clock stands still; each request's send time is when its wait would end.
    const sendTimes: number[] = [];
    const budgets = await Promise.all(
      [ctx.database, peer.database].map((database) =>
        openUpstreamBudget(database, { carrier: 'crazytel', perMinute: 5, now: () => T0, sleep: async (ms) => void sendTimes.push(T0 + ms) }),
      ),
    );
    await Promise.all(Array.from({ length: 12 }, (_, i) => budgets[i % 2]!.take('customer', 10 * MINUTE)));
    // A wait of 0 is no sleep at all: those requests went at once.
    const waited = sendTimes.sort((a, b) => a - b);
    const atOnce = 12 - waited.length;
    assert.deepEqual(
      [...Array(atOnce).fill(T0), ...waited],
      [T0, T0, T0, T0, T0, T0 + MINUTE, T0 + MINUTE, T0 + MINUTE, T0 + MINUTE, T0 + MINUTE, T0 + 2 * MINUTE, T0 + 2 * MINUTE],
    );
    // A request that cannot have a turn within its deadline is refused, having taken nothing.
    await assert.rejects(budgets[0]!.take('customer', 2 * MINUTE - 1), UpstreamBusyError);
    await budgets[1]!.take('customer', 2 * MINUTE);
    assert.equal(sendTimes.at(-1), T0 + 2 * MINUTE, 'the refused request left its turn to the next');
  });

  it('background requests use only what purchases leave: a tenth of the budget stays free for them', async (t) => {
    const ctx = await createTestContext(t, dialect);
    let clock = T0;
    const budget = await openUpstreamBudget(ctx.database, {
      carrier: 'crazytel',
      perMinute: 20,
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
    });
    for (let i = 0; i < 18; i++) await budget.take('background', 0);
    assert.equal(clock, T0, 'the first 18 went at once');
    await assert.rejects(budget.take('background', 0), UpstreamBusyError, 'the last two slots are kept for purchases');
    await budget.take('customer', 0);
    await budget.take('customer', 0);
    await assert.rejects(budget.take('customer', 0), UpstreamBusyError, 'the budget is spent');
    // A background request with time to wait polls until slots free up a minute on.
    await budget.take('background', 2 * MINUTE);
    assert.ok(clock >= T0 + MINUTE && clock < T0 + MINUTE + 10_000, `went when the first slots freed (${clock - T0} ms)`);
  });

  it("a 429 holds every process back until its Retry-After", async (t) => {
    const ctx = await createTestContext(t, dialect);
    const peer = await ctx.createPeerApp();
    let clock = T0;
    const open = (database: typeof ctx.database): Promise<UpstreamBudget> =>
      openUpstreamBudget(database, { carrier: 'crazytel', perMinute: 60, now: () => clock, sleep: async (ms) => void (clock += ms) });
    const [one, other] = [await open(ctx.database), await open(peer.database)];
    await one.holdOff(T0 + 30_000);
    await assert.rejects(other.take('customer', 29_999), UpstreamBusyError);
    await other.take('customer', 30_000);
    assert.equal(clock, T0 + 30_000);
  });
});
