import { saveCompileCache } from './compile-cache.js';
import { UsageError } from './failures.js';
import { createProgram, runProgram } from './program.js';
import { ConfigError, loadConfig } from '../config.js';
import { migrateDatabase, recoverOnce, serve, type DemoReport } from '../server.js';

/** A bad environment is a usage error: every bad variable is named. */
function configuration() {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

function demoBanner(demo: DemoReport, port: number): string {
  let text = '';
  if (demo.createdApiKey) {
    text +=
      `\nDemo account ready with $500.00. Its API key (shown once, keep it):\n\n  ${demo.createdApiKey}\n\n` +
      `Try: curl -H "X-Crazytel-Api-Key: ${demo.createdApiKey}" http://localhost:${port}/api/v1/balance/\n\n`;
  }
  if (demo.generatedAdminKey) {
    text += `Operator (admin) key for this run (set BILBY_ADMIN_KEY to choose your own):\n\n  ${demo.generatedAdminKey}\n\n`;
  }
  return text;
}

async function serveCommand(options: { demo?: boolean }): Promise<void> {
  const config = configuration();
  const server = await serve(config, { demo: Boolean(options.demo), announce: (demo) => process.stdout.write(demoBanner(demo, config.port)) });
  saveCompileCache();
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    server.log.info({ signal }, 'shutting down');
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

async function migrateCommand(): Promise<void> {
  const applied = await migrateDatabase(configuration());
  process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Already up to date\n');
}

async function recoverCommand(): Promise<void> {
  const report = await recoverOnce(configuration());
  process.stdout.write(`Recovery: ${report.completed} completed, ${report.failed} failed, ${report.unresolved} unresolved\n`);
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
  .action(serveCommand);
program.command('migrate').description('bring the database schema up to date').action(migrateCommand);
program.command('recover').description('settle purchase orders a crash left pending').action(recoverCommand);

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
