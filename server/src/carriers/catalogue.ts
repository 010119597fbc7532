import type { CarrierName } from '../domain/carrier-name.js';
import type { Country, NumberType, State } from '../domain/phone-number.js';

/**
 * What an upstream carrier offers for sale, as the catalogue sync reads it. The upstream's listing
 * is read in slices (by country, number type and, where it has them, state): a slice read to its
 * end is the upstream's whole offer in it, so only then may the sync withdraw what it lacks.
 */
export interface UpstreamCatalogue {
  /** The carrier whose numbers these are (each number records which carrier provisions it). */
  readonly carrier: CarrierName;

  /** The slices that together cover the upstream's offer of these number types, each read on its own. */
  slices(numberTypes: readonly NumberType[]): CatalogueSlice[];

  /**
   * Every number the upstream offers in the slice, a page at a time, each page one upstream request
   * on its turn in the budget (background priority: purchases go first). Ending without an error
   * means the slice was read whole; an error (the upstream failing, `signal` aborted) may come
   * between any two pages.
   */
  pages(slice: CatalogueSlice, signal?: AbortSignal): AsyncIterable<CataloguePage>;
}

export interface CatalogueSlice {
  country: Country;
  numberType: NumberType;
  /** Only this state's numbers; null for every state. */
  state: State | null;
}

export interface CataloguePage {
  offers: UpstreamOffer[];
  /** Items the upstream listed that are not numbers of the slice Bilby can sell (bad number, price or place). */
  ignored: number;
}

/** One number for sale upstream, and what the upstream charges for it. */
export interface UpstreamOffer {
  didNumber: string;
  country: Country;
  numberType: NumberType;
  state: string | null;
  city: string | null;
  areaCode: string | null;
  setupCents: number;
  monthlyCents: number;
}
