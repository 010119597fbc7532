import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { newUuid } from '../server/src/domain/ids.js';
import { ADMIN_HEADERS, createTestContext, purchaseBody, type TestAccount, type TestContextApi } from './helpers/context.js';
import { describeEachDatabase } from './helpers/databases.js';
import { assertInvariants } from './helpers/invariants.js';

/**
 * Every write operation of the OpenAPI document, customer and operator, driven with generated
 * input: path parameters real or hostile, bodies the route accepts with unknown fields named
 * anywhere in Unicode (control characters, lone surrogates, `%` and `,`), values nested past any
 * limit, with and without an Idempotency-Key. Whatever comes in, the answer is never a 5xx, an
 * error always has the contract's shape, a keyed answer replays byte for byte (also when the retry
 * adds an ignored field), and the money moved is exactly what the 2xx answers say.
 */
type Method = 'POST' | 'PATCH' | 'PUT' | 'DELETE';

interface Operation {
  method: Method;
  path: string;
}

interface Fixture {
  customer: TestAccount;
  /** The account the operator's writes act on (suspending the customer would stop its requests). */
  target: TestAccount;
  destinationId: string;
  keyId: string;
  planId: string;
  webhookId: string;
  numbers: string[];
}

/** Operations whose answer shows an API key once. */
const SECRET_ANSWERS = new Set([
  'POST /admin/v1/accounts',
  'POST /admin/v1/accounts/{account_id}/keys',
  'POST /api/v1/webhooks',
  'POST /api/v1/webhooks/{webhook_id}/rotate-secret',
]);

const RUNS = Number(process.env.BILBY_FUZZ_RUNS ?? 600);

