import type { State } from './phone-number.js';

/**
 * The state of an Australian geographic number, read from the first digits of its national
 * significant number (ACMA's ranges, coarsely: Canberra's 02 61/62 is the ACT, 03 6 is Tasmania,
 * 08 89 the Northern Territory, 08 6/9 Western Australia, the rest of 08 South Australia).
 * Longest prefix wins; null when the number is not an Australian geographic one.
 */
const STATE_BY_PREFIX: ReadonlyArray<[string, State]> = [
  ['261', 'ACT'],
  ['262', 'ACT'],
  ['2', 'NSW'],
  ['36', 'TAS'],
  ['3', 'VIC'],
  ['7', 'QLD'],
  ['889', 'NT'],
  ['86', 'WA'],
  ['89', 'WA'],
  ['8', 'SA'],
];

export function stateOfGeographicNumber(e164: string): State | null {
  if (!/^61[2378]\d{8}$/.test(e164)) return null;
  const national = e164.slice(2);
  let best: [string, State] | undefined;
  for (const entry of STATE_BY_PREFIX) {
    if (national.startsWith(entry[0]) && (!best || entry[0].length > best[0].length)) best = entry;
  }
  return best ? best[1] : null;
}
