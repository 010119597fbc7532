import { Command, CommanderError, Option } from 'commander';
import type { BilbyClient, NewAddress, NewPerson, NumberUpdate } from '@bilby/sdk';
import { addAdminCommands } from './admin-commands.js';
import { NUMBER_TYPES, PERSON_TYPES, ROUTES, STATES, type Run } from './choices.js';
import { amount, defined, integer } from './arguments.js';
import * as account from './commands/account.js';
import * as events from './commands/events.js';
import * as webhooks from './commands/webhooks.js';
import * as reservations from './commands/reservations.js';
import * as bulkBuy from './commands/bulk-buy.js';
import { buyWithFlags, guidedBuy } from './commands/buy.js';
import { login } from './commands/login.js';
import * as invoices from './commands/invoices.js';
import * as numbers from './commands/numbers.js';
import { describeFailure, DifferencesFound, EXIT, UsageError } from './failures.js';
import { processIo, type Io } from './io.js';
import { terminalPrompts } from './prompts.js';
import { clientFor, type GlobalOptions } from './settings.js';
import { cliVersion } from './version.js';

/**
 * The `bilby` command line. Server commands (serve, migrate, recover) are added by the caller;
 * every other command talks to a server through the SDK only.
 */
export function createProgram(): Command {
  const program = new Command()
    .name('bilby')
    .description('Phone-number (DID) inventory and purchasing with a CrazyTel-compatible API')
    .version(cliVersion(), '-V, --version', 'print the version')
    .option('--base-url <url>', 'server to talk to (env BILBY_BASE_URL; default http://localhost:8080)')
    .option('--api-key <key>', 'customer API key (env BILBY_API_KEY or CRAZYTEL_API_KEY)')
    .option('--admin-key <key>', 'operator key (env BILBY_ADMIN_KEY)')
    .option('--json', 'print JSON for programs instead of text')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  const customer = (run: Run) => withClient('customer', run);
  const operator = (run: Run) => withClient('admin', run);

  program
    .command('login')
    .description('check keys against the server and save them (with --base-url) for later commands')
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      await login(defined({ baseUrl: globals.baseUrl, apiKey: globals.apiKey, adminKey: globals.adminKey }), processIo(Boolean(globals.json)));
    });

  // Customer: numbers.
  const numbersCommand = program.command('numbers').description('search available numbers and manage your own');
  numbersCommand
    .command('search')
    .description('available numbers (50 a page)')
    .addOption(new Option('--country <country>', 'AU or NZ').choices(['AU', 'NZ']))
    .addOption(new Option('--state <state>').choices(STATES))
    .option('--city <city>')
    .addOption(new Option('--type <type>', 'number type').choices(NUMBER_TYPES))
    .option('--starts-with <digits>', 'prefix, in any number form')
    .option('--contains <text>', 'digits, or letters as on a keypad')
    .option('--ends-with <digits>')
    .option('--max-monthly-cost <dollars>', 'highest monthly cost', amount('--max-monthly-cost'))
    .option('--limit <n>', 'rows per page (max 1000)', integer('--limit', 1, 1000))
    .option('--cursor <cursor>', 'the page after this cursor')
    .option('--all', 'every page')
    .action(
      customer(async (client, io, options: Record<string, unknown>) =>
        numbers.searchNumbers(
          client,
          defined({
            country: options.country as 'AU' | 'NZ' | undefined,
            state: options.state as (typeof STATES)[number] | undefined,
            city: options.city as string | undefined,
            number_type: options.type as (typeof NUMBER_TYPES)[number] | undefined,
            starts_with: options.startsWith as string | undefined,
            contains: options.contains as string | undefined,
            ends_with: options.endsWith as string | undefined,
            max_monthly_cost: options.maxMonthlyCost as number | undefined,
            limit: options.limit as number | undefined,
            cursor: options.cursor as string | undefined,
            all: options.all as boolean | undefined,
          }),
          io,
        ),
      ),
    );
  numbersCommand
    .command('list')
    .description('your numbers')
    .addOption(new Option('--state <state>').choices(STATES))
    .option('--city <city>')
    .addOption(new Option('--type <type>').choices(NUMBER_TYPES))
    .option('--limit <n>', 'one page of this many', integer('--limit', 1, 1000))
    .action(
      customer(async (client, io, o: Record<string, unknown>) =>
        numbers.listNumbers(
          client,
          defined({
            state: o.state as (typeof STATES)[number] | undefined,
            city: o.city as string | undefined,
            number_type: o.type as (typeof NUMBER_TYPES)[number] | undefined,
            limit: o.limit as number | undefined,
          }),
          io,
        ),
      ),
    );
  numbersCommand
    .command('show <number>')
    .description('one of your numbers with its configuration')
    .action(customer(async (client, io, _o, number: string) => numbers.showNumber(client, number, io)));
  numbersCommand
    .command('test <number>')
    .description('what an inbound call would meet: block preferences, then each routing step (nothing is dialled)')
    .option('--caller <number>', 'the calling number (withheld when left out)')
    .action(customer(async (client, io, o: { caller?: string }, number: string) => numbers.testNumberRouting(client, number, defined(o), io)));
  numbersCommand
    .command('update <number>')
    .description("change a number's routing, description or IPND records")
    .option('--description <text>')
    .addOption(new Option('--route <route>', 'primary route').choices(ROUTES))
    .option('--destination <destination>', 'primary destination')
    .option('--timeout <seconds>', 'primary timeout', integer('--timeout', 1, 600))
    .addOption(new Option('--backup-route <route>').choices(ROUTES))
    .option('--backup-destination <destination>')
    .option('--backup-timeout <seconds>', 'backup timeout', integer('--backup-timeout', 1, 600))
    .option('--max-channels <n>', 'concurrent calls', integer('--max-channels', 1, 1000))
    .option('--block-premium', 'block calls to premium numbers')
    .option('--no-block-premium', 'allow calls to premium numbers')
    .option('--address <id>', 'IPND address id')
    .option('--owner <id>', 'IPND person id')
    .action(
      customer(async (client, io, o: Record<string, unknown>, number: string) => {
        const changes: NumberUpdate = defined({
          description: o.description as string | undefined,
          primary_route: o.route as string | undefined,
          primary_destination: o.destination as string | undefined,
          primary_timeout: o.timeout as number | undefined,
          backup_route: o.backupRoute as string | undefined,
          backup_destination: o.backupDestination as string | undefined,
          backup_timeout: o.backupTimeout as number | undefined,
          max_channels: o.maxChannels as number | undefined,
          block_premium: o.blockPremium as boolean | undefined,
          address_id: o.address as string | undefined,
          person_id: o.owner as string | undefined,
        });
        if (Object.keys(changes).length === 0) throw new UsageError('bilby numbers update needs at least one change (see --help)');
        await numbers.updateNumber(client, number, changes, io);
      }),
    );
  numbersCommand
    .command('history <number>')
    .description("a number's history while yours: purchase, changes (before → after), renewals, release, and who made them")
    .option('--limit <n>', 'only the newest this many', integer('--limit', 1, 1000))
    .action(customer(async (client, io, o: { limit?: number }, number: string) => numbers.showHistory(client, number, defined({ limit: o.limit }), io)));
  numbersCommand
    .command('release <number>')
    .description('give a number back')
    .option('--at-period-end', 'keep it until its paid month ends, and release it then')
    .action(
      customer(async (client, io, o: { atPeriodEnd?: boolean }, number: string) =>
        numbers.releaseNumber(client, number, defined({ atPeriodEnd: o.atPeriodEnd }), io),
      ),
    );
  numbersCommand
    .command('restore <number>')
    .description('take back a number you released, within the grace days after the release')
    .action(customer(async (client, io, _o, number: string) => numbers.restoreNumber(client, number, io)));

  program
    .command('buy [number]')
    .description('buy a number: guided with no arguments, or with flags and no questions')
    .option('--address <id>', 'IPND address id')
    .option('--owner <id>', 'IPND person id')
    .addOption(new Option('--route <route>').choices(ROUTES))
    .option('--destination <destination>')
    .option('--description <text>')
    .option('--dry-run', 'check everything and show the price; buy nothing')
    .option('--idempotency-key <key>', 'retry safely: the same key never buys twice')
    .action(
      customer(async (client, io, o: Record<string, unknown>, number: string | undefined) => {
        if (number) return buyWithFlags(client, number, o as never, io);
        if (!io.interactive) throw new UsageError('bilby buy without a number asks questions, so it needs a terminal; pass <number> --address --owner --route');
        return guidedBuy(client, terminalPrompts(), io);
      }),
    );

  program
    .command('buy-many [numbers...]')
    .description('buy up to 100 numbers in one order: named, or --quantity with criteria; every number or none unless --partial')
    .option('--quantity <n>', 'how many to choose', integer('--quantity', 1, 100))
    .addOption(new Option('--state <state>').choices(STATES))
    .option('--city <city>')
    .addOption(new Option('--type <type>').choices(NUMBER_TYPES))
    .option('--contains <digits>', 'digits or keypad letters')
    .option('--consecutive', 'a block of consecutive numbers')
    .option('--partial', 'buy those that can be had instead of every number or none')
    .option('--address <id>', 'IPND address id')
    .option('--owner <id>', 'IPND person id')
    .addOption(new Option('--route <route>').choices(ROUTES))
    .option('--destination <destination>')
    .option('--description <text>')
    .option('--idempotency-key <key>', 'retry safely: the same key never buys twice')
    .action(customer(async (client, io, o: Record<string, unknown>, numbers: string[]) => bulkBuy.buyMany(client, numbers, o as never, io)));

  // Customer: account.
  program
    .command('balance')
    .description('your balance')
    .option('--alert <dollars>', 'be told (event balance.low) when it falls below this; "off" to stop', (text: string) => (text === 'off' ? 'off' : amount('--alert')(text)))
    .action(
      customer(async (client, io, o: { alert?: number | 'off' }) =>
        o.alert === undefined ? account.showBalance(client, io) : account.setBalanceAlert(client, o.alert === 'off' ? null : o.alert, io),
      ),
    );
  program
    .command('orders')
    .description('your purchase orders, newest first')
    .option('--limit <n>', 'only this many', integer('--limit', 1, 1000))
    .action(customer(async (client, io, o: { limit?: number }) => account.listOrders(client, defined({ limit: o.limit }), io)));
  program
    .command('transactions')
    .description('your ledger, newest first')
    .option('--limit <n>', 'only this many', integer('--limit', 1, 1000))
    .action(customer(async (client, io, o: { limit?: number }) => account.listTransactions(client, defined({ limit: o.limit }), io)));
  program
    .command('events')
    .description("your account's events, oldest first (each change to your numbers and orders)")
    .option('--after <cursor>', "only those after this event's cursor")
    .option('--limit <n>', 'only this many', integer('--limit', 1, 1000))
    .option('--follow', 'keep printing events as they come, until Ctrl-C')
    .action(
      customer(async (client, io, o: { after?: string; limit?: number; follow?: boolean }) => {
        if (!o.follow) return events.listEvents(client, defined({ after: o.after, limit: o.limit }), io);
        const stop = new AbortController();
        process.once('SIGINT', () => {
          stop.abort();
          // A poll under way may wait for its answer: nothing is left to do but leave.
          setTimeout(() => process.exit(0), 200).unref();
        });
        await events.followEvents(client, defined({ after: o.after, signal: stop.signal }), io);
      }),
    );

  const held = program.command('reservations').description('numbers held for you for a few minutes: nobody else can buy them meanwhile');
  held.command('list', { isDefault: true }).action(customer(async (client, io) => reservations.listReservations(client, io)));
  held
    .command('add <numbers...>')
    .description('hold numbers (up to 100)')
    .option('--minutes <n>', 'how long (the server sets the default and the maximum)', integer('--minutes', 1, 10_080))
    .action(customer(async (client, io, o: { minutes?: number }, numbers: string[]) => reservations.reserve(client, numbers, defined(o), io)));
  held
    .command('extend [numbers...]')
    .description('hold them longer (all of yours without numbers)')
    .option('--minutes <n>', 'until this many minutes from now', integer('--minutes', 1, 10_080))
    .action(customer(async (client, io, o: { minutes?: number }, numbers: string[]) => reservations.extendReservations(client, numbers, defined(o), io)));
  held
    .command('release [numbers...]')
    .description('let them go now (all of yours without numbers)')
    .action(customer(async (client, io, _o, numbers: string[]) => reservations.releaseReservations(client, numbers, io)));

  const hooks = program.command('webhooks').description("where your account's events are delivered, signed");
  const kinds = (value: string) => value.split(',').map((kind) => kind.trim()).filter((kind) => kind !== '');
  hooks.command('list', { isDefault: true }).action(customer(async (client, io) => webhooks.listWebhooks(client, io)));
  hooks.command('show <id>').description('one endpoint, with its deliveries still to be made').action(customer(async (client, io, _o, id: string) => webhooks.showWebhook(client, id, io)));
  hooks
    .command('add <url>')
    .description('add an endpoint; its signing secret is printed this once')
    .option('--events <kinds>', 'comma-separated event kinds, or * for all', kinds, ['*'])
    .option('--description <text>', 'what it is for')
    .action(customer(async (client, io, o: { events: string[]; description?: string }, url: string) => webhooks.addWebhook(client, defined({ url, ...o }), io)));
  hooks
    .command('update <id>')
    .description("change an endpoint's URL, kinds or description, or disable and enable it")
    .option('--url <url>', 'a new URL')
    .option('--events <kinds>', 'comma-separated event kinds, or * for all', kinds)
    .option('--description <text>', 'what it is for')
    .option('--enable', 'resume its deliveries where they stopped')
    .option('--disable', 'stop its deliveries (they are kept until it is enabled)')
    .action(
      customer(async (client, io, o: { url?: string; events?: string[]; description?: string; enable?: boolean; disable?: boolean }, id: string) =>
        webhooks.updateWebhook(client, id, defined(o), io),
      ),
    );
  hooks.command('remove <id>').description('delete an endpoint, its queued deliveries and its log').action(customer(async (client, io, _o, id: string) => webhooks.removeWebhook(client, id, io)));
  hooks
    .command('rotate-secret <id>')
    .description('a new signing secret, printed this once')
    .option('--overlap-hours <n>', 'how long the old secret keeps signing beside it (default 24)', integer('--overlap-hours', 0, 168))
    .action(customer(async (client, io, o: { overlapHours?: number }, id: string) => webhooks.rotateWebhookSecret(client, id, defined(o), io)));
  hooks
    .command('replay <id>')
    .description('deliver a range of events again')
    .option('--after <cursor>', "the events after this event's cursor (from the oldest kept without it)")
    .option('--through <cursor>', "up to and including this event's cursor (to the latest without it)")
    .action(customer(async (client, io, o: { after?: string; through?: string }, id: string) => webhooks.replayWebhooks(client, id, defined(o), io)));
  hooks
    .command('attempts <id>')
    .description('every attempt to deliver to an endpoint, newest first')
    .option('--limit <n>', 'only the newest n', integer('--limit', 1, 1000))
    .action(customer(async (client, io, o: { limit?: number }, id: string) => webhooks.listWebhookAttempts(client, id, defined(o), io)));

  const addresses = program.command('addresses').description('your IPND service addresses');
  addresses.command('list', { isDefault: true }).action(customer(async (client, io) => account.listAddresses(client, io)));
  addresses
    .command('add')
    .requiredOption('--city <city>')
    .addOption(new Option('--state <state>').choices(STATES).makeOptionMandatory())
    .requiredOption('--postcode <postcode>')
    .option('--street-number <n>')
    .option('--street-name <name>')
    .option('--unit <n>')
    .option('--nickname <name>')
    .action(
      customer(async (client, io, o: Record<string, string | undefined>) => {
        const address: NewAddress = defined({
          city: o.city!,
          state: o.state!,
          postcode: o.postcode!,
          street_number_first: o.streetNumber,
          street_name: o.streetName,
          unit_number: o.unit,
          nickname: o.nickname,
        });
        await account.addAddress(client, address, io);
      }),
    );
  addresses.command('remove <id>').action(customer(async (client, io, _o, id: string) => account.removeAddress(client, id, io)));

  const owners = program.command('owners').description('your IPND persons (number owners)');
  owners.command('list', { isDefault: true }).action(customer(async (client, io) => account.listOwners(client, io)));
  owners
    .command('add')
    .requiredOption('--surname <name>', 'surname, or the business name')
    .option('--given-name <name>')
    .addOption(new Option('--type <type>', 'R residential, B business, G government, C charity, N not for profit').choices(PERSON_TYPES).default('R'))
    .option('--title <title>')
    .option('--contact-number <number>')
    .option('--nickname <name>')
    .action(
      customer(async (client, io, o: Record<string, string | undefined>) => {
        const person: NewPerson = defined({
          name_1: o.surname!,
          name_2: o.givenName,
          person_type: o.type as (typeof PERSON_TYPES)[number],
          title: o.title,
          contact_number: o.contactNumber,
          nickname: o.nickname,
        });
        await account.addOwner(client, person, io);
      }),
    );
  owners.command('remove <id>').action(customer(async (client, io, _o, id: string) => account.removeOwner(client, id, io)));
  program.command('destinations').description('where your numbers can be routed').action(customer(async (client, io) => account.listDestinations(client, io)));

  const invoicesCommand = program.command('invoices').description('your monthly tax invoices and statements');
  invoicesCommand
    .command('list', { isDefault: true })
    .option('--limit <n>', 'only the newest n', integer('--limit', 1, 1000))
    .action(customer(async (client, io, o: { limit?: number }) => invoices.listInvoices(client, defined(o), io)));
  invoicesCommand
    .command('download <id>')
    .description('save an invoice as a PDF')
    .option('--output <file>', 'where to save it, - for standard output (default invoice-<number>.pdf)')
    .action(customer(async (client, io, o: { output?: string }, id: string) => invoices.downloadInvoice(client, id, defined(o), io)));

  addAdminCommands(program, operator);
  return program;
}

/** Builds the client and the output for an action, from the global options. */
function withClient(need: 'customer' | 'admin', run: Run) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const globals = command.optsWithGlobals<GlobalOptions>();
    const io = processIo(Boolean(globals.json));
    const positional = args.slice(0, -2);
    await run(clientFor(globals, need), io, args[args.length - 2], ...positional);
  };
}

/** Runs the program and exits with a code that tells usage, API and network errors apart. */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (error instanceof DifferencesFound) return error.exitCode;
    const failure = describeFailure(error);
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: failure.code, message: failure.message } }, null, 2)}\n`);
    process.stderr.write(`bilby: ${failure.message}\n`);
    return failure.exitCode;
  }
}