/** A body the route accepts, for each write operation: the fuzzer then mangles it. */
function baseBody(op: Operation, fx: Fixture, pick: number): unknown {
  const number = fx.numbers[pick % fx.numbers.length]!;
  switch (`${op.method} ${op.path}`) {
    case 'POST /admin/v1/accounts':
      return { name: `Fuzzed ${pick}`, opening_credit: (pick % 3) * 1.25 };
    case 'POST /admin/v1/accounts/{account_id}/credits':
      return { amount: [0.01, 1, 12.34][pick % 3], reason: `credit ${pick}` };
    case 'POST /admin/v1/accounts/{account_id}/debits':
      return { amount: 0.01, reason: `debit ${pick}` };
    case 'POST /admin/v1/accounts/{account_id}/destinations':
      return { route: 'device', destination: String(2000000 + pick), description: 'fuzzed' };
    case 'PATCH /admin/v1/accounts/{account_id}/destinations/{destination_id}':
      return { description: `renamed ${pick}`, enabled: pick % 2 === 0 };
    case 'POST /admin/v1/accounts/{account_id}/keys':
      return { label: `key ${pick}` };
    case 'PUT /admin/v1/accounts/{account_id}/upstream-route':
      return { route: 'server', destination: `sip${pick}.example.com` };
    case 'POST /admin/v1/billing/runs':
      return { as_of: new Date(Date.UTC(2026, pick % 24, 1 + (pick % 28))).toISOString() };
    case 'POST /admin/v1/inventory/reinstate':
    case 'POST /admin/v1/inventory/withdraw':
      return { did_numbers: [number] };
    case 'PUT /admin/v1/pricing-rules/{number_type}':
      return { markup_percent: (pick % 4) * 5, setup_markup: 0.5, rounding: 'up_to_5_cents' };
    case 'PUT /admin/v1/numbers/{did_number}/price':
    case 'PUT /admin/v1/prices/{number_type}':
      return { setup_cost: 1, monthly_cost: 2.5 };
    case 'POST /admin/v1/price-plans':
      return { name: `Plan ${pick}`, prices: [{ number_type: 'mobile', setup_cost: 1, monthly_cost: 2 }, { number_type: 'geographic', markup_percent: 10, rounding: 'up_to_5_cents' }] };
    case 'PATCH /admin/v1/price-plans/{price_plan_id}':
      return { name: `Renamed ${pick}`, prices: [{ number_type: 'geographic', setup_cost: 1, monthly_cost: 1.5 }] };
    case 'PUT /admin/v1/accounts/{account_id}/price-plan':
      return { price_plan_id: pick % 2 === 0 ? fx.planId : null };
    case 'POST /api/v1/account/address':
      return { city: 'Sydney', state: 'NSW', postcode: '2000' };
    case 'POST /api/v1/account/person':
      return { name_1: 'Citizen', name_2: 'Jane', person_type: 'R' };
    case 'PATCH /api/v1/phone-numbers':
      return { did_number: number, description: `line ${pick}` };
    case 'DELETE /api/v1/phone-numbers':
      return { did_number: number };
    case 'POST /api/v1/phone-numbers/purchase':
      return purchaseBody(fx.customer, number);
    case 'POST /api/v1/phone-numbers/orders': {
      const { did_number: _, ...rest } = purchaseBody(fx.customer, number);
      return pick % 2 === 0 ? { ...rest, did_numbers: [number, fx.numbers[(pick + 3) % fx.numbers.length]] } : { ...rest, criteria: { quantity: 1 + (pick % 3) }, all_or_nothing: pick % 4 === 1 };
    }
    case 'POST /api/v1/phone-numbers/{did_number}/test':
      return { caller: pick % 3 === 0 ? null : pick % 3 === 1 ? '0412 345 678' : '+44 20 7946 0958' };
    case 'PUT /api/v1/account/low-balance-alert':
      return { threshold: pick % 3 === 0 ? null : (pick % 50) + 0.5 };
    case 'POST /api/v1/phone-numbers/reservations':
      return pick % 2 === 0 ? { did_number: number } : { did_numbers: [number, fx.numbers[(pick + 1) % fx.numbers.length]], minutes: 1 + (pick % 30) };
    case 'PATCH /api/v1/phone-numbers/reservations':
      return pick % 2 === 0 ? {} : { did_numbers: [number], minutes: 1 + (pick % 30) };
    case 'DELETE /api/v1/phone-numbers/reservations':
      return pick % 2 === 0 ? {} : { did_numbers: [number] };
    case 'PATCH /api/v1/phone-numbers/reservations/{did_number}':
      return { minutes: 1 + (pick % 30) };
    case 'POST /api/v1/webhooks':
      return { url: `https://hooks.example.com/bilby/${pick}`, events: pick % 2 === 0 ? ['*'] : ['number.purchased', 'number.released'] };
    case 'PATCH /api/v1/webhooks/{webhook_id}':
      return pick % 3 === 0 ? { status: pick % 2 === 0 ? 'disabled' : 'enabled' } : { description: `hook ${pick}` };
    case 'POST /api/v1/webhooks/{webhook_id}/rotate-secret':
      return { expire_previous_in_hours: pick % 48 };
    case 'POST /api/v1/webhooks/{webhook_id}/replay':
      return {};
    default:
      return undefined;
  }
}

/** The operations that take no JSON body; every other one must have a base body above. */
const WITHOUT_BODY = new Set([
  'DELETE /admin/v1/accounts/{account_id}/destinations/{destination_id}',
  'DELETE /admin/v1/accounts/{account_id}/keys/{key_id}',
  'POST /admin/v1/accounts/{account_id}/reactivate',
  'POST /admin/v1/accounts/{account_id}/suspend',
  'DELETE /admin/v1/accounts/{account_id}/upstream-route',
  'POST /admin/v1/inventory/import',
  'POST /admin/v1/inventory/sync',
  'POST /admin/v1/reconcile',
  'DELETE /admin/v1/numbers/{did_number}/price',
  'DELETE /admin/v1/price-plans/{price_plan_id}',
  'DELETE /api/v1/account/address/{id}',
  'DELETE /api/v1/account/person/{id}',
  'POST /api/v1/phone-numbers/{did_number}/restore',
  'DELETE /api/v1/webhooks/{webhook_id}',
  'DELETE /api/v1/phone-numbers/reservations/{did_number}',
]);

