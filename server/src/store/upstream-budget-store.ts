import { sql } from 'kysely';
import { READ_COMMITTED, type Database, type Executor } from './database.js';

/** Makes sure the carrier has `count` slots (a budget raised later gains the missing ones). */
export async function ensureBudgetSlots(ex: Executor, carrier: string, count: number): Promise<void> {
  const rows = Array.from({ length: count }, (_, slot) => ({ carrier, slot, sent_at_ms: 0 }));
  for (let i = 0; i < rows.length; i += 500) {
    await ex
      .insertInto('upstream_budget_slot')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['carrier', 'slot']).doNothing())
      .execute();
  }
}

export interface SlotClaim {
  carrier: string;
  /** Slots in use: the requests the upstream allows per window. */
  count: number;
  windowMs: number;
  /** Read inside the transaction: a turn is scheduled from when the slot is taken, not asked for. */
  now: () => number;
  /** The latest the request may be sent; a later slot is not taken. */
  latestMs: number;
  /** Take a slot only if it is free now and more than this many others are too (0: any slot, now or later). */
  leaveFree: number | undefined;
}

/** When the request may be sent (a slot was taken), or the earliest a slot could be had (none was). */
export type SlotAnswer = { taken: true; sendAtMs: number } | { taken: false; earliestMs: number };

/**
 * Takes the slot whose last request is oldest, scheduling this one a window after it (or now): so
 * no window ever holds more than `count` requests, whichever processes send them. The update is
 * conditional on the slot being unchanged, so two processes never take the same one.
 */
export async function takeBudgetSlot(database: Database, claim: SlotClaim): Promise<SlotAnswer> {
  for (;;) {
    const answer = await database.writeTransaction(async (trx): Promise<SlotAnswer | 'lost'> => {
      const nowMs = claim.now();
      const oldest = await trx
        .selectFrom('upstream_budget_slot')
        .select(['slot', 'sent_at_ms'])
        .where('carrier', '=', claim.carrier)
        .where('slot', '<', claim.count)
        .orderBy('sent_at_ms')
        .orderBy('slot')
        .limit(1)
        .executeTakeFirstOrThrow();
      const sentAt = Number(oldest.sent_at_ms);
      const sendAtMs = Math.max(nowMs, sentAt + claim.windowMs);
      if (claim.leaveFree !== undefined) {
        const free = await countFreeSlots(trx, claim, nowMs);
        if (sendAtMs > nowMs || free <= claim.leaveFree) return { taken: false, earliestMs: sendAtMs };
      }
      if (sendAtMs > claim.latestMs) return { taken: false, earliestMs: sendAtMs };
      const updated = await trx
        .updateTable('upstream_budget_slot')
        .set({ sent_at_ms: sendAtMs })
        .where('carrier', '=', claim.carrier)
        .where('slot', '=', oldest.slot)
        .where('sent_at_ms', '=', oldest.sent_at_ms)
        .executeTakeFirst();
      return updated.numUpdatedRows === 0n ? 'lost' : { taken: true, sendAtMs };
    }, READ_COMMITTED);
    if (answer !== 'lost') return answer;
  }
}

async function countFreeSlots(ex: Executor, claim: SlotClaim, nowMs: number): Promise<number> {
  const row = await ex
    .selectFrom('upstream_budget_slot')
    .select(sql<number>`count(*)`.as('free'))
    .where('carrier', '=', claim.carrier)
    .where('slot', '<', claim.count)
    .where('sent_at_ms', '<=', nowMs - claim.windowMs)
    .executeTakeFirstOrThrow();
  return Number(row.free);
}

/** The upstream refused a request until `untilMs` (429): no slot is given before then. */
export async function holdOffBudget(ex: Executor, carrier: string, untilMs: number, windowMs: number): Promise<void> {
  await ex
    .updateTable('upstream_budget_slot')
    .set({ sent_at_ms: untilMs - windowMs })
    .where('carrier', '=', carrier)
    .where('sent_at_ms', '<', untilMs - windowMs)
    .execute();
}
