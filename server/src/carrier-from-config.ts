import type { Logger } from 'pino';
import type { Carrier } from './carriers/carrier.js';
import { CrazyTelCarrier } from './carriers/crazytel/crazytel-carrier.js';
import type { UpstreamPriority } from './carriers/crazytel/upstream-budget.js';
import { createUpstreamClient } from './carriers/crazytel/upstream-client.js';
import { SimulatedCarrier } from './carriers/simulated/simulated-carrier.js';
import type { Config, UpstreamConfig } from './config.js';
import { ipndRecordsFor } from './services/ipnd-records.js';
import { accountRoutingFor } from './services/upstream-route.js';
import { openUpstreamBudget } from './services/upstream-budget.js';
import type { Database } from './store/database.js';

/** How long a background request (a health check, reconciliation, the sync) may wait for its turn. */
const BACKGROUND_DEADLINE_MS = 5 * 60_000;

/** The carrier the configuration names, open and ready. */
export async function openCarrier(config: Config, database: Database, log: Logger, clock: () => Date): Promise<Carrier> {
  if (config.carrier.kind === 'simulated' || config.upstream === undefined) {
    return SimulatedCarrier.open({
      path: config.carrier.databasePath,
      failureRate: config.carrier.failureRate,
      latencyMs: config.carrier.latencyMs,
      hangRate: config.carrier.hangRate,
      hangMs: config.carrier.hangMs,
    });
  }
  const upstream = config.upstream;
  const budget = await openUpstreamBudget(database, { carrier: 'crazytel', perMinute: upstream.ratePerMinute });
  const client = (priority: UpstreamPriority, deadlineMs: number) =>
    createUpstreamClient({ url: upstream.url, apiKey: upstream.apiKey, budget, priority, deadlineMs, requestTimeoutMs: upstream.requestTimeoutMs });
  return new CrazyTelCarrier({
    // A purchase's turn must come with time left for the request itself inside the carrier
    // timeout: a turn at the last moment would answer upstream_pending instead of a clean refusal.
    client: client('customer', Math.floor(config.carrier.timeoutMs / 2)),
    backgroundClient: client('background', BACKGROUND_DEADLINE_MS),
    records: ipndRecordsFor({ database, clock }, 'crazytel'),
    upstreamRouting: upstreamRouting(upstream),
    accountRouting: accountRoutingFor(database),
    log: log.child({ carrier: 'crazytel' }),
    clock,
  });
}

function upstreamRouting(upstream: UpstreamConfig) {
  return { route: upstream.route, destination: upstream.destination };
}