function realParam(name: string, fx: Fixture, pick: number): string {
  switch (name) {
    case 'account_id':
      return fx.target.accountId;
    case 'destination_id':
      return fx.destinationId;
    case 'key_id':
      return fx.keyId;
    case 'price_plan_id':
      return fx.planId;
    case 'webhook_id':
      return fx.webhookId;
    case 'did_number':
      return fx.numbers[pick % fx.numbers.length]!;
    case 'number_type':
      return ['geographic', 'mobile', 'tollfree', 'local_rate'][pick % 4]!;
    case 'id':
      return pick % 2 === 0 ? fx.customer.addressId : newUuid();
    default:
      throw new Error(`no real value for path parameter ${name}`);
  }
}

/** Every byte of the text's UTF-8 as %XX: any string, lone surrogates included, becomes a path segment. */
function percentEncoded(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

const awkwardName = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
  fc.constantFrom('\n', '\r\n', '\u0000', 'naïve', 'a,b', '%zz', ' ', '\u2028', '\ud800', '\udfff', '😀', 'price', 'account_id', 'status', 'constructor', '\u00ff\u0100'),
);

const hostileSegment = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }).map(percentEncoded),
  fc.constantFrom('%ff', '%', '%e0%a4', 'x'.repeat(300), '%00', '..', 'ord_x', '61291234567%0a'),
);

const hostileValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('\u0000', 'Sydney\u0000', 'x'.repeat(70_000).slice(0, 3000), '', ' ', '0291234567', '\ud800', -1, 0, 1e308, -0, true, null, [], {}),
  fc.jsonValue({ maxDepth: 2 }),
);

const request = fc.record({
  op: fc.nat(),
  pick: fc.nat(),
  hostilePath: fc.boolean(),
  segment: hostileSegment,
  extras: fc.array(fc.tuple(awkwardName, fc.jsonValue({ maxDepth: 2 })), { maxLength: 6 }),
  deep: fc.option(fc.integer({ min: 33, max: 2500 }), { freq: 6 }),
  idempotencyKey: fc.option(fc.string({ minLength: 1, maxLength: 40 }).map((k) => `fz-${percentEncoded(k)}`), { freq: 2 }),
  fraction: fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { freq: 5 }),
  mangled: fc.option(fc.tuple(fc.nat(), hostileValue), { freq: 3 }),
});

