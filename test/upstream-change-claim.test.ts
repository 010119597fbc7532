import assert from 'node:assert/strict';
import { it } from 'node:test';
import { claimUpstreamChange, findUpstreamChange, requestUpstreamChange } from '../server/src/store/upstream-change-store.js';
import { createTestContext } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';

const DID = '61291234567';
const T0 = Date.parse('2026-12-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const CLAIM_MS = 10 * 60_000;

describeEachDatabase('claiming a change that must reach upstream', (dialect) => {
  it('one push at a time: a push that reads the change after another claimed it finds it not due, until the claim runs out', async (t) => {
    const ctx = await createTestContext(t, dialect);
    await ctx.seedNumbers([DID]);
    await ctx.database.writeStatement((ex) => requestUpstreamChange(ex, [DID], at(0)));
    const claim = async (now: number) => {
      const change = await findUpstreamChange(ctx.db, DID);
      assert.ok(change);
      return ctx.database.writeStatement((ex) => claimUpstreamChange(ex, change, at(now), at(now + CLAIM_MS)));
    };
    // Two pushes read the change before either claims it: only one claim takes.
    const seen = await findUpstreamChange(ctx.db, DID);
    const both = await Promise.all([0, 1].map(() => ctx.database.writeStatement((ex) => claimUpstreamChange(ex, seen!, at(1), at(1 + CLAIM_MS)))));
    assert.deepEqual(both.sort(), [false, true]);
    // A push (maintenance) that reads it afresh during the claim does not take it.
    assert.equal(await claim(2), false);
    assert.equal(await claim(CLAIM_MS), false);
    // The claim ran out (its push crashed): the next push takes it.
    assert.equal(await claim(CLAIM_MS + 2), true);
    // A newer change while it is claimed is due at once: its push must not wait for the claim.
    await ctx.database.writeStatement((ex) => requestUpstreamChange(ex, [DID], at(CLAIM_MS + 3)));
    assert.equal(await claim(CLAIM_MS + 3), true);
  });
});
