import { ConfigError, loadConfig, migrateDatabase, recoverOnce, serve, type DemoReport } from '@bilby/server';
import { saveCompileCache } from './compile-cache.js';
import { UsageError } from './failures.js';
import { createProgram, runProgram } from './program.js';

/** A bad environment is a usage error: every bad variable is named. */
function configuration() {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** What a `serve --demo` start tells its user: new keys once, and on later starts where to find them. */
function demoBanner(demo: DemoReport, port: number): string {
  const base = `http://localhost:${port}`;
  const lines: string[] = [''];
  if (demo.configuredApiKey) {
    lines.push(`Demo account ${demo.accountId}: BILBY_DEMO_API_KEY opens it.`, '', `Try: curl -H "X-Crazytel-Api-Key: $BILBY_DEMO_API_KEY" ${base}/api/v1/balance/`, '');
  } else if (demo.createdApiKey) {
    lines.push(
      'Demo account ready with $500.00. Its API key (shown once, keep it):',
      '',
      `  ${demo.createdApiKey}`,
      '',
      `Try: curl -H "X-Crazytel-Api-Key: ${demo.createdApiKey}" ${base}/api/v1/balance/`,
      '',
    );
  } else {
    const adminKey = demo.adminKey === 'configured' ? '"$BILBY_ADMIN_KEY"' : demo.createdAdminKey ?? '<the admin key shown at the first start>';
    lines.push(
      `Demo account ${demo.accountId}: its API key was shown when this database was first served with --demo`,
      'and is stored only as a hash, so it cannot be shown again. To make another:',
      '',
      `  bilby --base-url ${base} --admin-key ${adminKey} admin keys create ${demo.accountId} --label demo`,
      '',
    );
  }
  if (demo.createdAdminKey) {
    lines.push('Operator (admin) key, kept with this database for every later start (shown once; set BILBY_ADMIN_KEY to choose your own):', '', `  ${demo.createdAdminKey}`, '');
  } else if (demo.adminKey === 'kept') {
    lines.push(
      'Operator (admin) key: unchanged, the one shown at the first start on this database (stored only as a hash;',
      'set BILBY_ADMIN_KEY to use your own instead).',
      '',
    );
  }
  return `${lines.join('\n')}\n`;
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
  process.stdout.write(`Releases: ${report.releases.completed} completed, ${report.releases.unresolved} unresolved\n`);
  process.stdout.write(`Restores: ${report.restores.completed} completed, ${report.restores.failed} failed, ${report.restores.unresolved} unresolved\n`);
  process.stdout.write(`Upstream changes: ${report.upstreamChanges.pushed} pushed, ${report.upstreamChanges.postponed} postponed\n`);
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
  .option('--demo', 'on a new database, create a demo account, destinations and inventory; without BILBY_ADMIN_KEY, an admin key kept with the database')
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
