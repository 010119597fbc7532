import type { AvailableNumber, BilbyClient } from '@bilby/sdk';
import type { CarrierName } from '../../domain/carrier-name.js';
import { dollarsToCents } from '../../domain/money.js';
import { COUNTRIES, parseNumber, STATES, type NumberType } from '../../domain/phone-number.js';
import { MAX_COST_CENTS } from '../../domain/pricing-rule.js';
import type { CataloguePage, CatalogueSlice, UpstreamCatalogue, UpstreamOffer } from '../catalogue.js';

/** The most CrazyTel's listing gives a page (Bilby's cap); fewer pages, fewer requests in the budget. */
const PAGE_LIMIT = 1_000;

/**
 * The upstream's numbers for sale, read through the SDK in CrazyTel compatibility with the budget's
 * background priority: `GET /phone-numbers/available-numbers/` by country, number type and, for
 * Australian geographic numbers, state, following `next_cursor` where the upstream pages (Bilby
 * does; an upstream that gives no cursor is read as one page).
 */
export class CrazyTelCatalogue implements UpstreamCatalogue {
  readonly carrier: CarrierName = 'crazytel';
  readonly #client: BilbyClient;

  /** `client`: the SDK as the carrier's background client (compatibility 'crazytel', background priority). */
  constructor(client: BilbyClient) {
    this.#client = client;
  }

  slices(numberTypes: readonly NumberType[]): CatalogueSlice[] {
    const slices: CatalogueSlice[] = [];
    for (const country of COUNTRIES) {
      for (const numberType of numberTypes) {
        // Only Australian geographic numbers belong to a state; each state is a listing of its own.
        if (country === 'AU' && numberType === 'geographic') for (const state of STATES) slices.push({ country, numberType, state });
        else slices.push({ country, numberType, state: null });
      }
    }
    return slices;
  }

  async *pages(slice: CatalogueSlice, signal?: AbortSignal): AsyncGenerator<CataloguePage> {
    const followed = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const page = await abortable(
        this.#client.availableNumbers.list({
          country: slice.country,
          number_type: slice.numberType,
          ...(slice.state === null ? {} : { state: slice.state }),
          limit: PAGE_LIMIT,
          ...(cursor === undefined ? {} : { cursor }),
        }),
        signal,
      );
      const offers: UpstreamOffer[] = [];
      for (const item of page.results) {
        const offer = offerOf(item, slice);
        if (offer) offers.push(offer);
      }
      yield { offers, ignored: page.results.length - offers.length };
      const next = page.next_cursor;
      // A cursor seen before would walk the same pages for ever.
      if (!next || page.results.length === 0 || followed.has(next)) return;
      followed.add(next);
      cursor = next;
    }
  }
}

/**
 * The item as an offer of the slice, or undefined: a number Bilby cannot parse, of another type,
 * country or state than the slice asked for (an upstream ignoring a filter would otherwise have
 * the number added here and withdrawn in its own slice, sync after sync), or a price that is not
 * whole cents from $0 to what a pricing rule can mark up.
 */
function offerOf(item: AvailableNumber, slice: CatalogueSlice): UpstreamOffer | undefined {
  const parsed = typeof item.did_number === 'string' ? parseNumber(item.did_number) : null;
  if (!parsed || parsed.numberType !== slice.numberType || parsed.country !== slice.country) return undefined;
  if (slice.state !== null && item.state !== slice.state) return undefined;
  const setupCents = typeof item.setup_cost === 'number' ? dollarsToCents(item.setup_cost) : null;
  const monthlyCents = typeof item.monthly_cost === 'number' ? dollarsToCents(item.monthly_cost) : null;
  const priceable = (cents: number) => cents >= 0 && cents <= MAX_COST_CENTS;
  if (setupCents === null || monthlyCents === null || !priceable(setupCents) || !priceable(monthlyCents)) return undefined;
  return {
    didNumber: parsed.e164,
    country: parsed.country,
    numberType: parsed.numberType,
    state: textOrNull(item.state),
    city: textOrNull(item.city),
    areaCode: parsed.areaCode,
    setupCents,
    monthlyCents,
  };
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 100) : null;
}

/** The request's answer, or the abort: an aborted sync does not wait for its turn in the budget. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  promise.catch(() => undefined); // answered after the abort: nobody waits for it
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
