import { pino, type Logger } from 'pino';
import { openCarrier } from './carrier-from-config.js';
import { safeRecoveryGraceMs, type Config } from './config.js';
import { createApp } from './http/app.js';
import type { TypedApp } from './http/typed-app.js';
import { pruneOldEvents } from './services/account-events.js';
import { BackgroundTasks } from './services/background-tasks.js';
import { demoOperatorKey, type DemoOperatorKey } from './services/demo-operator-key.js';
import type { ServiceDeps } from './services/deps.js';
import { crashAt } from './services/faults.js';
import { purgeExpiredIdempotencyKeys } from './services/idempotency-keys.js';
import { issueInvoices } from './services/issue-invoices.js';
import { checkCarrierHealth } from './services/carrier-health.js';
import { createRateLimiter } from './services/rate-limiter.js';
import { scheduleBilling, type BillingSchedule } from './services/billing-runs.js';
import { pruneOldDeliveries } from './services/deliver-webhooks.js';
import { startWebhookWorker, type WebhookWorker } from './services/webhook-worker.js';
import { sweepEndedReservations } from './services/reserve-numbers.js';
import { createChangeSignal } from './services/change-signal.js';
import { scheduleReconcile, type ReconcileSchedule } from './services/reconcile-schedule.js';
import { recoverOrders, type FullRecoveryReport, type RecoveryReport } from './services/recover-orders.js';
import { seedDemo } from './services/seed-demo.js';
import { pushDueUpstreamChanges } from './services/push-upstream-change.js';
import { syncWhenDue } from './services/scheduled-sync.js';
import { recoverReleases, returnQuarantinedNumbers } from './services/release-number.js';
import { recoverRestores } from './services/restore-number.js';
import { createDatabase } from './store/database.js';
import { migrateToLatest } from './store/migrate.js';
import { profileStatements } from './store/sqlite/sql-observer.js';

/** How soon after a reservation ends its holder hears of it. */
const RESERVATION_SWEEP_MS = 1_000;

export type { FullRecoveryReport, RecoveryReport };

export interface Server {
  app: TypedApp;
  deps: ServiceDeps;
  /** With `demo` and no BILBY_ADMIN_KEY: the operator key the database keeps for the demo. */
  demoAdminKey: DemoOperatorKey | undefined;
  /** Runs recovery once and starts the periodic maintenance (recovery, quarantine returns, reconciliation). */
  startMaintenance(): Promise<void>;
  close(): Promise<void>;
}

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    // Keys must never reach the logs, whichever header or body field carried them (Fastify's request
    // serializer logs no headers and no body, and the app redacts its URL; these catch anything else).
    redact: ['x-crazytel-api-key', 'x-api-key', 'x-admin-key', 'authorization', 'cookie', 'set-cookie'].flatMap((header) => [
      `req.headers["${header}"]`,
      `headers["${header}"]`,
    ]).concat(['api_key', 'admin_key', 'body.api_key', 'req.body.api_key']),
  });
}

export interface ServerOptions {
  /** `serve --demo`: without BILBY_ADMIN_KEY the operator API takes the demo's key, kept with the database. */
  demo?: boolean;
}

