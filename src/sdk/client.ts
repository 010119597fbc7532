import { pageable, type PagePromise } from './pagination.js';
import { Transport, type ClientOptions, type RequestSpec } from './transport.js';
import type * as T from './types.js';

/** Per-call options. */
export interface CallOptions {
  /** Sent as Idempotency-Key and reused by the call's retries. @default a new UUID per call */
  idempotencyKey?: string;
}

const id = (value: string) => encodeURIComponent(value);

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
  const send = <R>(spec: RequestSpec) => transport.request<R>(spec);
  const customer = <R>(method: RequestSpec['method'], path: string, operation: string, rest: Partial<RequestSpec> = {}) =>
    send<R>({ method, path, operation, api: 'customer', ...rest });
  const admin = <R>(method: RequestSpec['method'], path: string, operation: string, rest: Partial<RequestSpec> = {}) =>
    send<R>({ method, path, operation, api: 'admin', extension: true, ...rest });
  const list = <I>(path: string, operation: string, query: Record<string, unknown> = {}, api: 'customer' | 'admin' = 'customer', extension = false) =>
    pageable<I>((cursor) =>
      send<T.Page<I>>({
        method: 'GET',
        path,
        operation,
        api,
        extension: extension || api === 'admin',
        query: { ...(query as RequestSpec['query']), ...(cursor ? { cursor } : {}) },
      }),
    );

  return {
    options: transport.options,

    availableNumbers: {
      /** [CrazyTel] Numbers that can be bought now, 50 a page by default. */
      list: (filters: T.AvailableNumberFilters = {}): PagePromise<T.AvailableNumber> =>
        list('/phone-numbers/available-numbers/', 'availableNumbers.list', filters),
      /** [Bilby] One available number, or NumberUnavailableError. */
      get: (didNumber: string) =>
        customer<T.AvailableNumber>('GET', `/phone-numbers/available-numbers/${id(didNumber)}/`, 'availableNumbers.get', { extension: true }),
    },

    /** [CrazyTel] Cities that have available numbers. */
    cities: {
      list: (query: { state?: string; country?: 'AU' | 'NZ' } = {}) =>
        customer<{ results: string[] }>('GET', '/phone-numbers/cities/', 'cities.list', { query }).then((r) => r.results),
    },

    /** [CrazyTel] Buys one number and routes it: charged exactly once, whatever the retries. */
    purchase: (input: T.PurchaseInput, call: CallOptions = {}) =>
      customer<T.PurchaseResult>('POST', '/phone-numbers/purchase', 'purchase', { body: input, idempotencyKey: call.idempotencyKey }),

    /** [Bilby] Runs every check of a purchase and returns the price and the balance after, buying nothing. */
    quote: (input: T.PurchaseInput) =>
      customer<T.PurchaseQuote>('POST', '/phone-numbers/purchase', 'quote', { body: input, query: { dry_run: true }, extension: true }),

    numbers: {
      /** [CrazyTel] The account's numbers. */
      list: (filters: T.OwnedNumberFilters = {}): PagePromise<T.OwnedNumber> => list('/phone-numbers', 'numbers.list', filters),
      /** [CrazyTel] One of the account's numbers with its full configuration. */
      get: (didNumber: string) => customer<T.OwnedNumber>('GET', `/phone-numbers/${id(didNumber)}`, 'numbers.get'),
      /** [CrazyTel] Changes a number's routing, description, IPND records...; fields left out stay. */
      update: (didNumber: string, changes: T.NumberUpdate, call: CallOptions = {}) =>
        customer<T.OwnedNumber>('PATCH', '/phone-numbers', 'numbers.update', {
          body: { ...changes, did_number: didNumber },
          idempotencyKey: call.idempotencyKey,
        }),
      /** [CrazyTel] Gives a number back. */
      release: (didNumber: string, call: CallOptions = {}) =>
        customer<T.Released>('DELETE', '/phone-numbers', 'numbers.release', {
          body: { did_number: didNumber },
          idempotencyKey: call.idempotencyKey,
        }),
    },

    addresses: {
      /** [CrazyTel] The account's IPND service addresses. */
      list: (options: T.ListOptions = {}): PagePromise<T.Address> => list('/phone-numbers/addresses/', 'addresses.list', options),
      /** [CrazyTel] */
      create: (address: T.NewAddress, call: CallOptions = {}) =>
        customer<T.Address>('POST', '/account/address/', 'addresses.create', { body: address, idempotencyKey: call.idempotencyKey }),
      /** [CrazyTel] ConflictError (in_use) while a number uses it. */
      delete: (addressId: string) => customer<{ message: string }>('DELETE', `/account/address/${id(addressId)}`, 'addresses.delete'),
    },

    owners: {
      /** [CrazyTel] The account's IPND persons. */
      list: (options: T.ListOptions = {}): PagePromise<T.Person> => list('/phone-numbers/owners/', 'owners.list', options),
      /** [CrazyTel] */
      create: (person: T.NewPerson, call: CallOptions = {}) =>
        customer<T.Person>('POST', '/account/person/', 'owners.create', { body: person, idempotencyKey: call.idempotencyKey }),
      /** [CrazyTel] */
      delete: (personId: string) => customer<{ message: string }>('DELETE', `/account/person/${id(personId)}`, 'owners.delete'),
    },

    destinations: {
      /** [CrazyTel] Where the account's numbers can be routed. */
      list: () => customer<{ results: T.Destination[] }>('GET', '/phone-numbers/destinations/', 'destinations.list').then((r) => r.results),
    },

    /** [CrazyTel] The balance; Bilby adds available_balance (balance less funds held by purchases in flight). */
    balance: () => customer<T.Balance>('GET', '/balance/', 'balance'),

    verifiedCallerIds: {
      /** [CrazyTel] */
      list: () => customer<{ results: string[] }>('GET', '/account/verified-cli/', 'verifiedCallerIds.list').then((r) => r.results),
    },

    orders: {
      /** [Bilby] Purchase orders, newest first. */
      list: (options: T.ListOptions = {}): PagePromise<T.Order> => list('/phone-numbers/orders/', 'orders.list', options, 'customer', true),
      /** [Bilby] */
      get: (orderId: string) => customer<T.Order>('GET', `/phone-numbers/orders/${id(orderId)}`, 'orders.get', { extension: true }),
    },

    transactions: {
      /** [Bilby] The account's ledger, newest first. */
      list: (options: T.ListOptions = {}): PagePromise<T.Transaction> =>
        list('/account/transactions/', 'transactions.list', options, 'customer', true),
    },

    /** [Bilby] The operator API; needs `adminKey`. */
    admin: {
      accounts: {
        list: (query: T.ListOptions & { status?: 'active' | 'suspended' } = {}): PagePromise<T.AdminAccount> =>
          list('/accounts', 'admin.accounts.list', query, 'admin'),
        /** Opens an account; the result holds its first API key, shown this once. */
        create: (input: T.NewAccountInput, call: CallOptions = {}) =>
          admin<T.NewAccountResult>('POST', '/accounts', 'admin.accounts.create', { body: input, idempotencyKey: call.idempotencyKey }),
        get: (accountId: string) => admin<T.AdminAccount>('GET', `/accounts/${id(accountId)}`, 'admin.accounts.get'),
        suspend: (accountId: string) => admin<T.AdminAccount>('POST', `/accounts/${id(accountId)}/suspend`, 'admin.accounts.suspend'),
        reactivate: (accountId: string) =>
          admin<T.AdminAccount>('POST', `/accounts/${id(accountId)}/reactivate`, 'admin.accounts.reactivate'),
        transactions: (accountId: string, options: T.ListOptions = {}): PagePromise<T.Transaction> =>
          list(`/accounts/${id(accountId)}/transactions`, 'admin.accounts.transactions', options, 'admin'),
      },
      keys: {
        list: (accountId: string) =>
          admin<{ results: T.ApiKeyInfo[] }>('GET', `/accounts/${id(accountId)}/keys`, 'admin.keys.list').then((r) => r.results),
        /** The new key's secret is in the result only. */
        create: (accountId: string, input: { label?: string } = {}, call: CallOptions = {}) =>
          admin<T.NewApiKey>('POST', `/accounts/${id(accountId)}/keys`, 'admin.keys.create', { body: input, idempotencyKey: call.idempotencyKey }),
        revoke: (accountId: string, keyId: string) =>
          admin<T.ApiKeyInfo>('DELETE', `/accounts/${id(accountId)}/keys/${id(keyId)}`, 'admin.keys.revoke'),
      },
      /** Money in (a credit transaction). */
      credit: (accountId: string, input: { amount: number; reason: string }, call: CallOptions = {}) =>
        admin<T.Transaction>('POST', `/accounts/${id(accountId)}/credits`, 'admin.credit', { body: input, idempotencyKey: call.idempotencyKey }),
      /** Money out (an adjustment); InsufficientFundsError beyond the available balance. */
      debit: (accountId: string, input: { amount: number; reason: string }, call: CallOptions = {}) =>
        admin<T.Transaction>('POST', `/accounts/${id(accountId)}/debits`, 'admin.debit', { body: input, idempotencyKey: call.idempotencyKey }),
      destinations: {
        list: (accountId: string) =>
          admin<{ results: T.AdminDestination[] }>('GET', `/accounts/${id(accountId)}/destinations`, 'admin.destinations.list').then(
            (r) => r.results,
          ),
        create: (accountId: string, input: T.NewDestination, call: CallOptions = {}) =>
          admin<T.AdminDestination>('POST', `/accounts/${id(accountId)}/destinations`, 'admin.destinations.create', {
            body: input,
            idempotencyKey: call.idempotencyKey,
          }),
        update: (accountId: string, destinationId: string, changes: T.DestinationChanges) =>
          admin<T.AdminDestination>('PATCH', `/accounts/${id(accountId)}/destinations/${id(destinationId)}`, 'admin.destinations.update', {
            body: changes,
          }),
        delete: (accountId: string, destinationId: string) =>
          admin<T.AdminDestination>('DELETE', `/accounts/${id(accountId)}/destinations/${id(destinationId)}`, 'admin.destinations.delete'),
      },
      prices: {
        list: () => admin<{ results: T.TypePrice[] }>('GET', '/prices', 'admin.prices.list').then((r) => r.results),
        /** Sets a number type's price; unsold numbers without their own price follow it. */
        set: (numberType: T.NumberType, price: T.PriceInput) =>
          admin<T.SetTypePriceResult>('PUT', `/prices/${id(numberType)}`, 'admin.prices.set', { body: price }),
      },
      numbers: {
        get: (didNumber: string) => admin<T.InventoryNumber>('GET', `/numbers/${id(didNumber)}`, 'admin.numbers.get'),
        setPrice: (didNumber: string, price: T.PriceInput) =>
          admin<T.InventoryNumber>('PUT', `/numbers/${id(didNumber)}/price`, 'admin.numbers.setPrice', { body: price }),
        clearPrice: (didNumber: string) =>
          admin<T.InventoryNumber>('DELETE', `/numbers/${id(didNumber)}/price`, 'admin.numbers.clearPrice'),
      },
      inventory: {
        counts: () => admin<T.StockCounts>('GET', '/inventory/counts', 'admin.inventory.counts'),
        withdraw: (didNumbers: string[]) =>
          admin<T.StockChange>('POST', '/inventory/withdraw', 'admin.inventory.withdraw', { body: { did_numbers: didNumbers } }),
        reinstate: (didNumbers: string[]) =>
          admin<T.StockChange>('POST', '/inventory/reinstate', 'admin.inventory.reinstate', { body: { did_numbers: didNumbers } }),
        /**
         * Streams a CSV (did_number, number_type, state, city, setup_cost, monthly_cost) into stock.
         * `onProgress` is told the bytes sent so far; the server reads as it receives.
         */
        import: (csv: string | Uint8Array | AsyncIterable<Uint8Array>, options: { onProgress?: (bytesSent: number) => void } = {}) =>
          admin<T.ImportReport>('POST', '/inventory/import', 'admin.inventory.import', {
            rawBody: { body: toStream(csv, options.onProgress), contentType: 'text/csv' },
          }),
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
