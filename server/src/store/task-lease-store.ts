import type { Database } from './database.js';

/**
 * Leases on tasks only one process may run at a time (the catalogue sync): a row per task naming
 * its holder until a time. Taking one is a conditional update (compare and set on the holder and
 * the expiry), so of two processes only one takes it, on either database.
 */

/** Takes the lease if it is free (never taken, expired, or already `holder`'s); true when `holder` has it. */
export async function takeLease(database: Database, name: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean> {
  return database.writeTransaction(async (trx) => {
    await trx
      .insertInto('task_lease')
      .values({ name, holder, expires_at_ms: 0 })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const taken = await trx
      .updateTable('task_lease')
      .set({ holder, expires_at_ms: nowMs + ttlMs })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('expires_at_ms', '<=', nowMs), eb('holder', '=', holder)]))
      .executeTakeFirst();
    return taken.numUpdatedRows === 1n;
  });
}

/** Extends `holder`'s lease; false when another process has taken it since (it had expired). */
export async function renewLease(database: Database, name: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean> {
  const renewed = await database.writeStatement((ex) =>
    ex
      .updateTable('task_lease')
      .set({ expires_at_ms: nowMs + ttlMs })
      .where('name', '=', name)
      .where('holder', '=', holder)
      .executeTakeFirst(),
  );
  return renewed.numUpdatedRows === 1n;
}

/** Gives the lease up at once, if `holder` still has it. */
export async function releaseLease(database: Database, name: string, holder: string): Promise<void> {
  await database.writeStatement((ex) =>
    ex.updateTable('task_lease').set({ expires_at_ms: 0 }).where('name', '=', name).where('holder', '=', holder).execute(),
  );
}

/** Who holds the task's lease and until when (ms since the epoch); undefined if never taken. */
export async function findLease(database: Database, name: string): Promise<{ holder: string; expiresAtMs: number } | undefined> {
  const row = await database.db.selectFrom('task_lease').select(['holder', 'expires_at_ms']).where('name', '=', name).executeTakeFirst();
  return row && { holder: row.holder, expiresAtMs: Number(row.expires_at_ms) };
}
