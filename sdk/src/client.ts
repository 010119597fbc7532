import { pageable, type PagePromise } from './pagination.js';
import { fillRoute, type Api, type Method, type PathParams, type Route, type Success } from './routes.js';
import { sleep, sleepUnless, Transport, type ClientOptions, type RequestSpec } from './transport.js';
import type * as T from './types.js';

/** Per-call options. */
export interface CallOptions {
  /** Sent as Idempotency-Key and reused by the call's retries. @default a new UUID per call */
  idempotencyKey?: string;
}

/** What a call adds to its route: the path parameters the document names (required if it names any), a query, a body... */
type Extra<A extends Api, M extends Method, R extends string> = Omit<Partial<RequestSpec>, 'method' | 'api' | 'path' | 'operation'> &
  (PathParams<A, M, R> extends undefined ? { params?: undefined } : { params: PathParams<A, M, R> });
type ExtraArgument<A extends Api, M extends Method, R extends string> =
  PathParams<A, M, R> extends undefined ? [extra?: Extra<A, M, R>] : [extra: Extra<A, M, R>];
type Item<P> = P extends { results: Array<infer I> } ? I : never;

/**
 * A typed client for Bilby's customer and operator APIs, which also works against crazytel.io for
 * the calls marked [CrazyTel]; calls marked [Bilby] are Bilby extensions.
 *
 * @example
 * const client = createClient({ baseUrl: 'http://localhost:8080', apiKey: process.env.BILBY_API_KEY });
 * const [number] = (await client.availableNumbers.list({ state: 'NSW', limit: 1 })).results;
 * for await (const owned of client.numbers.list()) console.log(owned.did_number);
 */
