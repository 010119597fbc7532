import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import fc from 'fast-check';
import { calendarDateOf, periodsDue, periodStart } from '../server/src/domain/rental-period.js';
import { returnQuarantinedNumbers } from '../server/src/services/release-number.js';
import { runBilling } from '../server/src/services/run-billing.js';
import { createTestContext, purchaseBody, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';

const NUMBERS = ['61291230001', '61291230002', '61291230003', '61291230004', '61291230005'];
const SETUP = 2_00;
const MONTHLY = 10_00;
const DAY = 86_400_000;
const ZONE = 'Australia/Sydney';
const GRACE_DAYS = 7;

type Op =
  | { kind: 'buy'; account: number; number: number }
  | { kind: 'credit'; account: number; cents: number }
  /** With `byOwner`, of a number held (the `number`-th held, when any is) by its owner. */
  | { kind: 'release'; account: number; number: number; atPeriodEnd: boolean; byOwner: boolean }
  | { kind: 'plan'; account: number; onPlan: boolean }
  /** Of a number released (the `pick`-th, when any is), by its releaser or by the other account. */
  | { kind: 'restore'; pick: number; byReleaser: boolean }
  | { kind: 'price'; monthly: number }
  | { kind: 'wait'; days: number };

// Weighted so that numbers are bought, released and restored often enough to meet in one history.
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('buy' as const), account: fc.nat(1), number: fc.nat(NUMBERS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('credit' as const), account: fc.nat(1), cents: fc.integer({ min: 1, max: 30_00 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('release' as const),
      account: fc.nat(1),
      number: fc.nat(NUMBERS.length - 1),
      atPeriodEnd: fc.boolean(),
      byOwner: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('restore' as const), pick: fc.nat(9), byReleaser: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('plan' as const), account: fc.nat(1), onPlan: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('price' as const), monthly: fc.integer({ min: 1_00, max: 15_00 }) }) },
  // Short waits too, so that restores come within the grace days.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), days: fc.oneof(fc.integer({ min: 1, max: 45 }), fc.integer({ min: 1, max: 6 })) }) },
);

/** What the model holds of a number's tenure. */
interface Tenure {
  orderId: string;
  account: number;
  number: number;
  purchasedOn: string;
  nextPeriod: number;
  suspendedSince: number | null;
  releaseOn: string | null;
}

/** A number's latest release: who may restore it until when, and whether they have. */
interface Release {
  tenure: Tenure;
  at: number;
  /** What its restore charged, once restored. */
  restored: number | null;
}

/**
 * What each account should have paid, computed the way the issue states the rules: a month in
 * advance on each anniversary at the owner's price of the day, oldest period first while the
 * balance covers it, suspended while unpaid, released after the suspension days or at the end of
 * the paid period when asked; a credit settles the arrears at once. A released number is its
 * releaser's to restore for the grace days (nobody can buy it meanwhile), paying the months begun
 * and not paid, and comes back on sale after them (no quarantine here).
 */
