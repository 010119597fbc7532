import { READ_COMMITTED, type Database } from './database.js';

/**
 * Takes the task's lease for `holder` until `until`, if nobody holds it past `now`: one conditional
 * update on the expiry, so of several processes asking at once exactly one gets it.
 */
export async function takeLease(database: Database, lease: { name: string; holder: string; now: string; until: string }): Promise<boolean> {
  return database.writeTransaction(async (trx) => {
    await trx
      .insertInto('task_lease')
      .values({ name: lease.name, holder: '', expires_at: '' })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const taken = await trx
      .updateTable('task_lease')
      .set({ holder: lease.holder, expires_at: lease.until })
      .where('name', '=', lease.name)
      .where('expires_at', '<=', lease.now)
      .executeTakeFirst();
    return taken.numUpdatedRows === 1n;
  }, READ_COMMITTED);
}

/** Gives the lease up at `now`, if `holder` still has it. */
export async function releaseLease(database: Database, lease: { name: string; holder: string; now: string }): Promise<void> {
  await database.writeStatement((ex) =>
    ex.updateTable('task_lease').set({ expires_at: lease.now }).where('name', '=', lease.name).where('holder', '=', lease.holder).execute(),
  );
}