export function createClient(options: ClientOptions) {
  const transport = new Transport(options);
  // Each request names its route as the OpenAPI document does (see routes.ts); its answer is typed from it.
  const request = <A extends Api, M extends Method, R extends Route<A, M>>(
    api: A,
    method: M,
    route: R,
    operation: string,
    extra: Extra<A, M, R> | undefined,
  ) => {
    const { params, ...rest } = (extra ?? {}) as Partial<RequestSpec> & { params?: Record<string, string> };
    const path = fillRoute(route, params);
    const extension = api === 'admin' ? { extension: true } : {};
    return transport.request<Success<A, M, R>>({ method, path, operation, api, ...extension, ...rest });
  };
  const customer = <M extends Method, R extends Route<'customer', M>>(
    method: M,
    route: R,
    operation: string,
    ...[extra]: ExtraArgument<'customer', M, R>
  ) => request('customer', method, route, operation, extra);
  const admin = <M extends Method, R extends Route<'admin', M>>(
    method: M,
    route: R,
    operation: string,
    ...[extra]: ExtraArgument<'admin', M, R>
  ) => request('admin', method, route, operation, extra);
  const list = <A extends Api, R extends Route<A, 'GET'>>(
    api: A,
    route: R,
    operation: string,
    query: object = {},
    ...[extra]: ExtraArgument<A, 'GET', R>
  ): PagePromise<Item<Success<A, 'GET', R>>> =>
    pageable((cursor) =>
      request(api, 'GET', route, operation, {
        ...extra,
        query: { ...(query as RequestSpec['query']), ...(cursor ? { cursor } : {}) },
      } as Extra<A, 'GET', R>) as Promise<T.Page<Item<Success<A, 'GET', R>>>>,
    );

  const billingRun = (runId: string): Promise<T.BillingRun> =>
    admin('GET', '/billing/runs/{run_id}', 'admin.billing.get', { params: { run_id: runId } });

  return {
    options: transport.options,

    availableNumbers: {
      /** [CrazyTel] Numbers that can be bought now, 50 a page by default. */
      list: (filters: T.AvailableNumberFilters = {}): PagePromise<T.AvailableNumber> =>
        list('customer', '/phone-numbers/available-numbers/', 'availableNumbers.list', filters),
      /** [Bilby] One available number, or NumberUnavailableError. */
      get: (didNumber: string): Promise<T.AvailableNumber> =>
        customer('GET', '/phone-numbers/available-numbers/{did_number}/', 'availableNumbers.get', {
          params: { did_number: didNumber },
          extension: true,
        }),
    },

    /** [CrazyTel] Cities that have available numbers. */
    cities: {
      list: (query: { state?: string; country?: 'AU' | 'NZ' } = {}): Promise<string[]> =>
        customer('GET', '/phone-numbers/cities/', 'cities.list', { query }).then((r) => r.results),
    },

    /** [CrazyTel] Buys one number and routes it: charged exactly once, whatever the retries. */
    purchase: (input: T.PurchaseInput, call: CallOptions = {}): Promise<T.PurchaseResult> =>
      customer('POST', '/phone-numbers/purchase', 'purchase', { body: input, idempotencyKey: call.idempotencyKey }),

    /** [Bilby] Runs every check of a purchase and returns the price and the balance after, buying nothing. */
    quote: (input: T.PurchaseInput) =>
      // With dry_run the operation's 200 is always its quote, never a purchase.
      customer('POST', '/phone-numbers/purchase', 'quote', {
        body: input,
        query: { dry_run: true },
        extension: true,
      }) as Promise<T.PurchaseQuote>,

    reservations: {
      /**
       * [Bilby] Holds numbers for this account for `minutes` (the server's default when absent):
       * nobody else can buy them until `expires_at`, and this account buys them as usual. One
       * number that cannot be held rejects with NotFoundError (number_unavailable); of several,
       * those are listed in `unavailable`.
       */
      create: (didNumbers: string | string[], options: { minutes?: number } = {}): Promise<T.ReservationResult> =>
        customer('POST', '/phone-numbers/reservations', 'reservations.create', {
          body: { ...(typeof didNumbers === 'string' ? { did_number: didNumbers } : { did_numbers: didNumbers }), ...options },
          extension: true,
        }),
      /** [Bilby] The numbers held for this account now. */
      list: (): Promise<T.Reservation[]> =>
        customer('GET', '/phone-numbers/reservations', 'reservations.list', { extension: true }).then((r) => r.results),
      /** [Bilby] Holds this account's numbers (all of them without `didNumbers`) until `minutes` from now, each at most until its `extendable_until`. */
      extend: (options: { didNumbers?: string[]; minutes?: number } = {}): Promise<T.Reservation[]> =>
        customer('PATCH', '/phone-numbers/reservations', 'reservations.extend', {
          body: { ...(options.didNumbers ? { did_numbers: options.didNumbers } : {}), ...(options.minutes === undefined ? {} : { minutes: options.minutes }) },
          extension: true,
        }).then((r) => r.results),
      /** [Bilby] Lets this account's held numbers go now (all of them without `didNumbers`); resolves the numbers let go. */
      release: (didNumbers?: string[]): Promise<string[]> =>
        customer('DELETE', '/phone-numbers/reservations', 'reservations.release', { body: didNumbers ? { did_numbers: didNumbers } : {}, extension: true }).then(
          (r) => r.released,
        ),
    },

    numbers: {
      /** [CrazyTel] The account's numbers. */
      list: (filters: T.OwnedNumberFilters = {}): PagePromise<T.OwnedNumber> =>
        list('customer', '/phone-numbers', 'numbers.list', filters),
      /** [CrazyTel] One of the account's numbers with its full configuration. */
      get: (didNumber: string): Promise<T.OwnedNumber> =>
        customer('GET', '/phone-numbers/{did_number}', 'numbers.get', { params: { did_number: didNumber } }),
      /** [CrazyTel] Changes a number's routing, description, IPND records...; fields left out stay. */
      update: (didNumber: string, changes: T.NumberUpdate, call: CallOptions = {}): Promise<T.OwnedNumber> =>
        customer('PATCH', '/phone-numbers', 'numbers.update', {
          body: { ...changes, did_number: didNumber },
          idempotencyKey: call.idempotencyKey,
        }),
      /**
       * [Bilby] The number's history in this account's hands, newest first: its purchase, each change
       * (before and after), renewals, suspension, release, with who made it and the request's id.
       */
      history: (didNumber: string, options: T.ListOptions = {}): PagePromise<T.NumberEvent> =>
        list('customer', '/phone-numbers/{did_number}/history', 'numbers.history', options, {
          params: { did_number: didNumber },
          extension: true,
        }),
      /**
       * [Bilby] What an inbound call from `caller` (any form; null or left out: withheld) would meet:
       * the block preferences, then each routing step with whether its destination exists and is
       * enabled, and the outcome in a sentence. Nothing is dialled or changed.
       */
      testRouting: (didNumber: string, caller: string | null = null): Promise<T.RoutingTest> =>
        customer('POST', '/phone-numbers/{did_number}/test', 'numbers.testRouting', { params: { did_number: didNumber }, body: { caller }, extension: true }),
      /**
       * [CrazyTel] Gives a number back. [Bilby] With `atPeriodEnd`, keeps it until its paid month
       * ends and releases it then (the answer's `release_on`).
       */
      release: (didNumber: string, call: CallOptions & { atPeriodEnd?: boolean } = {}): Promise<T.Released> =>
        customer('DELETE', '/phone-numbers', 'numbers.release', {
          body: call.atPeriodEnd ? { did_number: didNumber, at_period_end: true } : { did_number: didNumber },
          idempotencyKey: call.idempotencyKey,
          ...(call.atPeriodEnd ? { extension: true } : {}),
        }),
      /**
       * [Bilby] Takes back a number this account released, within the grace days after the release:
       * the same configuration and anniversary, charging only the months begun and not yet paid.
       * ConflictError (not_restorable) once the grace days are over.
       */
      restore: (didNumber: string, call: CallOptions = {}): Promise<T.Restored> =>
        customer('POST', '/phone-numbers/{did_number}/restore', 'numbers.restore', {
          params: { did_number: didNumber },
          idempotencyKey: call.idempotencyKey,
          extension: true,
        }),
    },

    addresses: {
      /** [CrazyTel] The account's IPND service addresses. */
      list: (options: T.ListOptions = {}): PagePromise<T.Address> =>
        list('customer', '/phone-numbers/addresses/', 'addresses.list', options),
      /** [CrazyTel] */
      create: (address: T.NewAddress, call: CallOptions = {}): Promise<T.Address> =>
        customer('POST', '/account/address/', 'addresses.create', { body: address, idempotencyKey: call.idempotencyKey }),
      /** [CrazyTel] ConflictError (in_use) while a number uses it. */
      delete: (addressId: string): Promise<{ message: string }> =>
        customer('DELETE', '/account/address/{id}', 'addresses.delete', { params: { id: addressId } }),
    },

    owners: {
      /** [CrazyTel] The account's IPND persons. */
      list: (options: T.ListOptions = {}): PagePromise<T.Person> =>
        list('customer', '/phone-numbers/owners/', 'owners.list', options),
      /** [CrazyTel] */
      create: (person: T.NewPerson, call: CallOptions = {}): Promise<T.Person> =>
        customer('POST', '/account/person/', 'owners.create', { body: person, idempotencyKey: call.idempotencyKey }),
      /** [CrazyTel] */
      delete: (personId: string): Promise<{ message: string }> =>
        customer('DELETE', '/account/person/{id}', 'owners.delete', { params: { id: personId } }),
    },

    destinations: {
      /** [CrazyTel] Where the account's numbers can be routed, the terminal routes (congestion) last. */
      list: (options: T.ListOptions = {}): PagePromise<T.Destination> =>
        list('customer', '/phone-numbers/destinations/', 'destinations.list', options),
    },

    /** [CrazyTel] The balance; Bilby adds available_balance (balance less funds held by purchases in flight). */
    balance: (): Promise<T.Balance> => customer('GET', '/balance/', 'balance'),
    /**
     * [Bilby] Be told (event `balance.low`) each time the balance falls below `threshold` dollars;
     * null switches it off.
     */
    setLowBalanceAlert: (threshold: number | null): Promise<T.Balance> =>
      customer('PUT', '/account/low-balance-alert', 'setLowBalanceAlert', { body: { threshold }, extension: true }),

    verifiedCallerIds: {
      /** [CrazyTel] */
      list: (): Promise<string[]> => customer('GET', '/account/verified-cli/', 'verifiedCallerIds.list').then((r) => r.results),
    },

    bulkOrders: {
      /**
       * [Bilby] Buys up to 100 numbers at once: `did_numbers`, or `criteria` (quantity, state, city,
       * number_type, contains, consecutive). All or nothing by default; one funds check for the whole
       * order; a line per number with its outcome.
       */
      create: (input: T.BulkOrderInput, call: CallOptions = {}): Promise<T.BulkOrder> =>
        customer('POST', '/phone-numbers/orders/', 'bulkOrders.create', { body: input, idempotencyKey: call.idempotencyKey, extension: true }),
      /** [Bilby] A bulk order with each line's outcome now. */
      get: (bulkOrderId: string): Promise<T.BulkOrder> =>
        customer('GET', '/phone-numbers/orders/bulk/{bulk_order_id}', 'bulkOrders.get', { params: { bulk_order_id: bulkOrderId }, extension: true }),
    },

    orders: {
      /** [Bilby] Purchase orders, newest first. */
      list: (options: T.ListOptions = {}): PagePromise<T.Order> =>
        list('customer', '/phone-numbers/orders/', 'orders.list', options, { extension: true }),
      /** [Bilby] */
      get: (orderId: string): Promise<T.Order> =>
        customer('GET', '/phone-numbers/orders/{order_id}', 'orders.get', { params: { order_id: orderId }, extension: true }),
    },

    transactions: {
      /** [Bilby] The account's ledger, newest first. */
      list: (options: T.ListOptions = {}): PagePromise<T.Transaction> =>
        list('customer', '/account/transactions/', 'transactions.list', options, { extension: true }),
    },

    events: {
      /** [Bilby] The account's events after the cursor `after` (from the start without it), oldest first. */
      list: (options: T.EventListOptions = {}): PagePromise<T.AccountEvent> =>
        list('customer', '/events/', 'events.list', options, { extension: true }),
      /**
       * [Bilby] Every event after `after`, as they come, until `signal` aborts: the events there are
       * now, then a poll every `intervalMs` (default 1,000) while there are none.
       *
       * @example
       * for await (const event of client.events.follow({ after: saved, signal })) save(event.cursor);
       */
      follow: async function* (options: T.EventFollowOptions = {}): AsyncGenerator<T.AccountEvent> {
        let after = options.after;
        while (!options.signal?.aborted) {
          const page = await customer('GET', '/events/', 'events.list', { query: { limit: 1000, ...(after ? { after } : {}) }, extension: true });
          for (const event of page.results) {
            if (options.signal?.aborted) return;
            yield event;
            after = event.cursor;
          }
          if (page.results.length === 0) await sleepUnless(options.intervalMs ?? 1_000, options.signal);
        }
      },
    },

    webhooks: {
      /**
       * [Bilby] Adds an endpoint that hears the account's events from now on (`events: ['*']` for
       * every kind). The answer's `secret` is shown this once: keep it to check each delivery with
       * {@link verifyWebhook}.
       */
      create: (input: T.NewWebhookEndpoint, call: CallOptions = {}): Promise<T.WebhookEndpointWithSecret> =>
        customer('POST', '/webhooks', 'webhooks.create', { body: input, idempotencyKey: call.idempotencyKey, extension: true }),
      /** [Bilby] The account's endpoints. */
      list: (): Promise<T.WebhookEndpoint[]> =>
        customer('GET', '/webhooks', 'webhooks.list', { extension: true }).then((r) => r.results),
      /** [Bilby] One endpoint, with its deliveries still to be made. */
      get: (endpointId: string): Promise<T.WebhookEndpoint> =>
        customer('GET', '/webhooks/{webhook_id}', 'webhooks.get', { params: { webhook_id: endpointId }, extension: true }),
      /** [Bilby] A new URL, kinds or description; `status: 'enabled'` resumes a disabled endpoint where it stopped. */
      update: (endpointId: string, changes: T.WebhookEndpointChanges): Promise<T.WebhookEndpoint> =>
        customer('PATCH', '/webhooks/{webhook_id}', 'webhooks.update', { params: { webhook_id: endpointId }, body: changes, extension: true }),
      /** [Bilby] Deletes the endpoint, its queued deliveries and its log. */
      delete: (endpointId: string): Promise<T.WebhookEndpoint> =>
        customer('DELETE', '/webhooks/{webhook_id}', 'webhooks.delete', { params: { webhook_id: endpointId }, extension: true }),
      /**
       * [Bilby] A new signing secret, in this answer only; the old one keeps signing beside it for
       * `expirePreviousInHours` (default 24; 0 stops it at once).
       */
      rotateSecret: (endpointId: string, options: { expirePreviousInHours?: number } & CallOptions = {}): Promise<T.WebhookEndpointWithSecret> =>
        customer('POST', '/webhooks/{webhook_id}/rotate-secret', 'webhooks.rotateSecret', {
          params: { webhook_id: endpointId },
          body: options.expirePreviousInHours === undefined ? {} : { expire_previous_in_hours: options.expirePreviousInHours },
          idempotencyKey: options.idempotencyKey,
          extension: true,
        }),
      /** [Bilby] Delivers the events after `after` and through `through` (event cursors) again; call again after `last_cursor` while `more`. */
      replay: (endpointId: string, range: T.WebhookReplayRange = {}, call: CallOptions = {}): Promise<T.WebhookReplay> =>
        customer('POST', '/webhooks/{webhook_id}/replay', 'webhooks.replay', {
          params: { webhook_id: endpointId },
          body: range,
          idempotencyKey: call.idempotencyKey,
          extension: true,
        }),
      /** [Bilby] Every attempt to deliver to the endpoint, newest first: status, time, error. */
      attempts: (endpointId: string, options: T.ListOptions = {}): PagePromise<T.WebhookAttempt> =>
        list('customer', '/webhooks/{webhook_id}/attempts', 'webhooks.attempts', options, { params: { webhook_id: endpointId }, extension: true }),
    },

    invoices: {
      /** [Bilby] The account's monthly tax invoices, newest first. */
      list: (options: T.ListOptions = {}): PagePromise<T.InvoiceSummary> =>
        list('customer', '/account/invoices/', 'invoices.list', options, { extension: true }),
      /** [Bilby] A tax invoice with its items and the month's statement; NotFoundError (`invoice_not_found`) for another account's. */
      get: (invoiceId: string): Promise<T.Invoice> =>
        customer('GET', '/account/invoices/{id}', 'invoices.get', { params: { id: invoiceId }, extension: true }),
      /** [Bilby] The tax invoice as PDF bytes. */
      pdf: (invoiceId: string): Promise<Uint8Array> =>
        customer('GET', '/account/invoices/{id}/pdf', 'invoices.pdf', {
          params: { id: invoiceId },
          extension: true,
          responseType: 'bytes',
        }) as Promise<unknown> as Promise<Uint8Array>,
    },

    /** [Bilby] The operator API; needs `adminKey`. */
    admin: {
      accounts: {
        list: (query: T.ListOptions & { status?: 'active' | 'suspended' } = {}): PagePromise<T.AdminAccount> =>
          list('admin', '/accounts', 'admin.accounts.list', query),
        /** Opens an account; the result holds its first API key, shown this once. */
        create: (input: T.NewAccountInput, call: CallOptions = {}): Promise<T.NewAccountResult> =>
          admin('POST', '/accounts', 'admin.accounts.create', { body: input, idempotencyKey: call.idempotencyKey }),
        get: (accountId: string): Promise<T.AdminAccount> =>
          admin('GET', '/accounts/{account_id}', 'admin.accounts.get', { params: { account_id: accountId } }),
        suspend: (accountId: string): Promise<T.AdminAccount> =>
          admin('POST', '/accounts/{account_id}/suspend', 'admin.accounts.suspend', { params: { account_id: accountId } }),
        reactivate: (accountId: string): Promise<T.AdminAccount> =>
          admin('POST', '/accounts/{account_id}/reactivate', 'admin.accounts.reactivate', { params: { account_id: accountId } }),
        transactions: (accountId: string, options: T.ListOptions = {}): PagePromise<T.Transaction> =>
          list('admin', '/accounts/{account_id}/transactions', 'admin.accounts.transactions', options, {
            params: { account_id: accountId },
          }),
      },
      keys: {
        list: (accountId: string): Promise<T.ApiKeyInfo[]> =>
          admin('GET', '/accounts/{account_id}/keys', 'admin.keys.list', { params: { account_id: accountId } }).then((r) => r.results),
        /** The new key's secret is in the result only. */
        create: (accountId: string, input: { label?: string } = {}, call: CallOptions = {}): Promise<T.NewApiKey> =>
          admin('POST', '/accounts/{account_id}/keys', 'admin.keys.create', {
            params: { account_id: accountId },
            body: input,
            idempotencyKey: call.idempotencyKey,
          }),
        revoke: (accountId: string, keyId: string): Promise<T.ApiKeyInfo> =>
          admin('DELETE', '/accounts/{account_id}/keys/{key_id}', 'admin.keys.revoke', {
            params: { account_id: accountId, key_id: keyId },
          }),
      },
      /** Money in (a credit transaction). */
      credit: (accountId: string, input: { amount: number; reason: string }, call: CallOptions = {}): Promise<T.Transaction> =>
        admin('POST', '/accounts/{account_id}/credits', 'admin.credit', {
          params: { account_id: accountId },
          body: input,
          idempotencyKey: call.idempotencyKey,
        }),
      /** Money out (an adjustment); InsufficientFundsError beyond the available balance. */
      debit: (accountId: string, input: { amount: number; reason: string }, call: CallOptions = {}): Promise<T.Transaction> =>
        admin('POST', '/accounts/{account_id}/debits', 'admin.debit', {
          params: { account_id: accountId },
          body: input,
          idempotencyKey: call.idempotencyKey,
        }),
      destinations: {
        list: (accountId: string): Promise<T.AdminDestination[]> =>
          admin('GET', '/accounts/{account_id}/destinations', 'admin.destinations.list', { params: { account_id: accountId } }).then(
            (r) => r.results,
          ),
        create: (accountId: string, input: T.NewDestination, call: CallOptions = {}): Promise<T.AdminDestination> =>
          admin('POST', '/accounts/{account_id}/destinations', 'admin.destinations.create', {
            params: { account_id: accountId },
            body: input,
            idempotencyKey: call.idempotencyKey,
          }),
        update: (accountId: string, destinationId: string, changes: T.DestinationChanges): Promise<T.AdminDestination> =>
          admin('PATCH', '/accounts/{account_id}/destinations/{destination_id}', 'admin.destinations.update', {
            params: { account_id: accountId, destination_id: destinationId },
            body: changes,
          }),
        delete: (accountId: string, destinationId: string): Promise<T.AdminDestination> =>
          admin('DELETE', '/accounts/{account_id}/destinations/{destination_id}', 'admin.destinations.delete', {
            params: { account_id: accountId, destination_id: destinationId },
          }),
      },
      /** Reseller mode: where upstream sends an account's calls, when the operator overrides the configured route. */
      upstreamRoute: {
        get: (accountId: string): Promise<T.AccountUpstreamRoute> =>
          admin('GET', '/accounts/{account_id}/upstream-route', 'admin.upstreamRoute.get', { params: { account_id: accountId } }),
        /** The account's numbers are reconfigured upstream in the background (`pending_numbers` counts them down). */
        set: (accountId: string, routing: T.UpstreamRouteInput): Promise<T.AccountUpstreamRoute> =>
          admin('PUT', '/accounts/{account_id}/upstream-route', 'admin.upstreamRoute.set', { params: { account_id: accountId }, body: routing }),
        clear: (accountId: string): Promise<T.AccountUpstreamRoute> =>
          admin('DELETE', '/accounts/{account_id}/upstream-route', 'admin.upstreamRoute.clear', { params: { account_id: accountId } }),
      },
      prices: {
        list: (): Promise<T.TypePrice[]> => admin('GET', '/prices', 'admin.prices.list').then((r) => r.results),
        /** Sets a number type's price; unsold numbers without their own price follow it. */
        set: (numberType: T.NumberType, price: T.PriceInput): Promise<T.SetTypePriceResult> =>
          admin('PUT', '/prices/{number_type}', 'admin.prices.set', { params: { number_type: numberType }, body: price }),
      },
      pricingRules: {
        /** The rules by which upstream numbers are priced from their upstream cost, per number type. */
        list: (): Promise<T.PricingRule[]> => admin('GET', '/pricing-rules', 'admin.pricingRules.list').then((r) => r.results),
        /** Sets a type's rule (fields left out: 0 and no rounding); its unsold upstream numbers follow it at once. */
        set: (numberType: T.NumberType, rule: T.PricingRuleInput): Promise<T.SetPricingRuleResult> =>
          admin('PUT', '/pricing-rules/{number_type}', 'admin.pricingRules.set', { params: { number_type: numberType }, body: rule }),
      },
      invoices: {
        /** Every account's tax invoices, newest first; `account_id` or `month` (`YYYY-MM`) narrow them. */
        list: (filters: T.AdminInvoiceFilters = {}): PagePromise<T.AdminInvoiceSummary> =>
          list('admin', '/invoices', 'admin.invoices.list', filters),
        get: (invoiceId: string): Promise<T.AdminInvoice> =>
          admin('GET', '/invoices/{id}', 'admin.invoices.get', { params: { id: invoiceId } }),
        /** The tax invoice as PDF bytes. */
        pdf: (invoiceId: string): Promise<Uint8Array> =>
          admin('GET', '/invoices/{id}/pdf', 'admin.invoices.pdf', { params: { id: invoiceId }, responseType: 'bytes' }) as Promise<unknown> as Promise<Uint8Array>,
      },
      /**
       * Price plans: the prices of the accounts put on them, per number type, fixed or a markup over
       * the upstream cost. A number's own price comes first; a type a plan leaves out keeps the default.
       *
       * @example
       * const plan = await bilby.admin.pricePlans.create({ name: 'Wholesale', prices: [{ number_type: 'mobile', setup_cost: 0, monthly_cost: 5 }] });
       * await bilby.admin.pricePlans.assign(accountId, plan.id);
       */
      pricePlans: {
        list: (): Promise<T.PricePlan[]> => admin('GET', '/price-plans', 'admin.pricePlans.list').then((r) => r.results),
        /** ConflictError `already_exists` for a name in use. */
        create: (input: T.NewPricePlan, call: CallOptions = {}): Promise<T.PricePlan> =>
          admin('POST', '/price-plans', 'admin.pricePlans.create', { body: input, idempotencyKey: call.idempotencyKey }),
        get: (planId: string): Promise<T.PricePlan> =>
          admin('GET', '/price-plans/{price_plan_id}', 'admin.pricePlans.get', { params: { price_plan_id: planId } }),
        /** Renames the plan or (`prices`) replaces all its prices; renewals follow from the next period. */
        update: (planId: string, changes: T.PricePlanChanges): Promise<T.PricePlan> =>
          admin('PATCH', '/price-plans/{price_plan_id}', 'admin.pricePlans.update', { params: { price_plan_id: planId }, body: changes }),
        /** ConflictError `in_use` while an account is on the plan. */
        delete: (planId: string): Promise<T.PricePlan> =>
          admin('DELETE', '/price-plans/{price_plan_id}', 'admin.pricePlans.delete', { params: { price_plan_id: planId } }),
        /** Puts the account on the plan, or (null) back on the default prices. */
        assign: (accountId: string, planId: string | null): Promise<T.AdminAccount> =>
          admin('PUT', '/accounts/{account_id}/price-plan', 'admin.pricePlans.assign', {
            params: { account_id: accountId },
            body: { price_plan_id: planId },
          }),
      },
      reports: {
        /** Revenue, upstream cost and margin per month (UTC, `YYYY-MM`) and number type; by default the last twelve months. */
        margins: (range: { from?: string; to?: string } = {}): Promise<T.MarginReport> =>
          admin('GET', '/reports/margins', 'admin.reports.margins', { query: range }),
        /**
         * Revenue per month and number type (GST shown, net of refunds), numbers by status, renewals due
         * in the next 30 days and the accounts whose available balance will not cover them.
         */
        billing: (range: { from?: string; to?: string } = {}): Promise<T.BillingReport> =>
          admin('GET', '/reports/billing', 'admin.reports.billing', { query: range }),
      },
      numbers: {
        get: (didNumber: string): Promise<T.InventoryNumber> =>
          admin('GET', '/numbers/{did_number}', 'admin.numbers.get', { params: { did_number: didNumber } }),
        /** The number's whole history, every owner's, newest first. */
        history: (didNumber: string, options: T.ListOptions = {}): PagePromise<T.AdminNumberEvent> =>
          list('admin', '/numbers/{did_number}/history', 'admin.numbers.history', options, { params: { did_number: didNumber } }),
        setPrice: (didNumber: string, price: T.PriceInput): Promise<T.InventoryNumber> =>
          admin('PUT', '/numbers/{did_number}/price', 'admin.numbers.setPrice', { params: { did_number: didNumber }, body: price }),
        clearPrice: (didNumber: string): Promise<T.InventoryNumber> =>
          admin('DELETE', '/numbers/{did_number}/price', 'admin.numbers.clearPrice', { params: { did_number: didNumber } }),
      },
      inventory: {
        counts: (): Promise<T.StockCounts> => admin('GET', '/inventory/counts', 'admin.inventory.counts'),
        withdraw: (didNumbers: string[]): Promise<T.StockChange> =>
          admin('POST', '/inventory/withdraw', 'admin.inventory.withdraw', { body: { did_numbers: didNumbers } }),
        reinstate: (didNumbers: string[]): Promise<T.StockChange> =>
          admin('POST', '/inventory/reinstate', 'admin.inventory.reinstate', { body: { did_numbers: didNumbers } }),
        /**
         * Streams a CSV (did_number, number_type, state, city, setup_cost, monthly_cost, carrier) into stock.
         * `onProgress` is told the bytes sent so far; the server reads as it receives.
         */
        import: (
          csv: string | Uint8Array | AsyncIterable<Uint8Array>,
          options: { onProgress?: (bytesSent: number) => void } = {},
        ): Promise<T.ImportReport> =>
          admin('POST', '/inventory/import', 'admin.inventory.import', {
            rawBody: { body: toStream(csv, options.onProgress), contentType: 'text/csv' },
          }),
        /**
         * Starts a sync of the upstream's catalogue (reseller mode) and returns it running; follow it
         * with `syncs.get(id)` until its status is `completed` or `failed`. ConflictError
         * `sync_in_progress` while one runs, `upstream_not_configured` without an upstream.
         */
        sync: (call: CallOptions = {}): Promise<T.CatalogueSync> =>
          admin('POST', '/inventory/sync', 'admin.inventory.sync', { idempotencyKey: call.idempotencyKey }) as Promise<T.CatalogueSync>,
        syncs: {
          /** The latest syncs, newest first. */
          list: (options: { limit?: number } = {}): Promise<T.CatalogueSync[]> =>
            admin('GET', '/inventory/syncs', 'admin.inventory.syncs.list', { query: options }).then((r) => r.results),
          get: (syncId: string): Promise<T.CatalogueSync> =>
            admin('GET', '/inventory/syncs/{sync_id}', 'admin.inventory.syncs.get', { params: { sync_id: syncId } }),
        },
      },
      reconcile: {
        /**
         * Compares what the carrier holds with what customers hold, now, and returns the report
         * (also kept as the last one). ConflictError (`reconcile_running`) while another runs.
         */
        run: (): Promise<T.ReconcileReport> => admin('POST', '/reconcile', 'admin.reconcile.run'),
        /** The last reconciliation's report; NotFoundError before the first. */
        last: (): Promise<T.ReconcileReport> => admin('GET', '/reconcile', 'admin.reconcile.last'),
      },
      billing: {
        /**
         * Starts a billing run: charges every rental period due now (or as of `asOf`), suspends what
         * the balances cannot cover and releases what stayed unpaid too long. The server runs it in the
         * background; this follows it by polling and returns it once it ends, with its report (check
         * `status`: `completed`, or `failed`/`interrupted` with `error`). `wait: false` returns it
         * running. ConflictError (`billing_running`) while another run is under way.
         *
         * @example
         * const run = await bilby.admin.billing.run({ onProgress: (r) => console.log(r.tenures_done, 'of', r.tenures_total) });
         * console.log(run.status, run.renewed, run.charged);
         */
        run: async (options: T.BillingRunOptions = {}, call: CallOptions = {}): Promise<T.BillingRun> => {
          let run = (await admin('POST', '/billing/runs', 'admin.billing.run', {
            body: options.asOf === undefined ? {} : { as_of: options.asOf },
            idempotencyKey: call.idempotencyKey,
          })) as T.BillingRun;
          options.onProgress?.(run);
          if (options.wait === false) return run;
          while (run.status === 'running') {
            await sleep(options.pollIntervalMs ?? 1000);
            run = await billingRun(run.id);
            options.onProgress?.(run);
          }
          return run;
        },
        /** One run: its progress while it runs, its report once it ends. */
        get: (runId: string): Promise<T.BillingRun> => billingRun(runId),
        /** The latest runs, newest first (the operator's and the schedule's). */
        list: (options: { limit?: number } = {}): Promise<T.BillingRun[]> =>
          admin('GET', '/billing/runs', 'admin.billing.list', { query: options }).then((r) => r.results),
      },
    },
  };
}

export type BilbyClient = ReturnType<typeof createClient>;

function toStream(source: string | Uint8Array | AsyncIterable<Uint8Array>, onProgress?: (bytesSent: number) => void) {
  const chunks: AsyncIterable<Uint8Array> =
    typeof source === 'string' || source instanceof Uint8Array
      ? (async function* () {
          yield typeof source === 'string' ? new TextEncoder().encode(source) : source;
        })()
      : source;
  let sent = 0;
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) {
        controller.close();
        return;
      }
      const chunk = typeof next.value === 'string' ? new TextEncoder().encode(next.value) : next.value;
      sent += chunk.byteLength;
      controller.enqueue(chunk);
      onProgress?.(sent);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
