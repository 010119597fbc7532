import { Command, Option } from 'commander';
import { amount, defined, instant, integer, month, oneOf, percent } from './arguments.js';
import * as adminAccounts from './commands/admin-accounts.js';
import * as adminInventory from './commands/admin-inventory.js';
import * as invoices from './commands/invoices.js';
import * as adminPricing from './commands/admin-pricing.js';
import { runBilling, showBillingRuns } from './commands/admin-billing.js';
import * as adminPricePlans from './commands/admin-price-plans.js';
import { reconcile } from './commands/admin-reconcile.js';
import { UsageError } from './failures.js';
import { NUMBER_TYPES, ROUNDING_RULES, type Run } from './choices.js';
import type { PricePlanPriceInput } from '@bilby/sdk';

type PlanPrices = PricePlanPriceInput[];

/** `bilby admin ...`: the operator API's commands. */
export function addAdminCommands(program: Command, operator: (run: Run) => (...args: unknown[]) => Promise<void>): void {
  const admin = program.command('admin').description('the operator API (needs the admin key)');

  const accounts = admin.command('accounts').description('customer accounts');
  accounts
    .command('list', { isDefault: true })
    .addOption(new Option('--status <status>').choices(['active', 'suspended']))
    .option('--limit <n>', 'only this many', integer('--limit', 1, 1000))
    .action(operator(async (client, io, o: { status?: 'active' | 'suspended'; limit?: number }) => adminAccounts.listAccounts(client, defined(o), io)));
  accounts
    .command('create <name>')
    .description('open an account; prints its first API key, once')
    .option('--credit <dollars>', 'opening credit', amount('--credit'))
    .action(operator(async (client, io, o: { credit?: number }, name: string) => adminAccounts.createAccount(client, defined({ name, credit: o.credit }), io)));
  accounts.command('show <account>').action(operator(async (client, io, _o, id: string) => adminAccounts.showAccount(client, id, io)));
  accounts.command('suspend <account>').action(operator(async (client, io, _o, id: string) => adminAccounts.setAccountStatus(client, id, 'suspend', io)));
  accounts.command('reactivate <account>').action(operator(async (client, io, _o, id: string) => adminAccounts.setAccountStatus(client, id, 'reactivate', io)));
  accounts.command('transactions <account>').action(operator(async (client, io, _o, id: string) => adminAccounts.listAccountTransactions(client, id, io)));
  accounts
    .command('upstream-route <account>')
    .description("reseller mode: show, set (--route, --destination) or --clear where upstream sends the account's calls")
    .option('--route <route>', 'a route type: server, device, forward, …')
    .option('--destination <destination>', "the route's destination")
    .option('--clear', 'back to the configured BILBY_UPSTREAM_ROUTE')
    .action(
      operator(async (client, io, o: { route?: string; destination?: string; clear?: boolean }, id: string) => {
        if (o.clear && o.route !== undefined) throw new UsageError('--clear and --route cannot go together');
        if (o.route === undefined && o.destination !== undefined) throw new UsageError('--destination needs --route');
        return adminAccounts.upstreamRoute(client, id, o.clear ? 'clear' : o.route === undefined ? undefined : defined({ route: o.route, destination: o.destination }), io);
      }),
    );

  const adminInvoices = admin.command('invoices').description("every account's tax invoices");
  adminInvoices
    .command('list', { isDefault: true })
    .option('--account <account>', "only this account's")
    .option('--month <month>', "only this month's (YYYY-MM)", month('--month'))
    .option('--limit <n>', 'only the newest n', integer('--limit', 1, 1000))
    .action(
      operator(async (client, io, o: { account?: string; month?: string; limit?: number }) =>
        invoices.listAllInvoices(client, defined({ account_id: o.account, month: o.month, limit: o.limit }), io),
      ),
    );
  adminInvoices
    .command('download <id>')
    .description("save any account's invoice as a PDF")
    .option('--output <file>', 'where to save it, - for standard output (default invoice-<number>.pdf)')
    .action(operator(async (client, io, o: { output?: string }, id: string) => invoices.downloadInvoice(client, id, defined({ ...o, admin: true }), io)));

  const keys = admin.command('keys').description("an account's API keys");
  keys.command('list <account>').action(operator(async (client, io, _o, id: string) => adminAccounts.listKeys(client, id, io)));
  keys
    .command('create <account>')
    .option('--label <label>')
    .action(operator(async (client, io, o: { label?: string }, id: string) => adminAccounts.createKey(client, id, o.label, io)));
  keys.command('revoke <account> <key>').action(operator(async (client, io, _o, id: string, key: string) => adminAccounts.revokeKey(client, id, key, io)));

  for (const direction of ['credit', 'debit'] as const) {
    admin
      .command(`${direction} <account> <dollars>`)
      .description(direction === 'credit' ? 'add money to an account' : 'take money from an account')
      .requiredOption('--reason <text>', 'shown in the ledger')
      .option('--idempotency-key <key>', 'retry safely: the same key never posts twice')
      .action(
        operator(async (client, io, o: { reason: string; idempotencyKey?: string }, id: string, dollars: string) =>
          adminAccounts.adjustBalance(client, id, direction, defined({ amount: amount('<dollars>')(dollars), reason: o.reason, idempotencyKey: o.idempotencyKey }), io),
        ),
      );
  }

  const destinations = admin.command('destinations').description("an account's routing targets");
  destinations.command('list <account>').action(operator(async (client, io, _o, id: string) => adminAccounts.listAccountDestinations(client, id, io)));
  destinations
    .command('add <account> <route> <destination>')
    .description('route: device, server, forward, voicemail, ivr, queue or ring_group')
    .option('--description <text>')
    .option('--disabled', 'add it switched off')
    .action(
      operator(async (client, io, o: { description?: string; disabled?: boolean }, id: string, route: string, destination: string) =>
        adminAccounts.addAccountDestination(
          client,
          id,
          defined({
            route: oneOf('<route>', ['device', 'server', 'forward', 'voicemail', 'ivr', 'queue', 'ring_group'] as const)(route),
            destination,
            description: o.description,
            enabled: o.disabled ? false : undefined,
          }),
          io,
        ),
      ),
    );
  destinations
    .command('update <account> <destination-id>')
    .option('--description <text>')
    .option('--enable')
    .option('--disable')
    .action(
      operator(async (client, io, o: { description?: string; enable?: boolean; disable?: boolean }, id: string, destinationId: string) => {
        if (o.enable && o.disable) throw new UsageError('--enable and --disable cannot both be given');
        const changes = defined({ description: o.description, enabled: o.enable ? true : o.disable ? false : undefined });
        if (Object.keys(changes).length === 0) throw new UsageError('give --description, --enable or --disable');
        await adminAccounts.changeAccountDestination(client, id, destinationId, changes, io);
      }),
    );
  destinations
    .command('remove <account> <destination-id>')
    .action(operator(async (client, io, _o, id: string, destinationId: string) => adminAccounts.removeAccountDestination(client, id, destinationId, io)));

  const prices = admin.command('prices').description('prices per number type and per number');
  prices.command('list', { isDefault: true }).action(operator(async (client, io) => adminAccounts.listPrices(client, io)));
  prices
    .command('set <type> <setup> <monthly>')
    .description('a type price (geographic, mobile, tollfree, local_rate), in dollars')
    .action(
      operator(async (client, io, _o, type: string, setup: string, monthly: string) =>
        adminAccounts.setTypePrice(client, oneOf('<type>', NUMBER_TYPES)(type), { setup_cost: amount('<setup>')(setup), monthly_cost: amount('<monthly>')(monthly) }, io),
      ),
    );
  prices
    .command('number <number> [setup] [monthly]')
    .description("one number's own price; --clear to follow its type's price again")
    .option('--clear')
    .action(
      operator(async (client, io, o: { clear?: boolean }, number: string, setup?: string, monthly?: string) => {
        if (o.clear) return adminAccounts.setNumberPrice(client, number, null, io);
        if (setup === undefined || monthly === undefined) throw new UsageError('give <setup> and <monthly> in dollars, or --clear');
        return adminAccounts.setNumberPrice(client, number, { setup_cost: amount('<setup>')(setup), monthly_cost: amount('<monthly>')(monthly) }, io);
      }),
    );

  const pricing = admin.command('pricing').description("pricing rules: how numbers bought from the upstream are priced from their upstream cost");
  pricing.command('show', { isDefault: true }).action(operator(async (client, io) => adminPricing.showPricingRules(client, io)));
  pricing
    .command('set <type>')
    .description('a type\'s rule: upstream cost + a percentage + a fixed amount, rounded up; left out: 0 and no rounding')
    .option('--percent <percent>', 'markup as a percentage of the upstream cost', percent('--percent'))
    .option('--setup <dollars>', 'fixed markup on the setup price', amount('--setup'))
    .option('--monthly <dollars>', 'fixed markup on the monthly price', amount('--monthly'))
    .addOption(new Option('--rounding <rule>', 'round prices up').choices(ROUNDING_RULES))
    .action(
      operator(async (client, io, o: { percent?: number; setup?: number; monthly?: number; rounding?: (typeof ROUNDING_RULES)[number] }, type: string) =>
        adminPricing.setPricingRule(
          client,
          oneOf('<type>', NUMBER_TYPES)(type),
          defined({ markup_percent: o.percent, setup_markup: o.setup, monthly_markup: o.monthly, rounding: o.rounding }),
          io,
        ),
      ),
    );

  admin
    .command('margins')
    .description('revenue, upstream cost and margin per month and number type (default: the last twelve months)')
    .option('--from <month>', 'first month, YYYY-MM', month('--from'))
    .option('--to <month>', 'last month, YYYY-MM', month('--to'))
    .action(operator(async (client, io, o: { from?: string; to?: string }) => adminPricing.showMargins(client, defined({ from: o.from, to: o.to }), io)));

  const numbers = admin.command('numbers').description('any number, whoever holds it');
  numbers
    .command('history <number>')
    .description("a number's whole history, every owner's: purchases, changes, renewals, releases, and who made them")
    .option('--limit <n>', 'only the newest this many', integer('--limit', 1, 1000))
    .action(operator(async (client, io, o: { limit?: number }, number: string) => adminInventory.showNumberHistory(client, number, defined({ limit: o.limit }), io)));

  const plans = admin.command('price-plans').description("price plans: accounts' own prices per number type, fixed or a markup over the upstream cost");
  plans.command('list', { isDefault: true }).action(operator(async (client, io) => adminPricePlans.listPricePlans(client, io)));
  plans.command('show <plan>').action(operator(async (client, io, _o, id: string) => adminPricePlans.showPricePlan(client, id, io)));
  const priceOptions = (command: Command) =>
    command
      .option('--fixed <type:setup:monthly>', 'a fixed price for a type, in dollars (repeatable), e.g. mobile:0:5', adminPricePlans.fixedPrice)
      .option(
        '--markup <type:percent[:setup:monthly[:rounding]]>',
        'a markup over the upstream cost for a type (repeatable), e.g. geographic:10:0:0.5:up_to_95_cents',
        adminPricePlans.markupPrice,
      );
  priceOptions(plans.command('create <name>').description('a new plan; types without --fixed or --markup keep the default price')).action(
    operator(async (client, io, o: { fixed?: PlanPrices; markup?: PlanPrices }, name: string) =>
      adminPricePlans.createPricePlan(client, { name, prices: [...(o.fixed ?? []), ...(o.markup ?? [])] }, io),
    ),
  );
  priceOptions(
    plans
      .command('update <plan>')
      .description('rename a plan (--name) or replace all its prices (--fixed, --markup, or --no-prices to clear them)')
      .option('--name <name>')
      .option('--no-prices', 'remove every price: the plan charges the default prices'),
  ).action(
    operator(async (client, io, o: { name?: string; fixed?: PlanPrices; markup?: PlanPrices; prices: boolean }, id: string) => {
      const given = [...(o.fixed ?? []), ...(o.markup ?? [])];
      if (!o.prices && given.length > 0) throw new UsageError('--no-prices cannot go with --fixed or --markup');
      const changes = defined({ name: o.name, prices: !o.prices ? [] : given.length > 0 ? given : undefined });
      if (Object.keys(changes).length === 0) throw new UsageError('give --name, --fixed, --markup or --no-prices');
      return adminPricePlans.updatePricePlan(client, id, changes, io);
    }),
  );
  plans.command('delete <plan>').description('delete a plan no account is on').action(operator(async (client, io, _o, id: string) => adminPricePlans.deletePricePlan(client, id, io)));
  plans
    .command('assign <account> [plan]')
    .description('put an account on a plan; --default for the default prices')
    .option('--default', 'back to the default prices')
    .action(
      operator(async (client, io, o: { default?: boolean }, account: string, plan?: string) => {
        if (Boolean(o.default) === (plan !== undefined)) throw new UsageError('give a <plan> or --default, not both');
        return adminPricePlans.assignPricePlan(client, account, plan ?? null, io);
      }),
    );

  const reports = admin.command('reports').description("the operator's reports");
  reports
    .command('billing')
    .description('revenue per month and type, numbers by status, renewals due in the next 30 days, accounts that cannot cover them')
    .option('--from <month>', 'first month of revenue, YYYY-MM', month('--from'))
    .option('--to <month>', 'last month of revenue, YYYY-MM', month('--to'))
    .action(operator(async (client, io, o: { from?: string; to?: string }) => adminPricePlans.showBillingReport(client, defined({ from: o.from, to: o.to }), io)));
  reports
    .command('margins')
    .description('revenue, upstream cost and margin per month and number type (as `bilby admin margins`)')
    .option('--from <month>', 'first month, YYYY-MM', month('--from'))
    .option('--to <month>', 'last month, YYYY-MM', month('--to'))
    .action(operator(async (client, io, o: { from?: string; to?: string }) => adminPricing.showMargins(client, defined({ from: o.from, to: o.to }), io)));

  const inventory = admin.command('inventory').description('stock: counts, import, sync, withdraw, reinstate');
  inventory.command('counts', { isDefault: true }).action(operator(async (client, io) => adminInventory.showCounts(client, io)));
  inventory
    .command('import <file>')
    .description('import a CSV: did_number, number_type, state, city, setup_cost, monthly_cost, carrier (default: the configured one)')
    .action(operator(async (client, io, _o, file: string) => adminInventory.importInventory(client, file, io, Boolean(process.stderr.isTTY) && !io.json)));
  inventory
    .command('sync')
    .description("sync with the upstream's catalogue (reseller mode): add numbers new upstream, reprice, withdraw those gone")
    .action(operator(async (client, io) => adminInventory.syncInventory(client, io, Boolean(process.stderr.isTTY) && !io.json)));
  for (const action of ['withdraw', 'reinstate'] as const) {
    inventory
      .command(`${action} <numbers...>`)
      .description(action === 'withdraw' ? 'take numbers off sale' : 'put withdrawn numbers back on sale')
      .action(operator(async (client, io, _o, list: string[]) => adminInventory.changeStock(client, action, list, io)));
  }

  admin
    .command('reconcile')
    .description('compare what the carrier holds with what customers hold, and list every difference (exit 4 when there are any)')
    .option('--last', 'the last report instead of running one now')
    .action(operator(async (client, io, o: { last?: boolean }) => reconcile(client, defined({ last: o.last }), io)));

  const billing = program.command('billing').description('monthly rental (needs the admin key)');
  billing
    .command('run')
    .description('charge every rental period due, suspend what balances cannot cover, release what stayed unpaid')
    .option('--as-of <instant>', 'bill as a run at this instant would, e.g. 2027-01-31T00:00:00Z', instant('--as-of'))
    .option('--no-wait', 'print the run id once it has started instead of following it (bilby billing show <run>)')
    .action(
      operator(async (client, io, o: { asOf?: string; wait: boolean }) =>
        runBilling(client, { ...defined({ asOf: o.asOf }), wait: o.wait }, io, Boolean(process.stderr.isTTY) && !io.json),
      ),
    );
  billing
    .command('show [run]')
    .description('one billing run (its progress, or its report once it ended), or the latest runs')
    .action(operator(async (client, io, _o, run?: string) => showBillingRuns(client, run, io)));
}

