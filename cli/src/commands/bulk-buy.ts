import type { BilbyClient, BulkOrder, BulkOrderInput, NumberType } from '@bilby/sdk';
import { defined } from '../arguments.js';
import { UsageError } from '../failures.js';
import { dollars, emit, table, type Io } from '../io.js';
import type { BuyFlags } from './buy.js';

export interface BulkFlags extends BuyFlags {
  quantity?: number;
  state?: string;
  city?: string;
  type?: NumberType;
  contains?: string;
  consecutive?: boolean;
  /** Buy those that can be had instead of every number or none. */
  partial?: boolean;
}

/** `bilby buy-many [numbers...]`: named numbers, or --quantity with criteria, in one order. */
export async function buyMany(client: BilbyClient, numbers: string[], flags: BulkFlags, io: Io): Promise<void> {
  const missing = (['address', 'owner', 'route'] as const).filter((flag) => !flags[flag]).map((flag) => `--${flag}`);
  if (missing.length > 0) throw new UsageError(`bilby buy-many needs ${missing.join(', ')}`);
  if ((numbers.length > 0) === (flags.quantity !== undefined)) throw new UsageError('give the numbers, or --quantity with criteria (--state, --city, --type, --contains, --consecutive)');
  const input: BulkOrderInput = defined({
    ...(numbers.length > 0
      ? { did_numbers: numbers }
      : { criteria: defined({ quantity: flags.quantity!, state: flags.state, city: flags.city, number_type: flags.type, contains: flags.contains, consecutive: flags.consecutive }) }),
    all_or_nothing: !flags.partial,
    address_id: flags.address!,
    person_id: flags.owner!,
    primary_route: flags.route!,
    primary_destination: flags.destination,
    description: flags.description,
  });
  emit(io, await client.bulkOrders.create(input, defined({ idempotencyKey: flags.idempotencyKey })), describeBulkOrder);
}

function describeBulkOrder(order: BulkOrder): string {
  const lines = table(order.lines, [
    ['number', (l) => l.did_number],
    ['outcome', (l) => l.outcome],
    ['reason', (l) => l.reason],
    ['charged', (l) => dollars(l.charged)],
  ]);
  return `Order ${order.id}: ${order.status}, charged ${dollars(order.charged)}.\n${lines}`;
}
