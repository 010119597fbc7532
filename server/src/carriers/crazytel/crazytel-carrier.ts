import {
  AccountSuspendedError,
  AuthenticationError,
  ConnectionError,
  InsufficientFundsError,
  InvalidRequestError,
  NotFoundError,
  NumberUnavailableError,
  RateLimitError,
  type BilbyClient,
  type NewAddress,
  type NewPerson,
  type OwnedNumber,
} from '@bilby/sdk';
import { ADDRESS_OPTIONAL_FIELDS, PERSON_OPTIONAL_FIELDS, type Address, type Person } from '../../domain/ipnd-record.js';
import type { RouteType } from '../../domain/routing.js';
import {
  CarrierRefusedError,
  type Carrier,
  type CarrierHealth,
  type CarrierNumberState,
  type CarrierOrder,
  type CarrierRefusal,
  type CarrierRouting,
  type NumberConfiguration,
  type ProvisionOutcome,
  type ProvisionRequest,
} from '../carrier.js';
import { UpstreamBusyError } from './upstream-budget.js';

export type MirroredKind = 'address' | 'person';

/** Bilby's IPND records and their upstream copies, as the carrier reads and records them. */
export interface IpndRecords {
  address(id: string): Promise<Address | undefined>;
  person(id: string): Promise<Person | undefined>;
  upstreamId(kind: MirroredKind, localId: string): Promise<string | undefined>;
  /** Records the upstream copy's id; returns the id kept when another purchase recorded one first. */
  rememberUpstreamId(kind: MirroredKind, localId: string, upstreamId: string): Promise<string>;
}

/** Where the carrier reports what the operator must act on. */
export interface CarrierLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface CrazyTelCarrierOptions {
  /** The SDK, made with `compatibility: 'crazytel'` and the reseller's upstream API key. */
  client: BilbyClient;
  /** The same, with the budget's background priority: health checks and reconciliation. @default client */
  backgroundClient?: BilbyClient;
  records: IpndRecords;
  /** Where upstream sends the numbers' calls: the reseller's own SIP server, normally. */
  upstreamRouting: CarrierRouting;
  /** The operator's override of {@link upstreamRouting} for an account, if it has one. */
  accountRouting?: (accountId: string) => Promise<CarrierRouting | undefined>;
  log?: CarrierLog;
  /** @default () => new Date() */
  clock?: () => Date;
}

interface Refusal {
  reason: CarrierRefusal;
  since: string;
  detail: string;
  /** Out of funds: the upstream balance when it refused, so a top-up shows as a rise. */
  balance?: number;
}

const SILENT: CarrierLog = { info() {}, error() {} };

/**
 * The upstream a reseller buys from: CrazyTel, or anything that speaks its API (another Bilby).
 * A purchase mirrors the buyer's IPND address and person upstream the first time they are named,
 * then buys the number with their upstream ids: one upstream call once both are mirrored.
 * CrazyTel has no idempotency keys, so only its own records say whether a purchase happened: a
 * refusal of a number already ours, and every lookup, ask it which numbers the reseller owns.
 */
export class CrazyTelCarrier implements Carrier {
  readonly name = 'crazytel';
  readonly #client: BilbyClient;
  readonly #records: IpndRecords;
  readonly #routing: CarrierRouting;
  readonly #accountRouting: (accountId: string) => Promise<CarrierRouting | undefined>;
  readonly #background: BilbyClient;
  readonly #log: CarrierLog;
  readonly #clock: () => Date;
  #refusal: Refusal | undefined;
  #balanceRead: Promise<void> = Promise.resolve();

  constructor(options: CrazyTelCarrierOptions) {
    this.#client = options.client;
    this.#background = options.backgroundClient ?? options.client;
    this.#records = options.records;
    this.#routing = options.upstreamRouting;
    this.#accountRouting = options.accountRouting ?? (async () => undefined);
    this.#log = options.log ?? SILENT;
    this.#clock = options.clock ?? (() => new Date());
  }

  async provision(request: ProvisionRequest): Promise<ProvisionOutcome> {
    let ids: UpstreamIds;
    try {
      ids = await this.#mirroredIds(this.#client, request);
    } catch (error) {
      // Nothing was bought yet: whatever went wrong, the order can fail.
      return this.#refusalOf(error) ?? { status: 'failed', reason: `upstream: the IPND records could not be copied (${describe(error)})` };
    }
    try {
      await this.#client.purchase({ did_number: request.didNumber, ...ids, ...(await this.#routingFields(request.accountId)) });
      return { status: 'provisioned', reference: upstreamReference(request.didNumber) };
    } catch (error) {
      if (!(error instanceof NumberUnavailableError)) {
        const refusal = this.#refusalOf(error);
        if (refusal) return refusal;
        throw error; // a timeout or a 5xx: only upstream's records can tell
      }
      // Asked again after a lost answer, upstream refuses a number it already sold us.
      const state = await this.#ownedAs(this.#client, request, ids);
      if (state.status === 'provisioned') return { status: 'provisioned', reference: state.reference };
      return { status: 'failed', reason: 'upstream: the number is not available', cause: 'number_unavailable' };
    }
  }