class Model {
  balances: number[];
  tenures: Tenure[] = [];
  onPlan = [false, false];
  planMonthly = 5_00;
  releases = new Map<number, Release>();
  constructor(opening: number[], readonly suspendDays: number) {
    this.balances = [...opening];
  }
  price(account: number): number {
    return this.onPlan[account] ? this.planMonthly : MONTHLY;
  }
  running(): Tenure[] {
    return this.tenures.filter((tenure) => tenure.nextPeriod > 0);
  }
  owner(number: number): Tenure | undefined {
    return this.running().find((tenure) => tenure.number === number);
  }
  end(tenure: Tenure, now: number): void {
    tenure.nextPeriod = -tenure.nextPeriod;
    this.releases.set(tenure.number, { tenure, at: now, restored: null });
  }
  /** No tenure of it runs and its grace days are over. */
  onSale(number: number, now: number): boolean {
    const release = this.releases.get(number);
    return this.owner(number) === undefined && (release === undefined || now >= release.at + GRACE_DAYS * DAY);
  }
  /** A run: its charges in the server's order (account, first unpaid day, order), then its releases. */
  bill(now: number, options: { account?: number; accountId?: (i: number) => string; dueBy?: string } = {}): void {
    const asOf = options.dueBy ?? calendarDateOf(new Date(now), ZONE);
    const id = options.accountId!;
    const due = this.running()
      .filter((t) => t.releaseOn === null && (options.account === undefined || t.account === options.account))
      .filter((t) => periodStart(t.purchasedOn, t.nextPeriod) <= asOf)
      .sort((a, b) => cmp(id(a.account), id(b.account)) || cmp(periodStart(a.purchasedOn, a.nextPeriod), periodStart(b.purchasedOn, b.nextPeriod)) || cmp(a.orderId, b.orderId));
    for (const tenure of due) {
      const periods = periodsDue(tenure.purchasedOn, tenure.nextPeriod, asOf);
      for (const period of periods) {
        const price = this.price(tenure.account);
        if (price > this.balances[tenure.account]!) break;
        this.balances[tenure.account]! -= price;
        tenure.nextPeriod = period.index + 1;
      }
      const paidUp = tenure.nextPeriod > periods.at(-1)!.index;
      tenure.suspendedSince = paidUp ? null : (tenure.suspendedSince ?? now);
    }
    for (const tenure of this.running()) {
      if (options.account !== undefined && tenure.account !== options.account) continue;
      if (tenure.suspendedSince !== null && tenure.suspendedSince <= now - this.suspendDays * DAY) this.end(tenure, now);
    }
    if (options.account !== undefined) return;
    for (const tenure of this.running()) if (tenure.releaseOn !== null && tenure.releaseOn <= asOf) this.end(tenure, now);
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function check(ctx: TestContextApi, model: Model, accounts: TestAccount[], step: string): Promise<void> {
  const balances = await ctx.db.selectFrom('account').select(['id', 'balance_cents']).where('id', 'in', accounts.map((a) => a.accountId)).execute();
  const byId = new Map(balances.map((row) => [row.id, Number(row.balance_cents)]));
  assert.deepEqual(accounts.map((a) => byId.get(a.accountId)), model.balances, `${step}: each account has paid what the rules say`);
  const rentals = await ctx.db.selectFrom('rental').select(['order_id', 'next_period', 'status']).execute();
  const stored = new Map(rentals.map((row) => [row.order_id, row]));
  for (const tenure of model.tenures) {
    const row = stored.get(tenure.orderId);
    assert.ok(row, `${step}: ${tenure.orderId} has its tenure`);
    const ended = tenure.nextPeriod < 0;
    assert.deepEqual(
      [Number(row.next_period), row.status],
      [Math.abs(tenure.nextPeriod), ended ? 'ended' : tenure.suspendedSince !== null ? 'suspended' : 'active'],
      `${step}: ${NUMBERS[tenure.number]} (${tenure.orderId}) paid up to the right period, in the right state`,
    );
  }
}

/** One generated history on a fresh database, cleaned up before the next. */
async function runModel(dialect: 'sqlite' | 'postgres', ops: Op[]): Promise<void> {
  const cleanups: Array<() => unknown> = [];
  const scope = { after: (fn: () => unknown) => void cleanups.push(fn) } as unknown as TestContext;
  try {
    await runModelIn(await createTestContext(scope, dialect, { quarantineDays: 0 }), ops);
  } finally {
    for (const fn of cleanups.reverse()) await fn();
  }
}

async function runModelIn(ctx: TestContextApi, ops: Op[]): Promise<void> {
  await ctx.seedNumbers(NUMBERS.map((number) => ({ number, setup: SETUP, monthly: MONTHLY })));
  await ctx.db.updateTable('phone_number').set({ custom_price: 0 }).execute();
  const plan = await ctx.admin('POST', '/price-plans', { body: { name: 'Plan', prices: [{ number_type: 'geographic', setup_cost: 0, monthly_cost: 5 }] } });
  assert.equal(plan.status, 201, JSON.stringify(plan.body));
  const accounts = [await ctx.createAccount({ balance: 40_00 }), await ctx.createAccount({ balance: 25_00 })];
  const model = new Model([40_00, 25_00], ctx.deps.settings.billing.suspendDays);
  const accountId = (i: number) => accounts[i]!.accountId;
  for (const [index, step] of ops.entries()) {
    const label = `step ${index} ${JSON.stringify(step)}`;
    const account = 'account' in step ? accounts[step.account]! : undefined;
    const now = ctx.deps.clock().getTime();
    if (step.kind === 'buy') {
      const did = NUMBERS[step.number]!;
      const cost = (model.onPlan[step.account] ? 0 : SETUP) + model.price(step.account);
      const free = model.onSale(step.number, now);
      await returnQuarantinedNumbers(ctx.deps);
      const bought = await ctx.call('POST', '/api/v1/phone-numbers/purchase', { key: account!.key, body: purchaseBody(account!, did) });
      if (free && cost <= model.balances[step.account]!) {
        assert.equal(bought.status, 200, `${label}: ${JSON.stringify(bought.body)}`);
        model.balances[step.account]! -= cost;
        model.tenures.push({ orderId: bought.body.order_id, account: step.account, number: step.number, purchasedOn: calendarDateOf(new Date(now), ZONE), nextPeriod: 1, suspendedSince: null, releaseOn: null });
      } else {
        assert.notEqual(bought.status, 200, `${label}: refused`);
      }
    } else if (step.kind === 'credit') {
      const credited = await ctx.admin('POST', `/accounts/${account!.accountId}/credits`, { body: { amount: step.cents / 100, reason: 'top-up' } });
      assert.equal(credited.status, 201, label);
      model.balances[step.account]! += step.cents;
      const owing = model.running().filter((t) => t.account === step.account && t.suspendedSince !== null);
      if (owing.length > 0) {
        const today = calendarDateOf(new Date(now), ZONE);
        const latest = owing.map((t) => periodStart(t.purchasedOn, t.nextPeriod)).sort().at(-1)!;
        model.bill(now, { account: step.account, accountId, dueBy: latest > today ? latest : today });
      }
    } else if (step.kind === 'release') {
      const held = model.running();
      const chosen = step.byOwner && held.length > 0 ? held[step.number % held.length]! : undefined;
      const [number, releaser] = chosen ? [chosen.number, chosen.account] : [step.number, step.account];
      const tenure = model.owner(number);
      const answer = await ctx.call('DELETE', '/api/v1/phone-numbers', { key: accounts[releaser]!.key, body: { did_number: NUMBERS[number], at_period_end: step.atPeriodEnd } });
      if (!tenure || tenure.account !== releaser) {
        assert.equal(answer.status, 404, label);
      } else {
        assert.equal(answer.status, 200, `${label}: ${JSON.stringify(answer.body)}`);
        if (step.atPeriodEnd && tenure.suspendedSince === null) tenure.releaseOn = periodStart(tenure.purchasedOn, tenure.nextPeriod);
        else model.end(tenure, now);
      }
    } else if (step.kind === 'restore') {
      const released = [...model.releases.entries()];
      const [number, release] = released[step.pick % Math.max(1, released.length)] ?? [step.pick % NUMBERS.length, undefined];
      const restorer = release ? (step.byReleaser ? release.tenure.account : 1 - release.tenure.account) : step.pick % 2;
      const answer = await ctx.call('POST', `/api/v1/phone-numbers/${NUMBERS[number]}/restore`, { key: accounts[restorer]!.key });
      if (!release || release.tenure.account !== restorer) {
        assert.equal(answer.status, 404, `${label}: ${JSON.stringify(answer.body)}`);
      } else if (release.restored !== null) {
        // Asked again: the answer is the restore made before, and nothing is charged now.
        assert.deepEqual([answer.status, answer.body.charged], [200, release.restored / 100], `${label}: asked again, ${JSON.stringify(answer.body)}`);
      } else if (now >= release.at + GRACE_DAYS * DAY) {
        assert.equal(answer.status, 409, `${label}: ${JSON.stringify(answer.body)}`);
      } else {
        const tenure = release.tenure;
        const due = periodsDue(tenure.purchasedOn, -tenure.nextPeriod, calendarDateOf(new Date(now), ZONE));
        const cost = due.length * model.price(restorer);
        if (cost > model.balances[restorer]!) {
          assert.deepEqual([answer.status, answer.body.code], [400, 'insufficient_funds'], `${label}: ${JSON.stringify(answer.body)}`);
        } else {
          assert.equal(answer.status, 200, `${label}: ${JSON.stringify(answer.body)}`);
          assert.equal(answer.body.charged, cost / 100, label);
          model.balances[restorer]! -= cost;
          tenure.nextPeriod = -tenure.nextPeriod + due.length;
          tenure.suspendedSince = null;
          tenure.releaseOn = null;
          release.restored = cost;
        }
      }
    } else if (step.kind === 'plan') {
      const put = await ctx.admin('PUT', `/accounts/${account!.accountId}/price-plan`, { body: { price_plan_id: step.onPlan ? plan.body.id : null } });
      assert.equal(put.status, 200, label);
      model.onPlan[step.account] = step.onPlan;
    } else if (step.kind === 'price') {
      const patched = await ctx.admin('PATCH', `/price-plans/${plan.body.id}`, { body: { prices: [{ number_type: 'geographic', setup_cost: 0, monthly_cost: step.monthly / 100 }] } });
      assert.equal(patched.status, 200, label);
      model.planMonthly = step.monthly;
    } else {
      ctx.advanceClock(step.days * DAY);
      await runBilling(ctx.deps);
      model.bill(ctx.deps.clock().getTime(), { accountId });
    }
    await check(ctx, model, accounts, label);
  }
  await assertInvariants(ctx.db, ctx.carrier, { settled: true });
}

describeEachDatabase('billing against a model of what each account should pay', (dialect) => {
  it('random months of purchases, top-ups, releases (now and at period end), restores, plan changes and runs charge exactly what the rules say', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 40, size: 'max' }), (ops) => runModel(dialect, ops)),
      { numRuns: dialect === 'sqlite' ? 25 : 8, endOnFailure: true },
    );
  });
});
