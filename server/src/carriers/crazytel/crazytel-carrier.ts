import { NotFoundError, NumberUnavailableError, type BilbyClient, type NewAddress, type NewPerson } from '@bilby/sdk';
import { ADDRESS_OPTIONAL_FIELDS, PERSON_OPTIONAL_FIELDS, type Address, type Person } from '../../domain/ipnd-record.js';
import type { RouteType } from '../../domain/routing.js';
import type { Carrier, CarrierNumberState, CarrierOrder, CarrierRouting, ProvisionOutcome, ProvisionRequest } from '../carrier.js';

export type MirroredKind = 'address' | 'person';

/** Bilby's IPND records and their upstream copies, as the carrier reads and records them. */
export interface IpndRecords {
  address(id: string): Promise<Address | undefined>;
  person(id: string): Promise<Person | undefined>;
  upstreamId(kind: MirroredKind, localId: string): Promise<string | undefined>;
  /** Records the upstream copy's id; returns the id kept when another purchase recorded one first. */
  rememberUpstreamId(kind: MirroredKind, localId: string, upstreamId: string): Promise<string>;
}

export interface CrazyTelCarrierOptions {
  /** The SDK, made with `compatibility: 'crazytel'` and the reseller's upstream API key. */
  client: BilbyClient;
  records: IpndRecords;
  /** Where upstream sends the numbers' calls: the reseller's own SIP server, normally. */
  upstreamRouting: CarrierRouting;
}

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

  constructor(options: CrazyTelCarrierOptions) {
    this.#client = options.client;
    this.#records = options.records;
    this.#routing = options.upstreamRouting;
  }

  async provision(request: ProvisionRequest): Promise<ProvisionOutcome> {
    const addressId = await this.#mirrored('address', request.addressId);
    const personId = await this.#mirrored('person', request.personId);
    try {
      const bought = await this.#client.purchase({
        did_number: request.didNumber,
        address_id: addressId,
        person_id: personId,
        primary_route: this.#routing.route,
        ...(this.#routing.destination === null ? {} : { primary_destination: this.#routing.destination }),
      });
      return { status: 'provisioned', reference: bought.order_id ?? upstreamReference(request.didNumber) };
    } catch (error) {
      if (!(error instanceof NumberUnavailableError)) throw error;
      // Asked again after a lost answer, upstream refuses a number it already sold us.
      const state = await this.lookup(request);
      if (state.status === 'provisioned') return { status: 'provisioned', reference: state.reference };
      return { status: 'failed', reason: 'upstream: the number is not available' };
    }
  }

  async lookup(order: CarrierOrder): Promise<CarrierNumberState> {
    try {
      const owned = await this.#client.numbers.get(order.didNumber);
      const route = owned.primary_route as RouteType | null;
      return {
        status: 'provisioned',
        reference: upstreamReference(order.didNumber),
        routing: route === null ? null : { route, destination: owned.primary_destination ?? null },
      };
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof NumberUnavailableError) return { status: 'absent' };
      throw error;
    }
  }

  async release(didNumber: string): Promise<void> {
    try {
      await this.#client.numbers.release(didNumber);
    } catch (error) {
      if (!(error instanceof NotFoundError || error instanceof NumberUnavailableError)) throw error;
    }
  }

  async listProvisioned(): Promise<string[]> {
    const numbers: string[] = [];
    for await (const owned of this.#client.numbers.list()) numbers.push(owned.did_number);
    return numbers.sort();
  }

  async close(): Promise<void> {}

  /** The upstream id of one of the buyer's records, created upstream the first time. */
  async #mirrored(kind: MirroredKind, localId: string): Promise<string> {
    const known = await this.#records.upstreamId(kind, localId);
    if (known !== undefined) return known;
    const created = kind === 'address' ? await this.#createAddress(localId) : await this.#createPerson(localId);
    return this.#records.rememberUpstreamId(kind, localId, created);
  }

  async #createAddress(localId: string): Promise<string> {
    const address = await this.#records.address(localId);
    if (!address) throw new Error(`address ${localId} is gone`);
    const fields: Record<string, string> = { city: address.city, state: address.state, postcode: address.postcode, country: address.country };
    for (const field of ADDRESS_OPTIONAL_FIELDS) if (address[field] !== null) fields[field] = address[field];
    return (await this.#client.addresses.create(fields as NewAddress)).id;
  }

  async #createPerson(localId: string): Promise<string> {
    const person = await this.#records.person(localId);
    if (!person) throw new Error(`person ${localId} is gone`);
    const fields: Record<string, string> = { name_1: person.name_1, person_type: person.person_type };
    for (const field of PERSON_OPTIONAL_FIELDS) if (person[field] !== null) fields[field] = person[field];
    return (await this.#client.owners.create(fields as NewPerson)).id;
  }
}

/** Upstream's answer carries no order of ours: the number names what we hold there. */
function upstreamReference(didNumber: string): string {
  return `crazytel:${didNumber}`;
}