/** The composition root: config → database → migrations → carrier → services → app. */
export async function createServer(config: Config, log: Logger = createLogger(config), options: ServerOptions = {}): Promise<Server> {
  if (config.profileSql) profileStatements();
  const database = createDatabase(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    readers: config.sqliteReaders,
    onConnectionError: (error) =>
      log.warn({ err: error }, database.dialect === 'postgres' ? 'database connection lost; the pool will reconnect' : 'a SQLite reader thread failed; reads go to the others'),
  });
  await migrateToLatest(database);
  const clock = () => new Date();
  const { carrier, catalogue } = await openCarrier(config, database, log, clock);
  const stopping = new AbortController();
  if (config.recoveryGraceMs < config.carrier.timeoutMs + config.carrier.longestProvisionMs) {
    log.warn(
      { recovery_grace_ms: config.recoveryGraceMs, safe_recovery_grace_ms: safeRecoveryGraceMs(config.carrier.timeoutMs, config.carrier.longestProvisionMs) },
      'BILBY_RECOVERY_GRACE_MS is shorter than the carrier timeout plus its longest provisioning: recovery may fail orders the carrier is still provisioning',
    );
  }
  const deps: ServiceDeps = {
    database,
    carrier,
    ...(catalogue ? { catalogue } : {}),
    stopping: stopping.signal,
    clock,
    settings: {
      carrierTimeoutMs: config.carrier.timeoutMs,
      quarantineDays: config.quarantineDays,
      billing: { timeZone: config.billing.timeZone, suspendDays: config.billing.suspendDays, releaseGraceDays: config.billing.releaseGraceDays },
      recoveryGraceMs: config.recoveryGraceMs,
      rateLimitPerMinute: config.rateLimitPerMinute,
      ...(config.supplier ? { supplier: config.supplier } : {}),
      webhooks: {
        allowPrivate: config.webhooks.allowPrivate,
        timeoutMs: config.webhooks.timeoutMs,
        retry: { baseMs: config.webhooks.retryBaseMs, maxDelayMs: config.webhooks.retryMaxMs, giveUpAfterMs: config.webhooks.giveUpMs },
        concurrency: config.webhooks.concurrency,
        perEndpoint: config.webhooks.perEndpoint,
        pollMs: config.webhooks.pollMs,
      },
      reservations: { ...config.reservations },
      ...(config.carrier.kind === 'crazytel' && config.upstream ? { upstreamRouting: { route: config.upstream.route, destination: config.upstream.destination } } : {}),
    },
    log,
    tasks: new BackgroundTasks(),
    rateLimiter: createRateLimiter(database),
    ...(config.crashPoint ? { faults: crashAt(config.crashPoint) } : {}),
    changes: createChangeSignal(),
  };
  const demoAdminKey = options.demo && !config.adminKey ? await demoOperatorKey(deps) : undefined;
  const app = await createApp(deps, {
    logger: log,
    ...(config.adminKey ? { adminKey: config.adminKey } : demoAdminKey ? { adminKeyHash: demoAdminKey.keyHash } : {}),
    timeouts: {
      headersTimeoutMs: config.headersTimeoutMs,
      bodyTimeoutMs: config.bodyTimeoutMs,
      bodyIdleTimeoutMs: config.bodyIdleTimeoutMs,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    },
  });
  let timer: NodeJS.Timeout | undefined;
  let reconciling: ReconcileSchedule | undefined;
  let billing: BillingSchedule | undefined;
  let webhooks: WebhookWorker | undefined;
  let sweeping: NodeJS.Timeout | undefined;
  let sweep: Promise<unknown> | undefined;
  let maintaining: Promise<void> | undefined;

  const maintainOnce = async () => {
    try {
      const report = await recoverEverything(deps, () => stopping.signal.aborted);
      const returned = await returnQuarantinedNumbers(deps);
      const purged = await purgeExpiredIdempotencyKeys(deps);
      const eventsPruned = await pruneOldEvents(deps);
      const deliveriesPruned = await pruneOldDeliveries(deps);
      await checkCarrierHealth(deps);
      await deps.rateLimiter.prune(deps.clock());
      const { releases, upstreamChanges } = report;
      const changed = releases.completed + releases.unresolved + upstreamChanges.pushed + upstreamChanges.postponed;
      if (report.completed + report.failed + report.unresolved + changed + returned + purged + eventsPruned + deliveriesPruned > 0) {
        log.info({ ...report, returned_from_quarantine: returned, idempotency_keys_purged: purged, events_pruned: eventsPruned, webhook_deliveries_pruned: deliveriesPruned }, 'maintenance');
      }
    } catch (error) {
      if (!stopping.signal.aborted) log.error({ err: error }, 'maintenance failed');
    }
    // Each ended month's invoices, once; a pass after they are issued costs a read. Apart from the
    // rest, so an invoice that cannot be issued holds up no other maintenance.
    try {
      await issueInvoices(deps, deps.clock());
    } catch (error) {
      if (!stopping.signal.aborted) log.error({ err: error }, 'issuing invoices failed');
    }
    const syncIntervalMs = config.upstream?.syncIntervalMs;
    if (syncIntervalMs) {
      try {
        if ((await syncWhenDue(deps, syncIntervalMs)) === 'started') log.info({}, 'periodic catalogue sync started');
      } catch (error) {
        log.error({ err: error }, 'the periodic catalogue sync could not start');
      }
    }
  };
  // One pass at a time: a pass telling upstream of many changes can outlast the interval.
  const maintain = () => (maintaining ??= maintainOnce().finally(() => (maintaining = undefined)));

  return {
    app,
    deps,
    demoAdminKey,
    async startMaintenance() {
      await maintain();
      timer = setInterval(() => void maintain(), config.recoveryIntervalMs);
      timer.unref();
      if (config.reconcileIntervalMs > 0) reconciling = scheduleReconcile(deps, config.reconcileIntervalMs);
      if (config.billing.intervalMs !== null) billing = scheduleBilling(deps, config.billing.intervalMs);
      webhooks = startWebhookWorker(deps);
      // Ended reservations hold nothing already; the sweep tells their holders soon after.
      sweeping = setInterval(() => {
        sweep ??= sweepEndedReservations(deps)
          .catch((error: unknown) => {
            if (!stopping.signal.aborted) log.error({ err: error }, 'sweeping ended reservations failed');
          })
          .finally(() => (sweep = undefined));
      }, RESERVATION_SWEEP_MS);
      sweeping.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      if (sweeping) clearInterval(sweeping);
      await sweep;
      stopping.abort(new Error('the server is shutting down'));
      await reconciling?.stop();
      await billing?.stop();
      await webhooks?.stop();
      await maintaining;
      await app.close();
      await deps.tasks.drain();
      await carrier.close();
      await database.close();
    },
  };
}

