import type {
  Carrier,
  CarrierAudit,
  CarrierHealth,
  CarrierNumberState,
  CarrierOrder,
  NumberConfiguration,
  ProvisionOutcome,
  ProvisionRequest,
} from './carrier.js';

/**
 * A reseller's carriers together: the upstream (the primary, whose name, health and audit these
 * are) and Bilby's own for the reseller's own ranges. Each call about a number goes to the carrier
 * the number names (`phone_number.carrier`), so a reseller sells both from one catalogue.
 */
export class CarrierPerNumber implements Carrier {
  readonly name: string;
  readonly #primary: Carrier;
  readonly #byName: ReadonlyMap<string, Carrier>;
  readonly #carrierOf: (didNumber: string) => Promise<string | undefined>;

  constructor(options: { primary: Carrier; others: Carrier[]; carrierOf: (didNumber: string) => Promise<string | undefined> }) {
    this.#primary = options.primary;
    this.name = options.primary.name;
    this.#byName = new Map([options.primary, ...options.others].map((carrier) => [carrier.name, carrier]));
    this.#carrierOf = options.carrierOf;
  }

  async provision(request: ProvisionRequest): Promise<ProvisionOutcome> {
    return (await this.#for(request.didNumber)).provision(request);
  }

  async lookup(order: CarrierOrder): Promise<CarrierNumberState> {
    return (await this.#for(order.didNumber)).lookup(order);
  }

  async confirm(request: ProvisionRequest): Promise<CarrierNumberState> {
    const carrier = await this.#for(request.didNumber);
    return carrier.confirm ? carrier.confirm(request) : carrier.lookup(request);
  }

  async configure(configuration: NumberConfiguration, options?: { background?: boolean }): Promise<CarrierNumberState> {
    const carrier = await this.#for(configuration.didNumber);
    if (carrier.configure) return carrier.configure(configuration, options);
    return carrier.lookup({ orderId: '', didNumber: configuration.didNumber });
  }

  async release(didNumber: string): Promise<void> {
    await (await this.#for(didNumber)).release(didNumber);
  }

  async listProvisioned(): Promise<string[]> {
    const lists = await Promise.all([...this.#byName.values()].map((carrier) => carrier.listProvisioned()));
    return lists.flat().sort();
  }

  /** The upstream's audit: reconciliation compares the upstream's holdings with its numbers sold. */
  audit(sold: readonly NumberConfiguration[]): Promise<CarrierAudit> {
    return this.#primary.audit(sold);
  }

  health(): CarrierHealth {
    return this.#primary.health?.() ?? { status: 'ok' };
  }

  async checkHealth(): Promise<CarrierHealth> {
    return this.#primary.checkHealth ? this.#primary.checkHealth() : this.health();
  }

  async close(): Promise<void> {
    await Promise.all([...this.#byName.values()].map((carrier) => carrier.close()));
  }

  async #for(didNumber: string): Promise<Carrier> {
    const name = await this.#carrierOf(didNumber);
    return (name === undefined ? undefined : this.#byName.get(name)) ?? this.#primary;
  }
}
