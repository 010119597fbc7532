import type { AccountEvent, BilbyClient } from '@bilby/sdk';
import { emit, table, type Io } from '../io.js';
import { collect } from './numbers.js';

const columns: Array<[string, (e: AccountEvent) => unknown]> = [
  ['cursor', (e) => e.cursor],
  ['when', (e) => e.created_at],
  ['kind', (e) => e.kind],
  ['number', (e) => e.did_number],
  ['order', (e) => e.data.order_id ?? e.data.release_id ?? null],
];

/** `bilby events`: the account's events after `after`, oldest first. */
export async function listEvents(client: BilbyClient, options: { after?: string; limit?: number }, io: Io): Promise<void> {
  const page = await collect(client.events.list(options), options.limit === undefined);
  emit(io, page, (p) => table(p.results, columns));
}

/**
 * `bilby events --follow`: each event as it comes, a line each (JSON lines with --json), until
 * `signal` aborts (Ctrl-C). The last cursor printed is where to start again.
 */
export async function followEvents(client: BilbyClient, options: { after?: string; signal: AbortSignal; intervalMs?: number }, io: Io): Promise<void> {
  for await (const event of client.events.follow(options)) {
    io.out(io.json ? `${JSON.stringify(event)}\n` : `${columns.map(([, cell]) => cell(event) ?? '-').join('  ')}\n`);
  }
}
