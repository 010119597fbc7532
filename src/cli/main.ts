import { randomBytes } from 'node:crypto';
import { saveCompileCache } from './compile-cache.js';
import { UsageError } from './failures.js';
import { createProgram, runProgram } from './program.js';
import { ConfigError, loadConfig } from '../config.js';
import { createLogger, createServer } from '../server.js';
import { recoverOrders } from '../services/recover-orders.js';
import { seedDemo } from '../services/seed-demo.js';
import { createDatabase } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';

/** A bad environment is a usage error: every bad variable is named. */
function configuration() {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

async function serve(options: { demo?: boolean }): Promise<void> {
  let config = configuration();
  // A demo server without a configured admin key gets one for this run, so the operator API can be tried.
  const generatedAdminKey = options.demo && !config.adminKey ? `bilby_admin_${randomBytes(18).toString('base64url')}` : undefined;
  if (generatedAdminKey) config = Object.freeze({ ...config, adminKey: generatedAdminKey });
  const log = createLogger(config);
  const server = await createServer(config, log);
  if (options.demo) {
    const seeded = await seedDemo(server.deps, config.demoApiKey);
    if (seeded.inventoryAdded > 0) log.info({ numbers: seeded.inventoryAdded }, 'demo inventory created');
    if (seeded.createdKey) {
      process.stdout.write(
        `\nDemo account ready with $500.00. Its API key (shown once, keep it):\n\n  ${seeded.createdKey}\n\n` +
          `Try: curl -H "X-Crazytel-Api-Key: ${seeded.createdKey}" http://localhost:${config.port}/api/v1/balance/\n\n`,
      );
    }
    if (generatedAdminKey) {
      process.stdout.write(`Operator (admin) key for this run (set BILBY_ADMIN_KEY to choose your own):\n\n  ${generatedAdminKey}\n\n`);
    }
  }
  await server.startMaintenance();
  await server.app.listen({ port: config.port, host: config.host });
  saveCompileCache();
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

async function migrate(): Promise<void> {
  const config = configuration();
  const database = createDatabase(config.databaseUrl);
  const applied = await migrateToLatest(database);
  process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Already up to date\n');
  await database.close();
}

async function recover(): Promise<void> {
  const config = configuration();
  const server = await createServer(config);
  const report = await recoverOrders(server.deps);
  process.stdout.write(`Recovery: ${report.completed} completed, ${report.failed} failed, ${report.unresolved} unresolved\n`);
  await server.close();
}

// A reader that stops early (`bilby numbers search | head`) closes the pipe: the output ends there.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

const program = createProgram();
program.addHelpText('after', '\nServer: bilby serve [--demo] | bilby migrate | bilby recover\nCustomer: bilby numbers search, bilby buy, bilby balance ...  Operator: bilby admin ...');
program
  .command('serve')
  .description('run the API server (configured by BILBY_* environment variables)')
  .option('--demo', 'on a new database, create a demo account, destinations and inventory')
  .action(serve);
program.command('migrate').description('bring the database schema up to date').action(migrate);
program.command('recover').description('settle purchase orders a crash left pending').action(recover);

runProgram(program, process.argv).then(
  (code) => {
    // A failure ends the process even if something (a half-started server) still holds it open.
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`bilby: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
