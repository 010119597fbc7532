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
  type CarrierAudit,
  type CarrierHealth,
  type CarrierNumberState,
  type CarrierOrder,
  type CarrierRefusal,
  type CarrierRouting,
  type ConfigurationDifference,
  type NumberConfiguration,
  type OrphanedRecord,
  type ProvisionOutcome,
  type ProvisionRequest,
} from '../carrier.js';
import { UpstreamBusyError } from './upstream-budget.js';

export type MirroredKind = 'address' | 'person';

/** One of Bilby's IPND records and the id of its copy upstream. */
export interface MirroredRecord {
  kind: MirroredKind;
  localId: string;
  upstreamId: string;
}

/** Bilby's IPND records and their upstream copies, as the carrier reads and records them. */
export interface IpndRecords {
  address(id: string): Promise<Address | undefined>;
  person(id: string): Promise<Person | undefined>;
  upstreamId(kind: MirroredKind, localId: string): Promise<string | undefined>;
  /** Records the upstream copy's id; returns the id kept when another purchase recorded one first. */
  rememberUpstreamId(kind: MirroredKind, localId: string, upstreamId: string): Promise<string>;
  /** Every record copied upstream, for reconciliation. */
  mirrored(): Promise<MirroredRecord[]>;
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
/** Reconciliation reads upstream's lists in pages of this many (crazytel.io, which does not page, answers them whole). */
const AUDIT_PAGE = 500;

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
    let wanted: UpstreamConfiguration<string>;
    try {
      wanted = await this.#wanted(request, this.#mirrorWith(this.#client));
    } catch (error) {
      // Nothing was bought yet: whatever went wrong, the order can fail.
      return this.#refusalOf(error) ?? { status: 'failed', reason: `upstream: the IPND records could not be copied (${describe(error)})` };
    }
    try {
      await this.#client.purchase({ did_number: request.didNumber, ...wanted });
      return { status: 'provisioned', reference: upstreamReference(request.didNumber) };
    } catch (error) {
      if (!(error instanceof NumberUnavailableError)) {
        const refusal = this.#refusalOf(error);
        if (refusal) return refusal;
        throw error; // a timeout or a 5xx: only upstream's records can tell
      }
      // Asked again after a lost answer, upstream refuses a number it already sold us.
      const state = await this.#ownedAs(this.#client, request, wanted);
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
    return this.#ownedAs(this.#client, request, await this.#wanted(request, this.#mirrorWith(this.#client)), owned);
  }

