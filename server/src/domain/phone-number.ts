import { Metadata, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export const COUNTRIES = ['AU', 'NZ'] as const;
export type Country = (typeof COUNTRIES)[number];

export const NUMBER_TYPES = ['geographic', 'mobile', 'tollfree', 'local_rate'] as const;
export type NumberType = (typeof NUMBER_TYPES)[number];

export const STATES = ['ACT', 'NSW', 'NT', 'QLD', 'SA', 'TAS', 'VIC', 'WA'] as const;
export type State = (typeof STATES)[number];

export interface ParsedNumber {
  /** E.164 digits without the plus, e.g. 61291234567. */
  e164: string;
  country: Country;
  numberType: NumberType;
  /** National trunk prefix and area code for geographic numbers (e.g. "02"), else null. */
  areaCode: string | null;
}

const SEPARATORS = /[\s\-.()]/g;

/** Australia's number types by pattern on the E.164 digits (ACMA numbering plan). */
const AU_TYPES: ReadonlyArray<[RegExp, NumberType]> = [
  [/^61[2378]\d{8}$/, 'geographic'],
  [/^614\d{8}$/, 'mobile'],
  [/^611800\d{6}$/, 'tollfree'],
  [/^611300\d{6}$/, 'local_rate'],
  [/^6113\d{4}$/, 'local_rate'],
];

const NZ_TYPES: Readonly<Record<string, NumberType>> = {
  FIXED_LINE: 'geographic',
  MOBILE: 'mobile',
  TOLL_FREE: 'tollfree',
};

/**
 * Normalises a number written in any accepted form (+61…, 61…, 0…, 13/1300/1800, +64…, 64…, with
 * spaces, dashes, dots and brackets) to its canonical E.164 digits and type, or null if it is not a
 * valid Australian or New Zealand number of a type Bilby sells.
 */
export function parseNumber(input: string): ParsedNumber | null {
  const digits = australianDigits(input);
  const quick = digits !== null && AUSTRALIAN_TYPE_MATCHES?.(digits.slice(2)) ? australianNumber(digits) : null;
  return quick ?? parseNumberFully(input);
}

/** parseNumber through libphonenumber's parser and validation, whatever the form. */
export function parseNumberFully(input: string): ParsedNumber | null {
  const compact = input.trim().replace(SEPARATORS, '');
  if (!/^\+?\d{4,15}$/.test(compact)) return null;
  // Digits starting with a country code are already E.164; national forms start with 0 or 1.
  const international = compact.startsWith('+') || /^6[14]/.test(compact);
  const text = international && !compact.startsWith('+') ? `+${compact}` : compact;
  const parsed = parsePhoneNumberFromString(text, 'AU');
  if (!parsed || !parsed.isValid()) return null;
  const e164 = parsed.number.slice(1);
  if (parsed.country === 'AU') return australianNumber(e164);
  if (parsed.country === 'NZ') {
    const numberType = NZ_TYPES[parsed.getType() ?? ''];
    if (!numberType) return null;
    const areaCode = numberType === 'geographic' ? `0${e164.charAt(2)}` : null;
    return { e164, country: 'NZ', numberType, areaCode };
  }
  return null;
}

/** A valid Australian number's type and area code, or null if it is of a type Bilby does not sell. */
function australianNumber(e164: string): ParsedNumber | null {
  const numberType = AU_TYPES.find(([pattern]) => pattern.test(e164))?.[1];
  if (!numberType) return null;
  return { e164, country: 'AU', numberType, areaCode: numberType === 'geographic' ? `0${e164.charAt(2)}` : null };
}

/** What libphonenumber's metadata holds for a country and its number types (not in its typings). */
interface PlanPatterns {
  nationalNumberPattern?: () => string;
  type?: (name: string) => { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

/**
 * True when Australian national digits match libphonenumber's own patterns for the whole country
 * and for one of the types Bilby sells, compiled once. libphonenumber builds each pattern into a new
 * RegExp on every test, which was half of parsing a number (6 of 12 µs, most of an import's parsing).
 * A match is exactly what makes libphonenumber's isValid() true and its country AU (the first of the
 * countries sharing +61); anything else goes to parseNumberFully. Undefined if a libphonenumber
 * version stops holding its patterns where this reads them: everything then goes the full way.
 */
const AUSTRALIAN_TYPE_MATCHES = ((): ((national: string) => boolean) | undefined => {
  const metadata = new Metadata();
  metadata.selectNumberingPlan('AU');
  const plan = metadata.numberingPlan as unknown as PlanPatterns | undefined;
  if (typeof plan?.nationalNumberPattern !== 'function' || typeof plan.type !== 'function') return undefined;
  const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);
  const country = whole(plan.nationalNumberPattern());
  const types = ['FIXED_LINE', 'MOBILE', 'TOLL_FREE', 'SHARED_COST'].flatMap((name) => {
    const type = plan.type?.(name);
    return type?.pattern() ? [{ pattern: whole(type.pattern()), lengths: type.possibleLengths() }] : [];
  });
  return (national) =>
    country.test(national) && types.some(({ pattern, lengths }) => (!lengths || lengths.includes(national.length)) && pattern.test(national));
})();

/**
 * The E.164 digits an Australian number written in one of its exact forms (+61…, 61…, 0…, 1300…,
 * 1800…, 13…) stands for, without validating it; null for any other form. For finding a number
 * Bilby holds (each was validated by parseNumber when it went into stock) without validating it again.
 */
export function australianDigits(input: string): string | null {
  const compact = input.trim().replace(SEPARATORS, '');
  if (/^\+?61[1-9]\d{7,9}$/.test(compact)) return compact.replace('+', '');
  if (/^0\d{9}$/.test(compact)) return `61${compact.slice(1)}`;
  if (/^1[38]00\d{6}$/.test(compact) || /^13\d{4}$/.test(compact)) return `61${compact}`;
  return null;
}

/** States whose geographic numbers carry each Australian area code. */
export const STATES_BY_AREA_CODE: Readonly<Record<string, readonly State[]>> = {
  '02': ['NSW', 'ACT'],
  '03': ['VIC', 'TAS'],
  '07': ['QLD'],
  '08': ['SA', 'WA', 'NT'],
};
