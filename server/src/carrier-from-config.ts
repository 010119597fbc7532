import type { Logger } from 'pino';
import type { UpstreamCatalogue } from './carriers/catalogue.js';
import type { Carrier } from './carriers/carrier.js';
import { CarrierPerNumber } from './carriers/carrier-per-number.js';
import { CrazyTelCarrier } from './carriers/crazytel/crazytel-carrier.js';
import { CrazyTelCatalogue } from './carriers/crazytel/upstream-catalogue.js';
import type { UpstreamPriority } from './carriers/crazytel/upstream-budget.js';
import { createUpstreamClient } from './carriers/crazytel/upstream-client.js';
import { SimulatedCarrier } from './carriers/simulated/simulated-carrier.js';
import type { Config, UpstreamConfig } from './config.js';
import { ipndRecordsFor } from './services/ipnd-records.js';
import { accountRoutingFor } from './services/upstream-route.js';
import { openUpstreamBudget } from './services/upstream-budget.js';
import type { Database } from './store/database.js';
import { findNumberCarrier } from './store/number-store.js';

/** How long a background request (a health check, reconciliation, the sync) may wait for its turn. */
const BACKGROUND_DEADLINE_MS = 5 * 60_000;

export interface OpenedCarrier {
  carrier: Carrier;
  /** With an upstream: what it offers for sale, read on the budget's background priority. */
  catalogue: UpstreamCatalogue | undefined;
}

/** The carrier the configuration names, open and ready, and its upstream's catalogue if it has one. */
export async function openCarrier(config: Config, database: Database, log: Logger, clock: () => Date): Promise<OpenedCarrier> {
  const own = await SimulatedCarrier.open({
    path: config.carrier.databasePath,
    failureRate: config.carrier.failureRate,
    latencyMs: config.carrier.latencyMs,
    hangRate: config.carrier.hangRate,
    hangMs: config.carrier.hangMs,
  });
  if (config.carrier.kind === 'simulated' || config.upstream === undefined) return { carrier: own, catalogue: undefined };
  const upstream = config.upstream;
  const budget = await openUpstreamBudget(database, { carrier: 'crazytel', perMinute: upstream.ratePerMinute });
  const client = (priority: UpstreamPriority, deadlineMs: number) =>
    createUpstreamClient({ url: upstream.url, apiKey: upstream.apiKey, budget, priority, deadlineMs, requestTimeoutMs: upstream.requestTimeoutMs });
  const backgroundClient = client('background', BACKGROUND_DEADLINE_MS);
  const carrier = new CrazyTelCarrier({
    // A purchase's turn must come with time left for the request itself inside the carrier
    // timeout: a turn at the last moment would answer upstream_pending instead of a clean refusal.
    client: client('customer', Math.floor(config.carrier.timeoutMs / 2)),
    backgroundClient,
    records: ipndRecordsFor({ database, clock }, 'crazytel'),
    upstreamRouting: upstreamRouting(upstream),
    accountRouting: accountRoutingFor(database),
    log: log.child({ carrier: 'crazytel' }),
    clock,
  });
  // The reseller's own ranges (numbers of carrier "simulated") are provisioned by Bilby's own carrier.
  const perNumber = new CarrierPerNumber({ primary: carrier, others: [own], carrierOf: (didNumber) => findNumberCarrier(database.db, didNumber) });
  return { carrier: perNumber, catalogue: new CrazyTelCatalogue(backgroundClient) };
}

function upstreamRouting(upstream: UpstreamConfig) {
  return { route: upstream.route, destination: upstream.destination };
}
