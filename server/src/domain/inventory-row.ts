import { CARRIER_NAMES, isCarrierName, type CarrierName } from './carrier-name.js';
import { dollarsToCents } from './money.js';
import { stateOfGeographicNumber } from './number-region.js';
import { parseNumber, STATES, STATES_BY_AREA_CODE, type NumberType, type State } from './phone-number.js';

/** One row of an inventory CSV as read: every column optional text. */
export interface InventoryCsvRow {
  did_number?: string;
  number_type?: string;
  state?: string;
  city?: string;
  setup_cost?: string;
  monthly_cost?: string;
  carrier?: string;
}

export const INVENTORY_CSV_COLUMNS = ['did_number', 'number_type', 'state', 'city', 'setup_cost', 'monthly_cost', 'carrier'] as const;

export interface InventoryNumber {
  didNumber: string;
  country: 'AU' | 'NZ';
  numberType: NumberType;
  state: State | null;
  city: string | null;
  areaCode: string | null;
  setupCents: number;
  monthlyCents: number;
  customPrice: boolean;
  /** The carrier the row names; undefined for the import's default (the configured carrier). */
  carrier?: CarrierName;
}

export type TypePrices = ReadonlyMap<string, { setupCents: number; monthlyCents: number }>;

const MONEY = /^\$?\d{1,7}(\.\d{1,2})?$/;
const MAX_CITY_LENGTH = 100;
/** A report lists up to a thousand reasons: a value quoted in one is cut to its start. */
const MAX_SHOWN_LENGTH = 40;

/**
 * Checks one CSV row and fills what it leaves out: the type, area code and (for Australian
 * geographic numbers) the state come from the number; a row without prices takes its type's; a
 * row without a carrier is the import's (the configured carrier).
 * Returns the number to stock, or the reason the row is rejected.
 */
export function readInventoryRow(row: InventoryCsvRow, prices: TypePrices): InventoryNumber | { reason: string } {
  const text = row.did_number?.trim() ?? '';
  if (text === '') return { reason: 'did_number is empty' };
  const parsed = parseNumber(text);
  if (!parsed) return { reason: `did_number ${shown(text)} is not a valid Australian or New Zealand number` };

  const numberType = row.number_type?.trim().toLowerCase() || parsed.numberType;
  if (numberType !== parsed.numberType) {
    return { reason: `number_type ${shown(numberType)} does not match the number, which is ${parsed.numberType}` };
  }

  const state = readState(row.state, parsed.e164, parsed.country, parsed.areaCode);
  if (typeof state === 'object' && state !== null) return state;

  let carrier: CarrierName | undefined;
  if (row.carrier !== undefined) {
    const named = row.carrier.trim().toLowerCase();
    if (named !== '') {
      if (!isCarrierName(named)) return { reason: `carrier ${shown(named)} is not one of ${CARRIER_NAMES.join(', ')}` };
      carrier = named;
    }
  }

  const city = row.city?.trim() || null;
  if (city !== null && city.length > MAX_CITY_LENGTH) return { reason: `city is longer than ${MAX_CITY_LENGTH} characters` };

  const setup = row.setup_cost?.trim() ?? '';
  const monthly = row.monthly_cost?.trim() ?? '';
  let setupCents: number;
  let monthlyCents: number;
  let customPrice: boolean;
  if (setup === '' && monthly === '') {
    const typePrice = prices.get(parsed.numberType);
    if (!typePrice) return { reason: `no setup_cost or monthly_cost, and ${parsed.numberType} numbers have no type price` };
    ({ setupCents, monthlyCents } = typePrice);
    customPrice = false;
  } else {
    const setupValue = readMoney(setup);
    const monthlyValue = readMoney(monthly);
    if (setupValue === null) return { reason: `setup_cost ${JSON.stringify(shown(setup))} is not an amount in dollars` };
    if (monthlyValue === null) return { reason: `monthly_cost ${JSON.stringify(shown(monthly))} is not an amount in dollars` };
    setupCents = setupValue;
    monthlyCents = monthlyValue;
    customPrice = true;
  }
  return {
    didNumber: parsed.e164,
    country: parsed.country,
    numberType: parsed.numberType,
    state,
    city,
    areaCode: parsed.areaCode,
    setupCents,
    monthlyCents,
    customPrice,
    ...(carrier === undefined ? {} : { carrier }),
  };
}

function readState(
  input: string | undefined,
  e164: string,
  country: 'AU' | 'NZ',
  areaCode: string | null,
): State | null | { reason: string } {
  const given = input?.trim().toUpperCase() ?? '';
  if (given === '') return country === 'AU' ? stateOfGeographicNumber(e164) : null;
  if (country !== 'AU') return { reason: 'state is only for Australian numbers' };
  if (!(STATES as readonly string[]).includes(given)) return { reason: `state ${shown(given)} is not one of ${STATES.join(', ')}` };
  const possible = areaCode ? STATES_BY_AREA_CODE[areaCode] : undefined;
  if (possible && !possible.includes(given as State)) {
    return { reason: `state ${given} does not match area code ${areaCode} (${possible.join(' or ')})` };
  }
  return given as State;
}

function readMoney(text: string): number | null {
  if (!MONEY.test(text)) return null;
  return dollarsToCents(Number(text.replace('$', '')));
}

function shown(value: string): string {
  return value.length <= MAX_SHOWN_LENGTH ? value : `${value.slice(0, MAX_SHOWN_LENGTH)}…`;
}
