import type { Executor } from './database.js';
import type { UpstreamRecordKind } from './tables.js';

/** The upstream id of one of Bilby's IPND records at `carrier`, if it was mirrored there. */
export async function findUpstreamId(ex: Executor, carrier: string, kind: UpstreamRecordKind, localId: string): Promise<string | undefined> {
  const row = await ex
    .selectFrom('upstream_record')
    .select('upstream_id')
    .where('carrier', '=', carrier)
    .where('kind', '=', kind)
    .where('local_id', '=', localId)
    .executeTakeFirst();
  return row?.upstream_id;
}

/**
 * Records the upstream id of a mirrored record, unless one is recorded already (two purchases
 * mirroring the same record at once): returns the id that is kept, the first one recorded.
 */
export async function rememberUpstreamId(
  ex: Executor,
  record: { carrier: string; kind: UpstreamRecordKind; localId: string; upstreamId: string; at: string },
): Promise<string> {
  await ex
    .insertInto('upstream_record')
    .values({ carrier: record.carrier, kind: record.kind, local_id: record.localId, upstream_id: record.upstreamId, created_at: record.at })
    .onConflict((oc) => oc.columns(['carrier', 'kind', 'local_id']).doNothing())
    .execute();
  return (await findUpstreamId(ex, record.carrier, record.kind, record.localId))!;
}

/** Every record mirrored at `carrier`. */
export async function listUpstreamRecords(ex: Executor, carrier: string): Promise<Array<{ kind: UpstreamRecordKind; local_id: string; upstream_id: string }>> {
  return ex
    .selectFrom('upstream_record')
    .select(['kind', 'local_id', 'upstream_id'])
    .where('carrier', '=', carrier)
    .orderBy('kind')
    .orderBy('local_id')
    .execute();
}
