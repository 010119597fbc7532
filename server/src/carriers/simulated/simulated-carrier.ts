import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimulatedCarrierStore } from './simulated-carrier-store.js';
import type { RouteType } from '../../domain/routing.js';
import type { Carrier, CarrierAudit, CarrierNumberState, CarrierOrder, ProvisionOutcome, ProvisionRequest } from '../carrier.js';

/**
 * A fault to inject into the next provision call:
 * - `fail`: the carrier refuses; nothing is provisioned.
 * - `error_after_provisioning`: the carrier provisions, then the answer is lost (a rejection).
 * - `hang`: the carrier answers only after `ms` (provisioning then), to exceed Bilby's timeout.
 */
export type CarrierFault =
  | { kind: 'fail' }
  | { kind: 'error_after_provisioning' }
  | { kind: 'hang'; ms: number };

export interface SimulatedCarrierOptions {
  /** Where the carrier keeps its books: a SQLite path or ":memory:". */
  path: string;
  /** Probability (0–1) that a provision call fails. @default 0 */
  failureRate?: number;
  /** Delay before every answer, in milliseconds. @default 0 */
  latencyMs?: number;
  /** Probability (0–1) that a provision call hangs for `hangMs` before provisioning. @default 0 */
  hangRate?: number;
  /** How long a hang lasts. @default 30000 */
  hangMs?: number;
}

/** A carrier that provisions into its own SQLite store, with configurable latency and faults. */
export class SimulatedCarrier implements Carrier {
  readonly name = 'simulated';
  readonly #store: SimulatedCarrierStore;
  readonly #failureRate: number;
  readonly #latencyMs: number;
  readonly #hangRate: number;
  readonly #hangMs: number;
  readonly #faults: CarrierFault[] = [];
  provisionCalls = 0;

  private constructor(store: SimulatedCarrierStore, options: SimulatedCarrierOptions) {
    this.#store = store;
    this.#failureRate = options.failureRate ?? 0;
    this.#latencyMs = options.latencyMs ?? 0;
    this.#hangRate = options.hangRate ?? 0;
    this.#hangMs = options.hangMs ?? 30_000;
  }

  static async open(options: SimulatedCarrierOptions): Promise<SimulatedCarrier> {
    return new SimulatedCarrier(await SimulatedCarrierStore.open(options.path), options);
  }

  /** Queues faults for the next provision calls, in order. */
  inject(...faults: CarrierFault[]): void {
    this.#faults.push(...faults);
  }

  /** Drops faults queued but not yet used. */
  clearFaults(): void {
    this.#faults.length = 0;
  }

  async provision(request: ProvisionRequest): Promise<ProvisionOutcome> {
    this.provisionCalls++;
    const fault = this.#faults.shift() ?? (Math.random() < this.#hangRate ? { kind: 'hang' as const, ms: this.#hangMs } : undefined);
    if (this.#latencyMs > 0) await sleep(this.#latencyMs);
    if (fault?.kind === 'hang') await sleep(fault.ms);

    if (fault?.kind === 'fail' || (fault === undefined && Math.random() < this.#failureRate)) {
      // A carrier asked again for an order it has already provisioned says so, whatever else fails.
      const existing = await this.#store.find(request.didNumber);
      if (existing?.status !== 'provisioned') return { status: 'failed', reason: 'carrier refused the order' };
    }
    const reference = `sim_${randomUUID()}`;
    const row = await this.#store.provision(
      {
        did_number: request.didNumber,
        order_id: request.orderId,
        reference,
        status: 'provisioned',
        account_id: request.accountId,
        address_id: request.addressId,
        person_id: request.personId,
        route: request.routing.route,
        destination: request.routing.destination,
      },
      new Date().toISOString(),
    );
    if (row.order_id !== request.orderId) return { status: 'failed', reason: 'number is already in service' };
    if (row.reference === reference && fault?.kind === 'error_after_provisioning') throw new Error('connection reset after provisioning');
    return { status: 'provisioned', reference: row.reference };
  }

  async lookup(order: CarrierOrder): Promise<CarrierNumberState> {
    const row = await this.#store.find(order.didNumber);
    if (row?.status === 'provisioned' && row.order_id === order.orderId) {
      const routing = row.route === null ? null : { route: row.route as RouteType, destination: row.destination };
      return { status: 'provisioned', reference: row.reference, routing };
    }
    return { status: 'absent' };
  }

  async release(didNumber: string): Promise<void> {
    if (this.#latencyMs > 0) await sleep(this.#latencyMs);
    await this.#store.release(didNumber, new Date().toISOString());
  }

  listProvisioned(): Promise<string[]> {
    return this.#store.listProvisioned();
  }

  /**
   * Only what it holds: its books keep each number's configuration as the purchase named it, and
   * Bilby tells it nothing of later changes, so comparing configurations would report every
   * number a customer has changed since. It copies no records of Bilby's.
   */
  async audit(): Promise<CarrierAudit> {
    return { held: await this.#store.listProvisioned(), misconfigured: [], orphanedRecords: [] };
  }

  close(): Promise<void> {
    return this.#store.close();
  }
}
