import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createClient } from '../../sdk/src/index.js';
import { CrazyTelCarrier } from '../../server/src/carriers/crazytel/crazytel-carrier.js';
import { ipndRecordsFor } from '../../server/src/services/ipnd-records.js';
import { accountRoutingFor } from '../../server/src/services/upstream-route.js';
import type { TestContextApi } from './context.js';
import { startFlakyProxy } from './flaky-proxy.js';
import { startServer, type ServerProcess } from './server-process.js';
import type { Cleanup } from './cleanup.js';

export const UPSTREAM_ADMIN_KEY = 'upstream-admin-key-0123456789';
/** Where the reseller's upstream sends its numbers' calls. */
export const UPSTREAM_ROUTING = { route: 'server', destination: 'sip.reseller.example' } as const;
/** What each number costs the reseller upstream: $1 setup and $5 a month. */
export const UPSTREAM_PRICE = { setup: '1.00', monthly: '5.00', cents: 6_00 } as const;

/** A number upstream sells, and at what cost to the reseller (dollars, as upstream's CSV takes them). */
export interface UpstreamStock {
  number: string;
  /** @default "1.00" */
  setup?: string;
  /** @default "5.00" */
  monthly?: string;
  /** @default the number's state (Australian geographic numbers), none otherwise */
  state?: string;
  /** @default Sydney for NSW numbers */
  city?: string;
}

export interface UpstreamOptions {
  /** The numbers upstream has for sale, NSW geographic numbers at UPSTREAM_PRICE. */
  numbers: string[];
  /** More numbers for sale, each at its own cost. */
  stock?: UpstreamStock[];
  /** The reseller's balance upstream, in dollars. @default 100 */
  balance?: number;
  env?: Record<string, string>;
}

/**
 * A second Bilby process in the role of crazytel.io: the reseller's account on it (its SIP server
 * as a destination) and the numbers in its stock, behind a fault proxy that records every call.
 */
export async function startUpstream(t: Cleanup, options: UpstreamOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'bilby-upstream-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const process: ServerProcess = await startServer([], {
    BILBY_DATABASE_URL: `file:${join(dir, 'upstream.db')}`,
    BILBY_CARRIER_DATABASE_URL: `file:${join(dir, 'upstream-carrier.db')}`,
    BILBY_ADMIN_KEY: UPSTREAM_ADMIN_KEY,
    BILBY_RATE_LIMIT_PER_MINUTE: '0',
    ...options.env,
  });
  t.after(() => process.stop());
  const admin = createClient({ baseUrl: process.base, adminKey: UPSTREAM_ADMIN_KEY }).admin;
  const created = await admin.accounts.create({ name: 'Reseller', opening_credit: options.balance ?? 100 });
  const resellerKey = created.api_key.api_key;
  await admin.destinations.create(created.account.id, { ...UPSTREAM_ROUTING });
  const stock = [...options.numbers.map((number): UpstreamStock => ({ number, state: 'NSW', city: 'Sydney' })), ...(options.stock ?? [])];
  if (stock.length > 0) await stockUpstream(admin, stock);
  const proxy = await startFlakyProxy(t, process.base, []);
  /** The reseller's own view of its upstream account, straight to the upstream (not through the proxy). */
  const reseller = createClient({ baseUrl: process.base, apiKey: resellerKey });
  return { process, proxy, admin, resellerAccountId: created.account.id, reseller, resellerKey };
}

export type Upstream = Awaited<ReturnType<typeof startUpstream>>;

/** Puts numbers on sale upstream, through its operator API's CSV import. */
export async function stockUpstream(admin: Upstream['admin'], stock: UpstreamStock[]): Promise<void> {
  const csv = [
    'did_number,state,city,setup_cost,monthly_cost',
    ...stock.map((s) => `${s.number},${s.state ?? ''},${s.city ?? ''},${s.setup ?? UPSTREAM_PRICE.setup},${s.monthly ?? UPSTREAM_PRICE.monthly}`),
  ];
  const report = await admin.inventory.import(Readable.from([`${csv.join('\n')}\n`]));
  assert.equal(report.added, stock.length, JSON.stringify(report));
}

/** The carrier as the reseller's server runs it, with the reseller's key, in CrazyTel compatibility. */
export function crazyTelCarrier(ctx: TestContextApi, upstreamUrl: string, resellerKey: string): CrazyTelCarrier {
  return new CrazyTelCarrier({
    client: createClient({ baseUrl: upstreamUrl, apiKey: resellerKey, compatibility: 'crazytel' }),
    records: ipndRecordsFor(ctx.deps, 'crazytel'),
    upstreamRouting: UPSTREAM_ROUTING,
    accountRouting: accountRoutingFor(ctx.database),
  });
}