function nested(depth: number, asObjects: boolean): string {
  return asObjects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

describeEachDatabase('generated writes to every operation', (dialect) => {
  it(`never fails an answer after a write, for ${RUNS} generated requests over every write operation`, async (t) => {
    const ctx = await createTestContext(t, dialect);
    const fx = await fixture(ctx);
    const doc = (await ctx.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const operations: Operation[] = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .map((m) => m.toUpperCase())
        .filter((m): m is Method => ['POST', 'PATCH', 'PUT', 'DELETE'].includes(m))
        .map((method) => ({ method, path })),
    );
    assert.ok(operations.length >= 23, `the document lists ${operations.length} write operations`);
    for (const op of operations) {
      const name = `${op.method} ${op.path}`;
      assert.ok(WITHOUT_BODY.has(name) || baseBody(op, fx, 0) !== undefined, `the fuzzer knows a body for ${name}`);
    }

    const seen = new Map<string, number>();
    let keysUsed = 0;
    let creditedCents = 0;
    let debitedCents = 0;
    const purchasedOrders = new Set<string>();
    const seed = Number(process.env.BILBY_TEST_SEED ?? Date.now() % 1_000_000);
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const op = operations[r.op % operations.length]!;
        const name = `${op.method} ${op.path}`;
        const admin = op.path.startsWith('/admin/');
        const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
        const hostileParam = r.hostilePath && params.length > 0 ? params[r.pick % params.length] : undefined;
        const url = op.path.replace(/\{(\w+)\}/g, (_, p: string) => (p === hostileParam ? r.segment : realParam(p, fx, r.pick)));

        const base = baseBody(op, fx, r.pick) as Record<string, unknown> | undefined;
        const body: Record<string, unknown> = { ...(base ?? {}) };
        for (const [field, value] of r.extras) if (!(base && field in base)) body[field] = value;
        if (r.fraction !== null && 'amount' in body) body.amount = r.fraction;
        if (r.fraction !== null && 'setup_cost' in body) body.setup_cost = r.fraction;
        const known = Object.keys(base ?? {});
        if (r.mangled !== null && known.length > 0) body[known[r.mangled[0] % known.length]!] = r.mangled[1];
        let payload = JSON.stringify(body);
        if (r.deep !== null) payload = `${payload.slice(0, -1)}${payload.length > 2 ? ',' : ''}"deep":${nested(r.deep, r.pick % 2 === 0)}}`;
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          ...(admin ? ADMIN_HEADERS : { 'x-crazytel-api-key': fx.customer.key }),
          // Generated keys repeat across runs; a key of its own per run keeps each a first use.
          ...(r.idempotencyKey ? { 'idempotency-key': `${r.idempotencyKey}-${++keysUsed}` } : {}),
        };
        const send = (text: string) => ctx.app.inject({ method: op.method, url, headers, payload: text });
        const res = await send(payload);
        const where = `seed ${seed}: ${name} as ${op.method} ${url.slice(0, 120)} ${payload.slice(0, 200)}`;
        seen.set(name, (seen.get(name) ?? 0) + 1);

        assert.ok(res.statusCode < 500, `${where} → ${res.statusCode} ${res.body.slice(0, 300)}`);
        assert.ok(res.headers['x-request-id'], `${where}: X-Request-Id`);
        if (res.statusCode >= 400) {
          const error = res.json() as Record<string, unknown>;
          assert.equal(typeof error.code, 'string', `${where}: error code`);
          assert.equal(typeof error.detail, 'string', `${where}: error detail`);
          assert.equal(typeof error.request_id, 'string', `${where}: error request_id`);
        }
        if (r.deep !== null && !hostileParam) {
          const [status, code] = Buffer.byteLength(payload) > 16 * 1024 ? [413, 'payload_too_large'] : [400, 'invalid_request'];
          assert.deepEqual([res.statusCode, res.json().code], [status, code], `${where}: a body nested ${r.deep} deep is refused`);
        }
        const replayed = res.headers['idempotent-replayed'] === 'true';
        if (res.statusCode < 300 && !replayed) {
          const answer = res.json() as Record<string, unknown>;
          if (name === 'POST /admin/v1/accounts/{account_id}/credits') creditedCents += Math.round(Number(answer.amount) * 100);
          if (name === 'POST /admin/v1/accounts/{account_id}/debits') debitedCents += Math.round(Number(answer.amount) * 100);
          if (name === 'POST /api/v1/phone-numbers/purchase') {
            assert.ok(!purchasedOrders.has(String(answer.order_id)), `${where}: a new order`);
            purchasedOrders.add(String(answer.order_id));
          }
          if (name === 'POST /api/v1/phone-numbers/orders') {
            for (const line of answer.lines as Array<{ outcome: string; order_id: string | null }>) {
              if (line.outcome !== 'purchased') continue;
              assert.ok(!purchasedOrders.has(String(line.order_id)), `${where}: a new order`);
              purchasedOrders.add(String(line.order_id));
            }
          }
        }

        if (r.idempotencyKey) {
          assert.notEqual(res.statusCode === 422 && res.json().code, 'idempotency_key_reused', `${where}: a key's first use`);
          // An answer holding an API key is never stored: a retry is told what the key created.
          const secret = SECRET_ANSWERS.has(name) && res.statusCode >= 200 && res.statusCode < 300;
          for (const retry of [payload, `{"zz_added_on_retry":1,${payload.slice(1)}`]) {
            if (retry.startsWith('{"zz') && !payload.startsWith('{"')) continue;
            const again = await send(retry);
            if (secret) {
              assert.deepEqual([again.statusCode, again.json().code, again.headers['idempotent-replayed']], [409, 'already_exists', 'true'], `${where}: the retry`);
              continue;
            }
            assert.equal(again.statusCode, res.statusCode, `${where}: the retry's status (${again.body.slice(0, 200)})`);
            if (op.method === 'PUT') continue;
            assert.equal(again.body.replace(/req_\w+/g, 'req'), res.body.replace(/req_\w+/g, 'req'), `${where}: the retry's body`);
            // PUT is idempotent by itself; the contract's keys are for POST, PATCH and DELETE.
            const routed = !(res.statusCode === 404 && res.json().detail.startsWith('No route'));
            if (routed && !retry.includes('"deep":')) assert.equal(again.headers['idempotent-replayed'], 'true', `${where}: replayed`);
          }
        }
      }),
      { numRuns: RUNS, seed, endOnFailure: true },
    );

    for (const op of operations) assert.ok((seen.get(`${op.method} ${op.path}`) ?? 0) > 0, `${op.method} ${op.path} was exercised`);
    const ledger = await ctx.db
      .selectFrom('ledger_transaction')
      .select(['type', sql<number>`sum(amount_cents)`.as('total'), sql<number>`count(*)`.as('n')])
      .where('account_id', '=', fx.target.accountId)
      .groupBy('type')
      .execute();
    const byType = Object.fromEntries(ledger.map((row) => [row.type, Number(row.total)]));
    assert.equal((byType.credit ?? 0) - 100_00, creditedCents, `seed ${seed}: credits posted = credits answered 201`);
    assert.equal(byType.adjustment ?? 0, debitedCents, `seed ${seed}: debits posted = debits answered 201`);
    const completed = await ctx.db.selectFrom('purchase_order').select('id').where('status', '=', 'completed').execute();
    assert.deepEqual(new Set(completed.map((o) => o.id)), purchasedOrders, `seed ${seed}: orders completed = purchases answered 200 and bulk lines answered purchased`);
    const zero = await ctx.db.selectFrom('ledger_entry').select('transaction_id').where('amount_cents', '=', 0).execute();
    assert.deepEqual(zero, [], 'no ledger entry of $0.00');
    await assertInvariants(ctx.db, ctx.carrier, { settled: true });
  });
});

