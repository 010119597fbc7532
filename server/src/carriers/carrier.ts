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

  /** Gives the number back to the carrier. Releasing a number that is not provisioned succeeds. */
  release(didNumber: string): Promise<void>;

  /** Every number the carrier holds for us, for reconciliation. */
  listProvisioned(): Promise<string[]>;

  close(): Promise<void>;
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

export type ProvisionOutcome =
  | { status: 'provisioned'; reference: string }
  | { status: 'failed'; reason: string };

export type CarrierNumberState =
  | { status: 'provisioned'; reference: string; routing: CarrierRouting | null }
  | { status: 'absent' };
