import type { IpndRecords, MirroredKind } from '../carriers/crazytel/crazytel-carrier.js';
import type { Address, Person } from '../domain/ipnd-record.js';
import { findAddress, findPerson } from '../store/ipnd-store.js';
import { findUpstreamId, listUpstreamRecords, rememberUpstreamId } from '../store/upstream-record-store.js';
import type { ServiceDeps } from './deps.js';

/** The buyer's IPND records and their copies at `carrier`, for a carrier that mirrors them upstream. */
export function ipndRecordsFor(deps: Pick<ServiceDeps, 'database' | 'clock'>, carrier: string): IpndRecords {
  const db = deps.database.db;
  return {
    async address(id) {
      const row = await findAddress(db, id);
      if (!row) return undefined;
      const { account_id: _account, created_at: _created, ...address } = row;
      return address satisfies Address;
    },
    async person(id) {
      const row = await findPerson(db, id);
      if (!row) return undefined;
      const { account_id: _account, created_at: _created, ...person } = row;
      return person satisfies Person;
    },
    upstreamId: (kind: MirroredKind, localId) => findUpstreamId(db, carrier, kind, localId),
    rememberUpstreamId: (kind: MirroredKind, localId, upstreamId) =>
      deps.database.writeStatement((ex) => rememberUpstreamId(ex, { carrier, kind, localId, upstreamId, at: deps.clock().toISOString() })),
    mirrored: async () =>
      (await listUpstreamRecords(db, carrier)).map((row) => ({ kind: row.kind, localId: row.local_id, upstreamId: row.upstream_id })),
  };
}