  async lookup(order: CarrierOrder): Promise<CarrierNumberState> {
    const owned = await this.#owned(this.#client, order.didNumber);
    return owned === undefined ? { status: 'absent' } : stateOf(owned);
  }

  /**
   * Recovery's question: does upstream hold the number? If it does, its IPND records and routing
   * are brought to the order's (a crash may have come between the purchase and its configuration,
   * or the number was bought upstream some other way).
   */
  async confirm(request: ProvisionRequest): Promise<CarrierNumberState> {
    const owned = await this.#owned(this.#client, request.didNumber);
    if (owned === undefined) return { status: 'absent' };
    return this.#ownedAs(this.#client, request, await this.#mirroredIds(this.#client, request), owned);
  }

  /**
   * A held number's IPND records were replaced or its account's route changed: the new records
   * are mirrored (once, as for a purchase) and the number upstream pointed at them and the route.
   */
  async configure(configuration: NumberConfiguration, options: { background?: boolean } = {}): Promise<CarrierNumberState> {
    const client = options.background ? this.#background : this.#client;
    const owned = await this.#owned(client, configuration.didNumber);
    if (owned === undefined) return { status: 'absent' };
    return this.#ownedAs(client, configuration, await this.#mirroredIds(client, configuration), owned);
  }

  health(): CarrierHealth {
    const refusal = this.#refusal;
    return refusal === undefined ? { status: 'ok' } : { status: 'refusing', reason: refusal.reason, since: refusal.since, detail: refusal.detail };
  }

  async checkHealth(): Promise<CarrierHealth> {
    const refusal = this.#refusal;
    if (refusal === undefined) return this.health();
    const { balance } = await this.#background.balance();
    await this.#balanceRead;
    if (refusal.reason === 'upstream_out_of_funds' && refusal.balance === undefined) refusal.balance = balance;
    else if (refusal.reason === 'upstream_unauthorized' || balance > (refusal.balance ?? Infinity)) {
      this.#refusal = undefined;
      this.#log.info({ carrier: this.name, reason: refusal.reason, balance }, 'upstream accepts purchases again');
    }
    return this.health();
  }