/** What `serve --demo` set up, for the command line to tell its user. */
export interface DemoReport {
  accountId: string;
  /** The demo account's API key when this start created it: shown once, stored only as a hash. */
  createdApiKey: string | null;
  /** BILBY_DEMO_API_KEY is set, and opens the demo account. */
  configuredApiKey: boolean;
  /**
   * The operator key: BILBY_ADMIN_KEY, made by this start (then in `createdAdminKey`, shown once),
   * or kept by the database from an earlier start (stored only as a hash).
   */
  adminKey: 'configured' | 'created' | 'kept';
  createdAdminKey: string | null;
  inventoryAdded: number;
}

export interface ServeOptions {
  /** Seed a new database with a funded demo account, its IPND records, destinations and inventory. */
  demo?: boolean;
  /** Called with what the demo seeding did, before the server listens. */
  announce?: (demo: DemoReport) => void;
}

export interface RunningServer {
  log: Logger;
  demo: DemoReport | undefined;
  /** Stops listening, lets background work finish and closes the database. */
  close(): Promise<void>;
}

/**
 * `bilby serve`: the server, migrated, seeded when `demo` is set, its maintenance started and
 * listening on the configured host and port.
 */
export async function serve(config: Config, options: ServeOptions = {}): Promise<RunningServer> {
  const log = createLogger(config);
  const server = await createServer(config, log, { demo: Boolean(options.demo) });
  let demo: DemoReport | undefined;
  if (options.demo) {
    const seeded = await seedDemo(server.deps, config.demoApiKey);
    if (seeded.inventoryAdded > 0) log.info({ numbers: seeded.inventoryAdded }, 'demo inventory created');
    const createdAdminKey = server.demoAdminKey?.createdKey ?? null;
    demo = {
      accountId: seeded.accountId,
      createdApiKey: seeded.createdKey,
      configuredApiKey: config.demoApiKey !== undefined,
      adminKey: config.adminKey ? 'configured' : createdAdminKey ? 'created' : 'kept',
      createdAdminKey,
      inventoryAdded: seeded.inventoryAdded,
    };
    options.announce?.(demo);
  }
  await server.startMaintenance();
  await server.app.listen({ port: config.port, host: config.host });
  return { log, demo, close: () => server.close() };
}

/** `bilby migrate`: brings the schema up to date; returns the names of the migrations it applied. */
export async function migrateDatabase(config: Pick<Config, 'databaseUrl'>): Promise<string[]> {
  const database = createDatabase(config.databaseUrl);
  try {
    return await migrateToLatest(database);
  } finally {
    await database.close();
  }
}

/**
 * Settles the purchases and restores and finishes the releases a crash or an unclear carrier answer left
 * pending, and tells upstream the number changes it has not heard of yet.
 */
async function recoverEverything(deps: ServiceDeps, stopping?: () => boolean): Promise<FullRecoveryReport> {
  const orders = await recoverOrders(deps);
  const releases = await recoverReleases(deps);
  const restores = await recoverRestores(deps);
  return { ...orders, releases, restores, upstreamChanges: await pushDueUpstreamChanges(deps, stopping ? { stopping } : {}) };
}

/** `bilby recover`: one recovery pass over the orders and releases a crash or a carrier timeout left pending. */
export async function recoverOnce(config: Config): Promise<FullRecoveryReport> {
  const server = await createServer(config);
  try {
    return await recoverEverything(server.deps);
  } finally {
    await server.close();
  }
}