  /**
   * A held number's IPND records were replaced or its account's route changed: the new records
   * are mirrored (once, as for a purchase) and the number upstream pointed at them and the route.
   */
  async configure(configuration: NumberConfiguration, options: { background?: boolean } = {}): Promise<CarrierNumberState> {
    const client = options.background ? this.#background : this.#client;
    const owned = await this.#owned(client, configuration.didNumber);
    if (owned === undefined) return { status: 'absent' };
    return this.#ownedAs(client, configuration, await this.#wanted(configuration, this.#mirrorWith(client)), owned);
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
    return [...(await this.#ownedUpstream()).keys()].sort();
  }

  /**
   * Reads upstream and changes nothing there: a sold number whose IPND records were never copied
   * upstream is reported as differing, not mirrored now. The records are read before the numbers,
   * so a record copied by a purchase under way is not yet among them.
   */
  async audit(sold: readonly NumberConfiguration[]): Promise<CarrierAudit> {
    const mirrored = await this.#records.mirrored();
    const copies = new Map(mirrored.map((record) => [`${record.kind}:${record.localId}`, record.upstreamId]));
    const known = async (kind: MirroredKind, localId: string) => copies.get(`${kind}:${localId}`) ?? null;
    const routes = new Map<string, Promise<CarrierRouting | undefined>>();
    const routeOf = (accountId: string) => routes.get(accountId) ?? routes.set(accountId, this.#accountRouting(accountId)).get(accountId)!;
    const owned = await this.#ownedUpstream();
    const misconfigured: ConfigurationDifference[] = [];
    for (const request of sold) {
      const actual = owned.get(request.didNumber);
      if (actual) misconfigured.push(...configurationDifferences(request.didNumber, await this.#wanted(request, known, routeOf), actual));
    }
    // A copy a sold number names is not clutter: that number lacks it upstream, and is reported.
    const named = new Set(sold.flatMap((number) => [`address:${number.addressId}`, `person:${number.personId}`]));
    const unnamed = mirrored.filter((record) => !named.has(`${record.kind}:${record.localId}`));
    return { held: [...owned.keys()].sort(), misconfigured, orphanedRecords: await this.#orphaned(unnamed, owned.values()) };
  }

  async close(): Promise<void> {
    await this.#balanceRead;
  }

  /**
   * What upstream should hold for a number Bilby sold: the upstream copies of the buyer's IPND
   * records, found by `idOf` (a purchase, recovery or a change creates missing copies,
   * reconciliation only looks them up), and where upstream sends the calls: the operator's route
   * for the account, else the configured one. Purchases, recovery, changes and reconciliation all
   * ask here.
   */
  async #wanted<Id extends string | null>(
    request: NumberConfiguration,
    idOf: (kind: MirroredKind, localId: string) => Promise<Id>,
    accountRouting: (accountId: string) => Promise<CarrierRouting | undefined> = this.#accountRouting,
  ): Promise<UpstreamConfiguration<Id>> {
    const routing = (await accountRouting(request.accountId)) ?? this.#routing;
    return {
      address_id: await idOf('address', request.addressId),
      person_id: await idOf('person', request.personId),
      primary_route: routing.route,
      ...(routing.destination === null ? {} : { primary_destination: routing.destination }),
    };
  }

  /** Finds the upstream copy of a record, creating it through `client` the first time. */
  #mirrorWith(client: BilbyClient): (kind: MirroredKind, localId: string) => Promise<string> {
    return (kind, localId) => this.#mirrored(client, kind, localId);
  }

  /** Every number the reseller owns upstream, page by page, on the budget's background turns. */
  async #ownedUpstream(): Promise<Map<string, OwnedNumber>> {
    const owned = new Map<string, OwnedNumber>();
    for await (const number of this.#background.numbers.list({ limit: AUDIT_PAGE })) owned.set(number.did_number, number);
    return owned;
  }

  /** Upstream copies of Bilby's records that still exist there and that no number owned upstream names. */
  async #orphaned(mirrored: MirroredRecord[], owned: Iterable<OwnedNumber>): Promise<OrphanedRecord[]> {
    if (mirrored.length === 0) return [];
    const used = new Set<string>();
    for (const number of owned) {
      if (number.address_id) used.add(`address:${number.address_id}`);
      if (number.person_id) used.add(`person:${number.person_id}`);
    }
    const present = new Set<string>();
    for await (const address of this.#background.addresses.list({ limit: AUDIT_PAGE })) present.add(`address:${address.id}`);
    for await (const person of this.#background.owners.list({ limit: AUDIT_PAGE })) present.add(`person:${person.id}`);
    return mirrored
      .filter((record) => present.has(`${record.kind}:${record.upstreamId}`) && !used.has(`${record.kind}:${record.upstreamId}`))
      .map((record) => ({ record: record.kind, upstreamId: record.upstreamId, localId: record.localId }));
  }

  async #owned(client: BilbyClient, didNumber: string): Promise<OwnedNumber | undefined> {
    try {
      return await client.numbers.get(didNumber);
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof NumberUnavailableError) return undefined;
      throw error;
    }
  }

  /** The number upstream holds, its IPND ids and routing made the wanted ones where they differ. */
  async #ownedAs(
    client: BilbyClient,
    request: NumberConfiguration,
    wanted: UpstreamConfiguration<string>,
    known?: OwnedNumber,
  ): Promise<CarrierNumberState> {
    const owned = known ?? (await this.#owned(client, request.didNumber));
    if (owned === undefined) return { status: 'absent' };
    if (configurationDifferences(request.didNumber, wanted, owned).length === 0) return stateOf(owned);
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
      await removal.catch((error: unknown) => this.#log.info({ carrier: this.name, kind, upstream_id: created, err: error }, 'a duplicate upstream record could not be removed: it stays upstream unused'));
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

/** A number's configuration upstream, as Bilby wants it: in the purchase's and PATCH's own fields. */
interface UpstreamConfiguration<Id extends string | null> {
  address_id: Id;
  person_id: Id;
  primary_route: RouteType;
  primary_destination?: string;
}

/** How the number upstream differs from what is wanted: its routing, its IPND records, both or neither. */
function configurationDifferences(didNumber: string, wanted: UpstreamConfiguration<string | null>, owned: OwnedNumber): ConfigurationDifference[] {
  const differences: ConfigurationDifference[] = [];
  const expected: CarrierRouting = { route: wanted.primary_route, destination: wanted.primary_destination ?? null };
  const actual = routingOf(owned);
  if (actual?.route !== expected.route || actual.destination !== expected.destination) {
    differences.push({ kind: 'routing_differs', didNumber, expected, actual });
  }
  if (owned.address_id !== wanted.address_id || owned.person_id !== wanted.person_id) {
    differences.push({
      kind: 'ipnd_differs',
      didNumber,
      expected: { address_id: wanted.address_id, person_id: wanted.person_id },
      actual: { address_id: owned.address_id, person_id: owned.person_id },
    });
  }
  return differences;
}

function routingOf(owned: OwnedNumber): CarrierRouting | null {
  const route = owned.primary_route as RouteType | null;
  return route === null ? null : { route, destination: owned.primary_destination ?? null };
}

function stateOf(owned: OwnedNumber): CarrierNumberState {
  return { status: 'provisioned', reference: upstreamReference(owned.did_number), routing: routingOf(owned) };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Upstream's answer carries no order of ours: the number names what we hold there. */
function upstreamReference(didNumber: string): string {
  return `crazytel:${didNumber}`;
}
