import { pino, type Logger } from 'pino';
import { SimulatedCarrier } from './carriers/simulated/simulated-carrier.js';
import { safeRecoveryGraceMs, type Config } from './config.js';
import { createApp } from './http/app.js';
import type { TypedApp } from './http/typed-app.js';
import { BackgroundTasks } from './services/background-tasks.js';
import type { ServiceDeps } from './services/deps.js';
import { crashAt } from './services/faults.js';
import { purgeExpiredIdempotencyKeys } from './services/idempotency-keys.js';
import { createRateLimiter } from './services/rate-limiter.js';
import { recoverOrders } from './services/recover-orders.js';
import { returnQuarantinedNumbers } from './services/release-number.js';
import { createDatabase } from './store/database.js';
import { migrateToLatest } from './store/migrate.js';
import { profileStatements } from './store/sqlite/sql-observer.js';

export interface Server {
  app: TypedApp;
  deps: ServiceDeps;
  /** Runs recovery once and starts the periodic maintenance (recovery, quarantine returns). */
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

/** The composition root: config → database → migrations → carrier → services → app. */
export async function createServer(config: Config, log: Logger = createLogger(config)): Promise<Server> {
  if (config.profileSql) profileStatements();
  const database = createDatabase(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    readers: config.sqliteReaders,
    onConnectionError: (error) =>
      log.warn({ err: error }, database.dialect === 'postgres' ? 'database connection lost; the pool will reconnect' : 'a SQLite reader thread failed; reads go to the others'),
  });
  await migrateToLatest(database);
  const carrier = await SimulatedCarrier.open({
    path: config.carrier.databasePath,
    failureRate: config.carrier.failureRate,
    latencyMs: config.carrier.latencyMs,
    hangRate: config.carrier.hangRate,
    hangMs: config.carrier.hangMs,
  });
  if (config.recoveryGraceMs < config.carrier.timeoutMs + config.carrier.longestProvisionMs) {
    log.warn(
      { recovery_grace_ms: config.recoveryGraceMs, safe_recovery_grace_ms: safeRecoveryGraceMs(config.carrier.timeoutMs, config.carrier.longestProvisionMs) },
      'BILBY_RECOVERY_GRACE_MS is shorter than the carrier timeout plus its longest provisioning: recovery may fail orders the carrier is still provisioning',
    );
  }
  const deps: ServiceDeps = {
    database,
    carrier,
    clock: () => new Date(),
    settings: {
      carrierTimeoutMs: config.carrier.timeoutMs,
      quarantineDays: config.quarantineDays,
      recoveryGraceMs: config.recoveryGraceMs,
      rateLimitPerMinute: config.rateLimitPerMinute,
    },
    log,
    tasks: new BackgroundTasks(),
    rateLimiter: createRateLimiter(database),
    ...(config.crashPoint ? { faults: crashAt(config.crashPoint) } : {}),
  };
  const app = await createApp(deps, {
    logger: log,
    ...(config.adminKey ? { adminKey: config.adminKey } : {}),
    timeouts: {
      headersTimeoutMs: config.headersTimeoutMs,
      bodyTimeoutMs: config.bodyTimeoutMs,
      bodyIdleTimeoutMs: config.bodyIdleTimeoutMs,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    },
  });
  let timer: NodeJS.Timeout | undefined;

  const maintain = async () => {
    try {
      const report = await recoverOrders(deps);
      const returned = await returnQuarantinedNumbers(deps);
      const purged = await purgeExpiredIdempotencyKeys(deps);
      await deps.rateLimiter.prune(deps.clock());
      if (report.completed + report.failed + report.unresolved + returned + purged > 0) {
        log.info({ ...report, returned_from_quarantine: returned, idempotency_keys_purged: purged }, 'maintenance');
      }
    } catch (error) {
      log.error({ err: error }, 'maintenance failed');
    }
  };

  return {
    app,
    deps,
    async startMaintenance() {
      await maintain();
      timer = setInterval(() => void maintain(), config.recoveryIntervalMs);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      await app.close();
      await deps.tasks.drain();
      await carrier.close();
      await database.close();
    },
  };
}
