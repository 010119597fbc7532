import type { BilbyClient, Reservation } from '@bilby/sdk';
import { emit, table, type Io } from '../io.js';

/** `bilby reservations …`: numbers held for the account for a few minutes while it decides. */

const columns: Array<[string, (r: Reservation) => unknown]> = [
  ['number', (r) => r.did_number],
  ['held until', (r) => r.expires_at],
  ['extendable until', (r) => r.extendable_until],
];

export async function reserve(client: BilbyClient, didNumbers: string[], options: { minutes?: number }, io: Io): Promise<void> {
  const result = await client.reservations.create(didNumbers.length === 1 ? didNumbers[0]! : didNumbers, options);
  emit(io, result, (r) => `${table(r.results, columns)}${r.unavailable.length > 0 ? `Not held (not for sale, or held by another account): ${r.unavailable.join(', ')}\n` : ''}`);
}

export async function listReservations(client: BilbyClient, io: Io): Promise<void> {
  const results = await client.reservations.list();
  emit(io, { results }, (r) => table(r.results, columns));
}

export async function extendReservations(client: BilbyClient, didNumbers: string[], options: { minutes?: number }, io: Io): Promise<void> {
  const results = await client.reservations.extend({ ...(didNumbers.length > 0 ? { didNumbers } : {}), ...options });
  emit(io, { results }, (r) => table(r.results, columns));
}

export async function releaseReservations(client: BilbyClient, didNumbers: string[], io: Io): Promise<void> {
  const released = await client.reservations.release(didNumbers.length > 0 ? didNumbers : undefined);
  emit(io, { released }, (r) => (r.released.length === 0 ? 'Nothing was held.' : `Released ${r.released.join(', ')}.`));
}
