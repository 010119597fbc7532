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
  lookup(request: ProvisionRequest): Promise<CarrierNumberState>;

  /** Gives the number back to the carrier. Releasing a number that is not provisioned succeeds. */
  release(didNumber: string): Promise<void>;

  /** Every number the carrier holds for us, for reconciliation. */
  listProvisioned(): Promise<string[]>;

  close(): Promise<void>;
}

export interface ProvisionRequest {
  orderId: string;
  didNumber: string;
}

export type ProvisionOutcome =
  | { status: 'provisioned'; reference: string }
  | { status: 'failed'; reason: string };

export type CarrierNumberState =
  | { status: 'provisioned'; reference: string }
  | { status: 'absent' };