  async release(didNumber: string): Promise<void> {
    try {
      await this.#client.numbers.release(didNumber);
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof NumberUnavailableError) return; // not ours upstream: released already
      const refusal = this.#refusalOf(error);
      if (refusal?.status === 'failed') throw new CarrierRefusedError(`upstream did not release ${didNumber}: ${refusal.reason}`, { cause: error });
      throw error;
    }
  }

  async listProvisioned(): Promise<string[]> {
    const numbers: string[] = [];
    for await (const owned of this.#background.numbers.list()) numbers.push(owned.did_number);
    return numbers.sort();
  }

  async close(): Promise<void> {
    await this.#balanceRead;
  }

  /** Where upstream is to send an account's calls: the operator's override, or the configured route. */
  async #routingFields(accountId: string): Promise<{ primary_route: RouteType; primary_destination?: string }> {
    const routing = (await this.#accountRouting(accountId)) ?? this.#routing;
    return {
      primary_route: routing.route,
      ...(routing.destination === null ? {} : { primary_destination: routing.destination }),
    };
  }

  async #mirroredIds(client: BilbyClient, request: NumberConfiguration): Promise<UpstreamIds> {
    return {
      address_id: await this.#mirrored(client, 'address', request.addressId),
      person_id: await this.#mirrored(client, 'person', request.personId),
    };
  }

  async #owned(client: BilbyClient, didNumber: string): Promise<OwnedNumber | undefined> {
    try {
      return await client.numbers.get(didNumber);
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof NumberUnavailableError) return undefined;
      throw error;
    }
  }

  /** The number upstream holds, its IPND ids and routing made the order's where they differ. */
  async #ownedAs(client: BilbyClient, request: NumberConfiguration, ids: UpstreamIds, known?: OwnedNumber): Promise<CarrierNumberState> {
    const owned = known ?? (await this.#owned(client, request.didNumber));
    if (owned === undefined) return { status: 'absent' };
    const wanted = { ...ids, ...(await this.#routingFields(request.accountId)) };
    const differs =
      owned.address_id !== wanted.address_id ||
      owned.person_id !== wanted.person_id ||
      owned.primary_route !== wanted.primary_route ||
      (owned.primary_destination ?? undefined) !== wanted.primary_destination;
    if (!differs) return stateOf(owned);
    return stateOf(await client.numbers.update(request.didNumber, wanted));
  }

  /**
   * A refusal that says nothing was bought, as a failed outcome: the reseller's account refused
   * (the operator is alerted and purchases stop until it is fixed), the request refused as
   * invalid, or no turn in the budget. Undefined for anything whose outcome is unknown.
   */
  #refusalOf(error: unknown): ProvisionOutcome | undefined {
    if (error instanceof InsufficientFundsError) return this.#refuse('upstream_out_of_funds', error);
    if (error instanceof AuthenticationError || error instanceof AccountSuspendedError) return this.#refuse('upstream_unauthorized', error);
    if (error instanceof RateLimitError || (error instanceof ConnectionError && error.cause instanceof UpstreamBusyError)) {
      return { status: 'failed', reason: 'upstream: too many requests, nothing was bought', cause: 'upstream_busy' };
    }
    if (error instanceof InvalidRequestError) {
      this.#log.error({ carrier: this.name, err: error }, 'upstream refused a request as invalid: check BILBY_UPSTREAM_ROUTE and BILBY_UPSTREAM_DESTINATION');
      return { status: 'failed', reason: `upstream refused the request (${error.detail})` };
    }
    return undefined;
  }

  #refuse(reason: CarrierRefusal, error: Error): ProvisionOutcome {
    const detail =
      reason === 'upstream_out_of_funds'
        ? 'the upstream account has too little balance to buy numbers: top it up'
        : 'the upstream refuses BILBY_UPSTREAM_API_KEY: check the key and the account';
    if (this.#refusal?.reason !== reason) {
      const refusal: Refusal = { reason, since: this.#clock().toISOString(), detail };
      this.#refusal = refusal;
      this.#log.error({ carrier: this.name, reason, err: error }, `upstream refuses purchases: ${detail}; purchases are refused until it is fixed`);
      if (reason === 'upstream_out_of_funds') {
        this.#balanceRead = this.#background.balance().then(
          ({ balance }) => void (refusal.balance ??= balance),
          () => undefined, // the next health check reads it
        );
      }
    }
    return { status: 'failed', reason: `upstream: ${reason}`, cause: 'upstream_account' };
  }

  /** The upstream id of one of the buyer's records, created upstream the first time. */
  async #mirrored(client: BilbyClient, kind: MirroredKind, localId: string): Promise<string> {
    const known = await this.#records.upstreamId(kind, localId);
    if (known !== undefined) return known;
    const created = kind === 'address' ? await this.#createAddress(client, localId) : await this.#createPerson(client, localId);
    const kept = await this.#records.rememberUpstreamId(kind, localId, created);
    if (kept !== created) {
      // Another request mirrored the record at the same time and its copy is the one kept: ours
      // would be left upstream unused.
      const removal = kind === 'address' ? client.addresses.delete(created) : client.owners.delete(created);
      await removal.catch((error: unknown) => this.#log.info({ carrier: this.name, kind, upstream_id: created, err: error }, 'a duplicate upstream record could not be removed: reconcile lists it'));
    }
    return kept;
  }

  async #createAddress(client: BilbyClient, localId: string): Promise<string> {
    const address = await this.#records.address(localId);
    if (!address) throw new Error(`address ${localId} is gone`);
    const fields: Record<string, string> = { city: address.city, state: address.state, postcode: address.postcode, country: address.country };
    for (const field of ADDRESS_OPTIONAL_FIELDS) if (address[field] !== null) fields[field] = address[field];
    return (await client.addresses.create(fields as NewAddress)).id;
  }

  async #createPerson(client: BilbyClient, localId: string): Promise<string> {
    const person = await this.#records.person(localId);
    if (!person) throw new Error(`person ${localId} is gone`);
    const fields: Record<string, string> = { name_1: person.name_1, person_type: person.person_type };
    for (const field of PERSON_OPTIONAL_FIELDS) if (person[field] !== null) fields[field] = person[field];
    return (await client.owners.create(fields as NewPerson)).id;
  }
}

interface UpstreamIds {
  address_id: string;
  person_id: string;
}

function stateOf(owned: OwnedNumber): CarrierNumberState {
  const route = owned.primary_route as RouteType | null;
  return {
    status: 'provisioned',
    reference: upstreamReference(owned.did_number),
    routing: route === null ? null : { route, destination: owned.primary_destination ?? null },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Upstream's answer carries no order of ours: the number names what we hold there. */
function upstreamReference(didNumber: string): string {
  return `crazytel:${didNumber}`;
}
