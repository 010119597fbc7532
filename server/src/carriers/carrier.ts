import type { RouteType } from '../domain/routing.js';

/**
 * The upstream that really provisions numbers: a carrier, or another CrazyTel-compatible reseller.
 *
 * Bilby calls a carrier outside any database transaction, so every method must be safe to call again
 * with the same arguments (a retry after a crash must not provision twice), and the carrier must keep
 * its own record of what it did, so that recovery can ask.
 */
export interface Carrier {
  /** A short name for logs and metrics, e.g. "simulated". */
  readonly name: string;

  /**
   * Provisions `didNumber` for the purchase `orderId`. Calling it again for the same order returns
   * the first outcome. Resolves `provisioned` or `failed`; `failed` is a promise that nothing was
   * provisioned. A rejection (network error, crash) means the outcome is unknown: ask {@link lookup}.
   */
  provision(request: ProvisionRequest): Promise<ProvisionOutcome>;

  /** What the carrier holds for this order's number: the answer recovery relies on. */
  lookup(order: CarrierOrder): Promise<CarrierNumberState>;

  /**
   * Recovery's question, for a carrier that can answer more than {@link lookup}: whether it holds
   * the order's number, with the number brought to the order's configuration if it does.
   * @default lookup
   */
  confirm?(request: ProvisionRequest): Promise<CarrierNumberState>;

  /**
   * Brings a number the carrier holds to this configuration (its IPND records were replaced, or
   * the account's upstream route changed): for a carrier that keeps them upstream. Safe to call
   * again; `absent` when the carrier does not hold the number. `background` requests wait behind
   * purchases for the carrier's request budget.
   */
  configure?(configuration: NumberConfiguration, options?: { background?: boolean }): Promise<CarrierNumberState>;

  /**
   * Gives the number back to the carrier. Releasing a number that is not provisioned succeeds.
   * Rejects with {@link CarrierRefusedError} when the carrier refused (the number is still held);
   * any other rejection means the outcome is unknown, and the release is asked again.
   */
  release(didNumber: string): Promise<void>;

  /** Every number the carrier holds for us. */
  listProvisioned(): Promise<string[]>;

  /**
   * Reconciliation's question, read only (nothing is created or changed at the carrier): every
   * number the carrier holds for us, the numbers of `sold` it holds otherwise configured than
   * Bilby wants them there, and the records Bilby copied to it that no number it holds uses and
   * no number of `sold` names.
   */
  audit(sold: readonly NumberConfiguration[]): Promise<CarrierAudit>;

  /**
   * Whether the carrier takes orders now. `refusing` is the operator's problem (the upstream
   * account is out of funds, or refuses the key): purchases are refused at once, without trying.
   * @default always ok
   */
  health?(): CarrierHealth;

  /** Asks the carrier whether a refusal is over (run periodically while it is refusing). */
  checkHealth?(): Promise<CarrierHealth>;

  close(): Promise<void>;
}

/** The carrier answered, and did not do what it was asked: nothing changed there. */
export class CarrierRefusedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CarrierRefusedError';
  }
}

/** A purchase order's number, as a carrier is asked about it. */
export interface CarrierOrder {
  orderId: string;
  didNumber: string;
}

/** Where the number's calls go, as the order names it. */
export interface CarrierRouting {
  route: RouteType;
  destination: string | null;
}

/**
 * What a carrier provisions: the number for the order, with the IPND address and person the buyer
 * named (Bilby's ids: a carrier that keeps the IPND entry upstream reads the records) and the
 * number's routing.
 */
export interface ProvisionRequest extends CarrierOrder {
  accountId: string;
  addressId: string;
  personId: string;
  routing: CarrierRouting;
}

/** A held number's configuration, as {@link Carrier.configure} brings the carrier to it. */
export type NumberConfiguration = Omit<ProvisionRequest, 'orderId'>;

export type ProvisionOutcome =
  | { status: 'provisioned'; reference: string }
  | { status: 'failed'; reason: string; cause?: ProvisionFailureCause };

/**
 * Why nothing was provisioned, where the buyer's answer depends on it: the carrier does not have
 * the number (it is withdrawn from stock), the carrier refuses the reseller's account (out of
 * funds, key refused: the operator is alerted), or no request could be sent in time (busy).
 */
export type ProvisionFailureCause = 'number_unavailable' | 'upstream_account' | 'upstream_busy';

export type CarrierHealth =
  | { status: 'ok' }
  | { status: 'refusing'; reason: CarrierRefusal; since: string; detail: string };

export type CarrierRefusal = 'upstream_out_of_funds' | 'upstream_unauthorized';

export type CarrierNumberState =
  | { status: 'provisioned'; reference: string; routing: CarrierRouting | null }
  | { status: 'absent' };

/** What a carrier holds, compared with what Bilby sold: see {@link Carrier.audit}. */
export interface CarrierAudit {
  /** Every number the carrier holds for us, sorted. */
  held: string[];
  /** Sold numbers the carrier holds with another configuration than the one Bilby wants there. */
  misconfigured: ConfigurationDifference[];
  /** Records Bilby copied to the carrier (IPND addresses and persons) that no number it holds uses and no sold number names. */
  orphanedRecords: OrphanedRecord[];
}

export type ConfigurationDifference =
  | { kind: 'routing_differs'; didNumber: string; expected: CarrierRouting; actual: CarrierRouting | null }
  | { kind: 'ipnd_differs'; didNumber: string; expected: IpndIds; actual: IpndIds };

/** A number's IPND address and person as the carrier knows them; null where there is none (never copied there). */
export interface IpndIds {
  address_id: string | null;
  person_id: string | null;
}

export interface OrphanedRecord {
  record: 'address' | 'person';
  /** The record's id at the carrier. */
  upstreamId: string;
  /** Bilby's own record it is a copy of. */
  localId: string;
}
