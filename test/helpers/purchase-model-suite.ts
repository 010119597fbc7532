import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { recoverOrders } from '../../server/src/services/recover-orders.js';
import type { DialectName } from '../../server/src/store/database.js';
import { createTestContext, purchaseBody, type TestAccount, type TestContextApi, IMMEDIATE_RESALE } from './context.js';
import { assertInvariants } from './invariants.js';

type Action =
  | { kind: 'buy'; buyer: number; number: number }
  | { kind: 'buy_foreign'; buyer: number; number: number; field: 'address_id' | 'person_id' | 'primary_destination' }
  | { kind: 'carrier_fails_next' }
  | { kind: 'carrier_loses_next_answer' }
  | { kind: 'retry_same_key'; index: number }
  | { kind: 'reuse_key_other_body'; index: number }
  | { kind: 'release'; buyer: number; number: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('buy' as const), buyer: fc.nat(1), number: fc.nat(3) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('buy_foreign' as const),
      buyer: fc.nat(1),
      number: fc.nat(3),
      field: fc.constantFrom('address_id' as const, 'person_id' as const, 'primary_destination' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('carrier_fails_next' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('carrier_loses_next_answer' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('retry_same_key' as const), index: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reuse_key_other_body' as const), index: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), buyer: fc.nat(1), number: fc.nat(3) }) },
);

const scenario = fc.record({
  balances: fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 })),
  prices: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 4, maxLength: 4 }),
  actions: fc.array(action, { minLength: 1, maxLength: 14 }),
});

interface Sent {
  buyer: number;
  body: Record<string, unknown>;
  key: string;
  status: number;
  text: string;
}

let runNumber = 0;

/** What the model says a purchase should answer, in the contract's order of checks. */
function expectedPurchase(model: Model, buyer: number, number: number): 'ok' | 'number_unavailable' | 'insufficient_funds' {
  if (model.owner[number] !== null) return 'number_unavailable';
  if (model.balance[buyer]! < model.price[number]!) return 'insufficient_funds';
  return 'ok';
}

interface Model {
  balance: number[];
  price: number[];
  owner: Array<number | null>;
  faults: Array<'fail' | 'lost'>;
}

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

