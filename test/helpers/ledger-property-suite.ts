import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { newId } from '../../server/src/domain/ids.js';
import { LEDGER_REVENUE } from '../../server/src/domain/order.js';
import { SYSTEM_SOURCE } from '../../server/src/domain/number-event.js';
import { creditAccount } from '../../server/src/services/create-account.js';
import { completeOrder, failOrder } from '../../server/src/services/settle-order.js';
import type { DialectName } from '../../server/src/store/database.js';
import { postLedgerTransaction } from '../../server/src/store/ledger-store.js';
import { createTestContext } from './context.js';
import { assertInvariants } from './invariants.js';
import { placeHold } from './orders.js';
import { inChains } from './property-chains.js';

/** One money operation on an account; `index` picks among the holds still open. */
type Operation =
  | { kind: 'credit'; cents: number }
  | { kind: 'debit'; cents: number }
  | { kind: 'hold'; cents: number }
  | { kind: 'post'; index: number }
  | { kind: 'void'; index: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant('credit' as const), cents: fc.integer({ min: 1, max: 50_00 }) }),
  fc.record({ kind: fc.constant('debit' as const), cents: fc.integer({ min: 1, max: 80_00 }) }),
  fc.record({ kind: fc.constant('hold' as const), cents: fc.integer({ min: 0, max: 60_00 }) }),
  fc.record({ kind: fc.constant('post' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('void' as const), index: fc.nat() }),
);

/**
 * The ledger property on one database: test/ledger-property-sqlite.test.ts and
 * ledger-property-postgres.test.ts, two files so that the runner runs the two side by side. On
 * PostgreSQL its runs go in four chains, each on a schema of its own (test/helpers/property-chains.ts).
 */
export function ledgerProperty(dialect: DialectName): void {
  it('keeps balances equal to their entries, holds to their open holds, and never below zero', async (t) => {
    const runs = Number(process.env.BILBY_LEDGER_RUNS ?? 1000);
    const seed = Number(process.env.BILBY_TEST_SEED ?? Date.now() % 2 ** 31);
    await inChains(runs, seed, dialect === 'postgres' ? 4 : 1, async ({ numRuns, seed }) => {
      const ctx = await createTestContext(t, dialect);
      await fc.assert(
        fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 12 }), async (operations) => {
          const account = await ctx.createAccount({ balance: 0 });
          const model = { balance: 0, held: 0, open: [] as Array<{ orderId: string; cents: number }> };
          for (const op of operations) {
            const at = new Date().toISOString();
            if (op.kind === 'credit') {
              await ctx.database.writeTransaction((trx) => creditAccount(trx, account.accountId, op.cents, 'credit', at));
              model.balance += op.cents;
            } else if (op.kind === 'debit') {
              const debit = ctx.database.writeTransaction((trx) =>
                postLedgerTransaction(trx, {
                  id: newId('txn'), accountId: account.accountId, type: 'adjustment', amountCents: -op.cents,
                  counterAccount: LEDGER_REVENUE, releasesHeldCents: 0, orderId: null, description: 'debit', at,
                }),
              );
              if (op.cents <= model.balance - model.held) {
                await debit;
                model.balance -= op.cents;
              } else {
                await assert.rejects(debit, 'the database refuses to overdraw the available balance');
              }
            } else if (op.kind === 'hold') {
              const orderId = await placeHold(ctx, account.accountId, account.addressId, account.personId, op.cents);
              assert.equal(orderId !== null, op.cents <= model.balance - model.held, 'a hold succeeds exactly when funds cover it');
              if (orderId) {
                model.held += op.cents;
                model.open.push({ orderId, cents: op.cents });
              }
            } else if (model.open.length > 0) {
              const [hold] = model.open.splice(op.index % model.open.length, 1);
              if (op.kind === 'post') {
                await completeOrder(ctx.deps, hold!.orderId, 'ref', SYSTEM_SOURCE);
                model.balance -= hold!.cents;
              } else {
                await failOrder(ctx.deps, hold!.orderId, 'upstream_error');
              }
              model.held -= hold!.cents;
            }
            const row = await ctx.db.selectFrom('account').select(['balance_cents', 'held_cents']).where('id', '=', account.accountId).executeTakeFirstOrThrow();
            assert.deepEqual([Number(row.balance_cents), Number(row.held_cents)], [model.balance, model.held]);
            assert.ok(model.balance - model.held >= 0);
          }
        }),
        { numRuns, seed },
      );
      await assertInvariants(ctx.db, null);
    });
  });
}
