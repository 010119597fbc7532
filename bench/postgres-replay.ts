import type pg from 'pg';
import { retarget } from './captured-purchase.js';
import type { FloorInput } from './postgres-floor-worker.js';

/**
 * Runs the captured purchase once on a connection, as the index-th purchase of this process: its own
 * number, buyer and ids, each statement named (prepared once per connection) as Bilby sends it.
 * Rolls back and throws if a statement fails.
 */
export async function replayPurchase(client: pg.Client | pg.PoolClient, input: FloorInput, index: number): Promise<void> {
  const purchase = {
    did: input.numbers[index % input.numbers.length]!,
    buyer: input.buyers[index % input.buyers.length]!,
    index: input.worker * 1_000_000 + index,
    ids: new Map<string, string>(),
  };
  try {
    for (const [i, statement] of input.captured.entries()) {
      if (statement.values.length === 0) await client.query(statement.text);
      else await client.query({ name: `floor_${i}`, text: statement.text, values: retarget(statement.values, { did: input.capturedDid, buyer: input.capturedBuyer }, purchase) });
    }
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