async function runScenario(ctx: TestContextApi, input: Scenario): Promise<void> {
  const run = runNumber++;
  const buyers: TestAccount[] = [];
  for (const dollars of input.balances) buyers.push(await ctx.createAccount({ balance: dollars * 100 }));
  const numbers = input.prices.map((_, i) => `0293${String(run * 4 + i).padStart(6, '0')}`);
  await ctx.seedNumbers(numbers.map((number, i) => ({ number, setup: 0, monthly: input.prices[i]! * 100 })));
  const model: Model = { balance: [...input.balances], price: [...input.prices], owner: numbers.map(() => null), faults: [] };
  const sent: Sent[] = [];
  let keys = 0;

  const post = async (buyer: number, body: Record<string, unknown>, key: string) => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/v1/phone-numbers/purchase',
      headers: { 'x-crazytel-api-key': buyers[buyer]!.key, 'idempotency-key': key },
      payload: body,
    });
    return res;
  };

  for (const step of input.actions) {
    if (step.kind === 'carrier_fails_next' || step.kind === 'carrier_loses_next_answer') {
      const fault = step.kind === 'carrier_fails_next' ? 'fail' : 'lost';
      ctx.carrier.inject(fault === 'fail' ? { kind: 'fail' } : { kind: 'error_after_provisioning' });
      model.faults.push(fault);
    } else if (step.kind === 'buy' || step.kind === 'buy_foreign') {
      const buyer = buyers[step.buyer]!;
      const other = buyers[1 - step.buyer]!;
      const foreign =
        step.kind === 'buy_foreign'
          ? { [step.field]: step.field === 'primary_destination' ? '7654321' : step.field === 'address_id' ? other.addressId : other.personId }
          : {};
      const body = purchaseBody(buyer, numbers[step.number]!, foreign);
      const key = `k${keys++}`;
      const res = await post(step.buyer, body, key);
      const code = res.statusCode === 200 ? 'ok' : (res.json() as { code: string }).code;
      if (step.kind === 'buy_foreign') {
        const expected = ({ address_id: 'invalid_address', person_id: 'invalid_person', primary_destination: 'invalid_route' } as const)[step.field];
        assert.equal(code, expected, 'another account’s object is refused');
      } else {
        const expected = expectedPurchase(model, step.buyer, step.number);
        if (expected !== 'ok') {
          assert.equal(code, expected);
        } else {
          const fault = model.faults.shift();
          if (fault === 'fail') {
            assert.equal(code, 'upstream_error');
          } else {
            if (fault === 'lost') {
              assert.equal(code, 'upstream_pending');
              assert.equal((await recoverOrders(ctx.deps)).completed, 1);
            } else {
              assert.equal(code, 'ok');
            }
            model.owner[step.number] = step.buyer;
            model.balance[step.buyer]! -= model.price[step.number]!;
          }
        }
      }
      sent.push({ buyer: step.buyer, body, key, status: res.statusCode, text: res.body });
    } else if (step.kind === 'retry_same_key' && sent.length > 0) {
      const first = sent[step.index % sent.length]!;
      const again = await post(first.buyer, first.body, first.key);
      if (first.status === 200 || (first.status >= 400 && first.status < 500)) {
        assert.equal(again.statusCode, first.status);
        assert.equal(again.body, first.text, 'a replay is byte-identical');
        assert.equal(again.headers['idempotent-replayed'], 'true');
      } else if (JSON.parse(first.text).code === 'upstream_pending') {
        assert.equal(again.statusCode, 200, 'a retry returns the settled outcome');
      } else {
        // A clean failure is not stored: the retry ran again; keep the model in step with it.
        const number = numbers.indexOf(String(first.body.did_number));
        const expected = expectedPurchase(model, first.buyer, number);
        const code = again.statusCode === 200 ? 'ok' : (again.json() as { code: string }).code;
        if (expected === 'ok' && model.faults.length === 0) {
          assert.equal(code, 'ok');
          model.owner[number] = first.buyer;
          model.balance[first.buyer]! -= model.price[number]!;
        } else if (expected !== 'ok') {
          assert.equal(code, expected);
        } else {
          const fault = model.faults.shift();
          assert.equal(code, fault === 'fail' ? 'upstream_error' : 'upstream_pending');
          if (fault === 'lost') {
            await recoverOrders(ctx.deps);
            model.owner[number] = first.buyer;
            model.balance[first.buyer]! -= model.price[number]!;
          }
        }
        first.status = again.statusCode;
        first.text = again.body;
      }
    } else if (step.kind === 'reuse_key_other_body' && sent.length > 0) {
      const first = sent[step.index % sent.length]!;
      const stored = first.status < 500 || JSON.parse(first.text).code === 'upstream_pending';
      // A key whose request failed cleanly was released: reusing it would simply be a new purchase.
      if (stored) {
        const res = await post(first.buyer, { ...first.body, description: 'another body' }, first.key);
        assert.equal((res.json() as { code: string }).code, 'idempotency_key_reused');
      }
    } else if (step.kind === 'release') {
      const res = await ctx.call('DELETE', '/api/v1/phone-numbers', { key: buyers[step.buyer]!.key, body: { did_number: numbers[step.number] } });
      if (model.owner[step.number] === step.buyer) {
        assert.equal(res.status, 200);
        model.owner[step.number] = null;
      } else {
        assert.equal(res.body.code, 'number_not_found');
      }
    }
    for (const [i, buyer] of buyers.entries()) {
      const balance = await ctx.call('GET', '/api/v1/balance', { key: buyer.key });
      assert.equal(Math.round(balance.body.available_balance * 100), model.balance[i]! * 100, `balance of buyer ${i}`);
    }
  }
  for (const [i, buyer] of buyers.entries()) {
    const owned = await ctx.call('GET', '/api/v1/phone-numbers', { key: buyer.key });
    const expected = numbers.filter((_, n) => model.owner[n] === i).map((n) => `61${n.slice(1)}`);
    assert.deepEqual(owned.body.results.map((r: { did_number: string }) => r.did_number), expected);
  }
  // Faults the run queued but never used would leak into the next run.
  ctx.carrier.clearFaults();
}

/**
 * The purchase model on one database: test/purchase-model-sqlite.test.ts and
 * purchase-model-postgres.test.ts, two files so that the runner runs the two side by side.
 */
export function purchaseModel(dialect: DialectName): void {
  it('agrees with a model of balances, ownership and idempotency over random purchase sequences', async (t) => {
    const runs = Number(process.env.BILBY_MODEL_RUNS ?? 300);
    const seed = Number(process.env.BILBY_TEST_SEED ?? Date.now() % 2 ** 31);
    const ctx = await createTestContext(t, dialect, IMMEDIATE_RESALE);
    await fc.assert(
      fc.asyncProperty(scenario, (input) => runScenario(ctx, input)),
      { numRuns: runs, seed },
    );
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
}
