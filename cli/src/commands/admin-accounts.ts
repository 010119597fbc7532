import type { AdminAccount, BilbyClient, NewDestination, NumberType, PriceInput, UpstreamRouteInput } from '@bilby/sdk';
import { defined } from '../arguments.js';
import { details, dollars, emit, table, type Io } from '../io.js';
import { transactionColumns } from './account.js';
import { collect } from './numbers.js';

/** Operator commands on accounts, keys, money, destinations and prices. */

const accountColumns: Array<[string, (a: AdminAccount) => unknown]> = [
  ['id', (a) => a.id],
  ['code', (a) => a.account_code],
  ['name', (a) => a.name],
  ['status', (a) => a.status],
  ['balance', (a) => dollars(a.balance)],
  ['available', (a) => dollars(a.available_balance)],
];

export async function listAccounts(client: BilbyClient, options: { status?: 'active' | 'suspended'; limit?: number }, io: Io) {
  const page = await collect(client.admin.accounts.list(options), options.limit === undefined);
  emit(io, page, (p) => table(p.results, accountColumns));
}

export async function createAccount(client: BilbyClient, input: { name: string; credit?: number }, io: Io) {
  const created = await client.admin.accounts.create(defined({ name: input.name, opening_credit: input.credit }));
  emit(io, created, (c) =>
    details([
      ['Account', `${c.account.id} (code ${c.account.account_code})`],
      ['Name', c.account.name],
      ['Balance', dollars(c.account.balance)],
      ['API key', c.api_key.api_key],
    ]) + 'The API key is shown only now: give it to the customer.\n',
  );
}

export async function showAccount(client: BilbyClient, accountId: string, io: Io) {
  emit(io, await client.admin.accounts.get(accountId), (a) => table([a], accountColumns));
}

export async function setAccountStatus(client: BilbyClient, accountId: string, action: 'suspend' | 'reactivate', io: Io) {
  const account = action === 'suspend' ? await client.admin.accounts.suspend(accountId) : await client.admin.accounts.reactivate(accountId);
  emit(io, account, (a) => `Account ${a.id} is now ${a.status}.`);
}

export async function listKeys(client: BilbyClient, accountId: string, io: Io) {
  emit(io, { results: await client.admin.keys.list(accountId) }, (k) =>
    table(k.results, [
      ['id', (key) => key.id],
      ['hint', (key) => `…${key.hint}`],
      ['label', (key) => key.label],
      ['created', (key) => key.created_at],
      ['revoked', (key) => key.revoked_at],
    ]),
  );
}

export async function createKey(client: BilbyClient, accountId: string, label: string | undefined, io: Io) {
  const key = await client.admin.keys.create(accountId, defined({ label }));
  emit(io, key, (k) => `New key ${k.id}:\n\n  ${k.api_key}\n\nShown only now: store it safely.`);
}

export async function revokeKey(client: BilbyClient, accountId: string, keyId: string, io: Io) {
  emit(io, await client.admin.keys.revoke(accountId, keyId), (k) => `Key ${k.id} revoked at ${k.revoked_at}.`);
}

export async function adjustBalance(
  client: BilbyClient,
  accountId: string,
  direction: 'credit' | 'debit',
  input: { amount: number; reason: string; idempotencyKey?: string },
  io: Io,
) {
  const call = defined({ idempotencyKey: input.idempotencyKey });
  const body = { amount: input.amount, reason: input.reason };
  const row = direction === 'credit' ? await client.admin.credit(accountId, body, call) : await client.admin.debit(accountId, body, call);
  emit(io, row, (r) => `${direction === 'credit' ? 'Credited' : 'Debited'} ${dollars(Math.abs(r.amount))}: balance now ${dollars(r.balance_after)} (${r.transaction_id}).`);
}

export async function listAccountTransactions(client: BilbyClient, accountId: string, io: Io) {
  const page = await collect(client.admin.accounts.transactions(accountId), true);
  emit(io, page, (p) => table(p.results, transactionColumns));
}

export async function listAccountDestinations(client: BilbyClient, accountId: string, io: Io) {
  emit(io, { results: await client.admin.destinations.list(accountId) }, (d) =>
    table(d.results, [
      ['id', (r) => r.id],
      ['route', (r) => r.route],
      ['destination', (r) => r.destination],
      ['description', (r) => r.description],
      ['enabled', (r) => (r.enabled ? 'yes' : 'no')],
    ]),
  );
}

export async function addAccountDestination(client: BilbyClient, accountId: string, input: NewDestination, io: Io) {
  emit(io, await client.admin.destinations.create(accountId, input), (d) => `Added ${d.route} ${d.destination} (${d.id}).`);
}

export async function changeAccountDestination(
  client: BilbyClient,
  accountId: string,
  destinationId: string,
  changes: { description?: string; enabled?: boolean },
  io: Io,
) {
  const d = await client.admin.destinations.update(accountId, destinationId, changes);
  emit(io, d, () => `${d.route} ${d.destination}: ${d.enabled ? 'enabled' : 'disabled'}, "${d.description}".`);
}

export async function removeAccountDestination(client: BilbyClient, accountId: string, destinationId: string, io: Io) {
  emit(io, await client.admin.destinations.delete(accountId, destinationId), (d) => `Removed ${d.route} ${d.destination}.`);
}

export async function listPrices(client: BilbyClient, io: Io) {
  emit(io, { results: await client.admin.prices.list() }, (p) =>
    table(p.results, [
      ['type', (r) => r.number_type],
      ['setup', (r) => dollars(r.setup_cost)],
      ['monthly', (r) => dollars(r.monthly_cost)],
      ['updated', (r) => r.updated_at],
    ]),
  );
}

export async function setTypePrice(client: BilbyClient, numberType: NumberType, price: PriceInput, io: Io) {
  const result = await client.admin.prices.set(numberType, price);
  emit(io, result, (r) => `${r.price.number_type}: ${dollars(r.price.setup_cost)} setup, ${dollars(r.price.monthly_cost)}/month; ${r.numbers_repriced} unsold numbers repriced.`);
}

export async function setNumberPrice(client: BilbyClient, didNumber: string, price: PriceInput | null, io: Io) {
  const n = price ? await client.admin.numbers.setPrice(didNumber, price) : await client.admin.numbers.clearPrice(didNumber);
  emit(io, n, () => `${n.did_number}: ${dollars(n.setup_cost)} setup, ${dollars(n.monthly_cost)}/month (${n.custom_price ? 'own price' : `follows the ${n.number_type} price`}).`);
}

export async function upstreamRoute(client: BilbyClient, accountId: string, change: UpstreamRouteInput | 'clear' | undefined, io: Io) {
  const route =
    change === undefined
      ? await client.admin.upstreamRoute.get(accountId)
      : change === 'clear'
        ? await client.admin.upstreamRoute.clear(accountId)
        : await client.admin.upstreamRoute.set(accountId, change);
  emit(io, route, (r) =>
    details([
      ['Account', r.account_id],
      ['Upstream route', `${r.route}${r.destination === null ? '' : ` ${r.destination}`}${r.overridden ? '' : ' (the configured route)'}`],
      ['Numbers still to reconfigure upstream', String(r.pending_numbers)],
    ]),
  );
}
