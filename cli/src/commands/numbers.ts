import type {
  AvailableNumber,
  AvailableNumberFilters,
  BilbyClient,
  NumberEvent,
  NumberUpdate,
  OwnedNumber,
  OwnedNumberFilters,
  PagePromise,
} from '@bilby/sdk';
import { details, dollars, emit, table, type Io } from '../io.js';

/** Customer commands on numbers: search the stock, and list, show, change, release one's own and show their history. */

export async function collect<T>(list: PagePromise<T>, all: boolean): Promise<{ results: T[]; next_cursor: string | null }> {
  if (!all) {
    const page = await list;
    return { results: page.results, next_cursor: page.next_cursor ?? null };
  }
  const results: T[] = [];
  for await (const item of list) results.push(item);
  return { results, next_cursor: null };
}

export const availableColumns: Array<[string, (n: AvailableNumber) => unknown]> = [
  ['number', (n) => n.did_number],
  ['type', (n) => n.number_type],
  ['state', (n) => n.state],
  ['city', (n) => n.city],
  ['setup', (n) => dollars(n.setup_cost)],
  ['monthly', (n) => dollars(n.monthly_cost)],
];

export async function searchNumbers(client: BilbyClient, filters: AvailableNumberFilters & { all?: boolean }, io: Io): Promise<void> {
  const { all, ...query } = filters;
  const page = await collect(client.availableNumbers.list(query), all ?? false);
  emit(io, page, (p) => table(p.results, availableColumns) + (p.next_cursor ? `More: --cursor ${p.next_cursor}\n` : ''));
}

const ownedColumns: Array<[string, (n: OwnedNumber) => unknown]> = [
  ['number', (n) => n.did_number],
  ['type', (n) => n.number_type],
  ['route', (n) => [n.primary_route, n.primary_destination].filter(Boolean).join(' ')],
  ['description', (n) => n.description],
  ['monthly', (n) => dollars(n.monthly_cost)],
];

export async function listNumbers(client: BilbyClient, filters: OwnedNumberFilters & { all?: boolean }, io: Io): Promise<void> {
  const { all, ...query } = filters;
  const page = await collect(client.numbers.list(query), all ?? query.limit === undefined);
  emit(io, page, (p) => table(p.results, ownedColumns));
}

export async function showNumber(client: BilbyClient, didNumber: string, io: Io): Promise<void> {
  emit(io, await client.numbers.get(didNumber), describeOwned);
}

/** `bilby numbers test <number> [--caller N]`: a dry run of an inbound call, step by step. */
export async function testNumberRouting(client: BilbyClient, didNumber: string, options: { caller?: string }, io: Io): Promise<void> {
  const test = await client.numbers.testRouting(didNumber, options.caller ?? null);
  emit(io, test, (r) => {
    const caller = r.caller.number ? `${r.caller.number} (${r.caller.kind})` : r.caller.kind;
    const steps = table(r.steps, [
      ['step', (s) => s.step],
      ['route', (s) => s.route],
      ['destination', (s) => s.destination],
      ['rings (s)', (s) => s.timeout_seconds],
      ['usable', (s) => (s.usable ? 'yes' : 'no')],
      ['problem', (s) => s.problem],
    ]);
    return `Caller: ${caller}\n${steps}${r.outcome}\n`;
  });
}

export async function updateNumber(client: BilbyClient, didNumber: string, changes: NumberUpdate, io: Io): Promise<void> {
  emit(io, await client.numbers.update(didNumber, changes), describeOwned);
}

export async function releaseNumber(client: BilbyClient, didNumber: string, options: { atPeriodEnd?: boolean }, io: Io): Promise<void> {
  emit(io, await client.numbers.release(didNumber, options), (r) =>
    r.release_on ? `${r.did_number} will be released on ${r.release_on}, when its paid month ends.` : `Released ${r.did_number}.`,
  );
}

export async function restoreNumber(client: BilbyClient, didNumber: string, io: Io): Promise<void> {
  emit(
    io,
    await client.numbers.restore(didNumber),
    (r) => `Restored ${r.did_number}: charged ${dollars(r.charged)}, balance ${dollars(r.balance)}, next renewal on ${r.next_renewal_on}.`,
  );
}

export async function showHistory(client: BilbyClient, didNumber: string, options: { limit?: number }, io: Io): Promise<void> {
  const page = await collect(client.numbers.history(didNumber, options), options.limit === undefined);
  emit(io, page, (p) => table(p.results, eventColumns));
}

export const eventColumns: Array<[string, (e: NumberEvent) => unknown]> = [
  ['when', (e) => e.created_at],
  ['event', (e) => e.kind],
  ['what', (e) => describeEvent(e.details)],
  ['by', (e) => e.actor],
  ['request', (e) => e.request_id],
];

/** One line for an event's details: each change as `field: before → after`, other details as `name value`. */
function describeEvent(details: Record<string, unknown>): string {
  const { changes, ...rest } = details;
  const parts: string[] = [];
  if (changes && typeof changes === 'object') {
    for (const [field, change] of Object.entries(changes as Record<string, { before: unknown; after: unknown }>)) {
      parts.push(`${field}: ${shown(change.before)} → ${shown(change.after)}`);
    }
  }
  for (const [name, value] of Object.entries(rest)) {
    if (value === null || value === undefined || name === 'configuration') continue;
    parts.push(name === 'amount' && typeof value === 'number' ? `amount ${dollars(value)}` : `${name} ${shown(value)}`);
  }
  return parts.join(', ');
}

function shown(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function describeOwned(n: OwnedNumber): string {
  return details([
    ['Number', n.did_number],
    ['Type', n.number_type],
    ['Location', [n.city, n.state].filter(Boolean).join(', ')],
    ['Status', n.status],
    ['Description', n.description],
    ['Primary route', [n.primary_route, n.primary_destination, n.primary_timeout ? `${n.primary_timeout}s` : null].filter(Boolean).join(' ')],
    ['Backup route', [n.backup_route, n.backup_destination].filter(Boolean).join(' ')],
    ['Max channels', n.max_channels],
    ['Address', n.address_id],
    ['Owner', n.person_id],
    ['Monthly', dollars(n.monthly_cost)],
    ['Order', n.order_id],
    ['Purchased', n.purchased_at],
  ]);
}