async function fixture(ctx: TestContextApi): Promise<Fixture> {
  const customer = await ctx.createAccount({ balance: 5_000_00 });
  const target = await ctx.createAccount({ balance: 100_00 });
  const numbers = Array.from({ length: 40 }, (_, i) => `612912345${String(i).padStart(2, '0')}`);
  await ctx.seedNumbers(numbers.map((number) => ({ number, setup: 1_00, monthly: 2_00 })));
  const destination = await ctx.admin('POST', `/accounts/${target.accountId}/destinations`, {
    body: { route: 'server', destination: 'sip.example.com', description: 'trunk' },
  });
  assert.equal(destination.status, 201, JSON.stringify(destination.body));
  const key = await ctx.admin('POST', `/accounts/${target.accountId}/keys`, { body: { label: 'spare' } });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  const plan = await ctx.admin('POST', '/price-plans', { body: { name: 'Fuzzed plan', prices: [{ number_type: 'geographic', setup_cost: 0.5, monthly_cost: 1 }] } });
  assert.equal(plan.status, 201, JSON.stringify(plan.body));
  const webhook = await ctx.call('POST', '/api/v1/webhooks', { key: customer.key, body: { url: 'https://hooks.example.com/bilby', events: ['*'] } });
  assert.equal(webhook.status, 201, JSON.stringify(webhook.body));
  return { customer, target, destinationId: destination.body.id, keyId: key.body.id, planId: plan.body.id, webhookId: webhook.body.id, numbers };
}
