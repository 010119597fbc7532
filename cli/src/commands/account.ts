import type { BilbyClient, NewAddress, NewPerson, Transaction } from '@bilby/sdk';
import { dollars, emit, table, type Io } from '../io.js';
import { collect } from './numbers.js';

/** Customer commands on the account: balance, orders, ledger, IPND records and destinations. */

export async function showBalance(client: BilbyClient, io: Io): Promise<void> {
  emit(io, await client.balance(), (b) => {
    const held = b.available_balance !== undefined && b.available_balance !== b.balance;
    return `Account ${b.account_code}: balance ${dollars(b.balance)}${held ? ` (${dollars(b.available_balance)} available)` : ''}`;
  });
}

/** `bilby balance --alert <dollars|off>`: be told (balance.low) when the balance falls below it. */
export async function setBalanceAlert(client: BilbyClient, threshold: number | null, io: Io): Promise<void> {
  emit(io, await client.setLowBalanceAlert(threshold), (b) =>
    b.low_balance_alert === null || b.low_balance_alert === undefined
      ? 'Low-balance alert off.'
      : `You will be told (event balance.low) each time your balance falls below ${dollars(b.low_balance_alert)}; it is ${dollars(b.balance)} now.`,
  );
}

export async function listOrders(client: BilbyClient, options: { limit?: number }, io: Io): Promise<void> {
  const page = await collect(client.orders.list(options), options.limit === undefined);
  emit(io, page, (p) =>
    table(p.results, [
      ['order', (o) => o.order_id],
      ['number', (o) => o.did_number],
      ['status', (o) => o.status],
      ['amount', (o) => dollars(o.amount)],
      ['failure', (o) => o.failure_code],
      ['created', (o) => o.created_at],
    ]),
  );
}

export const transactionColumns: Array<[string, (r: Transaction) => unknown]> = [
  ['when', (r) => r.created_at],
  ['type', (r) => r.type],
  ['amount', (r) => dollars(r.amount)],
  ['balance', (r) => dollars(r.balance_after)],
  ['description', (r) => r.description],
];

export async function listTransactions(client: BilbyClient, options: { limit?: number }, io: Io): Promise<void> {
  const page = await collect(client.transactions.list(options), options.limit === undefined);
  emit(io, page, (p) => table(p.results, transactionColumns));
}

export async function listAddresses(client: BilbyClient, io: Io): Promise<void> {
  const page = await collect(client.addresses.list(), true);
  emit(io, page, (p) =>
    table(p.results, [
      ['id', (a) => a.id],
      ['nickname', (a) => a.nickname],
      ['address', (a) => [a.street_number_first, a.street_name].filter(Boolean).join(' ')],
      ['city', (a) => a.city],
      ['state', (a) => a.state],
      ['postcode', (a) => a.postcode],
    ]),
  );
}

export async function addAddress(client: BilbyClient, address: NewAddress, io: Io): Promise<void> {
  emit(io, await client.addresses.create(address), (a) => `Added address ${a.id} (${a.city} ${a.state} ${a.postcode}).`);
}

export async function removeAddress(client: BilbyClient, id: string, io: Io): Promise<void> {
  emit(io, await client.addresses.delete(id), () => `Removed address ${id}.`);
}

export async function listOwners(client: BilbyClient, io: Io): Promise<void> {
  const page = await collect(client.owners.list(), true);
  emit(io, page, (p) =>
    table(p.results, [
      ['id', (o) => o.id],
      ['name', (o) => [o.name_2, o.name_1].filter(Boolean).join(' ')],
      ['type', (o) => o.person_type],
      ['nickname', (o) => o.nickname],
    ]),
  );
}

export async function addOwner(client: BilbyClient, person: NewPerson, io: Io): Promise<void> {
  emit(io, await client.owners.create(person), (o) => `Added owner ${o.id} (${[o.name_2, o.name_1].filter(Boolean).join(' ')}).`);
}

export async function removeOwner(client: BilbyClient, id: string, io: Io): Promise<void> {
  emit(io, await client.owners.delete(id), () => `Removed owner ${id}.`);
}

export async function listDestinations(client: BilbyClient, io: Io): Promise<void> {
  emit(io, await collect(client.destinations.list(), true), (d) =>
    table(d.results, [
      ['route', (r) => r.route],
      ['destination', (r) => r.destination],
      ['description', (r) => r.description],
    ]),
  );
}
