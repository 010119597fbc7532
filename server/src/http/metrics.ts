import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { DIFFERENCE_KINDS } from '../domain/upstream-differences.js';
import type { ServiceDeps } from '../services/deps.js';
import { reconcileSummary } from '../services/reconcile-upstream.js';

/**
 * Prometheus metrics of one app: requests by route and status, their durations, durable database
 * commits, and the process's own (memory, event-loop lag, GC). A registry per app, so several apps
 * in one process (tests) do not share counters.
 */
export function registerMetrics(app: FastifyInstance, deps: ServiceDeps): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'bilby_http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const seconds = new Counter({
    name: 'bilby_http_request_seconds_total',
    help: 'Time spent answering HTTP requests, by route',
    labelNames: ['route'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'bilby_database_commits_total',
    help: 'Durable commits of the database (several concurrent write transactions may share one on SQLite)',
    registers: [registry],
    collect() {
      this.set(deps.database.stats.commits);
    },
  });

  new Gauge({
    name: 'bilby_carrier_refusing',
    help: 'Whether the carrier refuses the reseller account (1), by reason: purchases are refused until the operator fixes it',
    labelNames: ['carrier', 'reason'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const health = deps.carrier.health?.();
      for (const reason of ['upstream_out_of_funds', 'upstream_unauthorized'] as const) {
        this.set({ carrier: deps.carrier.name, reason }, health?.status === 'refusing' && health.reason === reason ? 1 : 0);
      }
    },
  });

  // From the last report kept in the database, so every process shows the same, whichever ran it.
  let lastReport: ReturnType<typeof reconcileSummary> | undefined;
  const readLastReport = () => (lastReport ??= reconcileSummary(deps).finally(() => (lastReport = undefined)));
  new Gauge({
    name: 'bilby_upstream_differences',
    help: 'Differences between what the carrier holds and what customers hold, by kind, as the last reconciliation found them',
    labelNames: ['carrier', 'kind'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const summary = await readLastReport().catch(() => undefined);
      if (!summary) return;
      for (const kind of DIFFERENCE_KINDS) this.set({ carrier: deps.carrier.name, kind }, summary.counts[kind] ?? 0);
    },
  });
  new Gauge({
    name: 'bilby_upstream_reconciled_timestamp_seconds',
    help: 'When the carrier was last reconciled (Unix time)',
    labelNames: ['carrier'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const summary = await readLastReport().catch(() => undefined);
      if (summary) this.set({ carrier: deps.carrier.name }, Date.parse(summary.checkedAt) / 1000);
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    seconds.inc({ route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
