import type { Country } from './phone-number.js';

const KEYPAD: Readonly<Record<string, string>> = {
  a: '2', b: '2', c: '2', d: '3', e: '3', f: '3', g: '4', h: '4', i: '4', j: '5', k: '5', l: '5',
  m: '6', n: '6', o: '6', p: '7', q: '7', r: '7', s: '7', t: '8', u: '8', v: '8', w: '9', x: '9',
  y: '9', z: '9',
};

const SEPARATORS = /[\s\-.()]/g;

/**
 * A search fragment as digits: keypad letters become their digits (vanity search), separators go.
 * Returns null when anything else remains.
 */
export function fragmentDigits(input: string): string | null {
  const compact = input.trim().replace(SEPARATORS, '').toLowerCase();
  if (compact.length === 0 || compact.length > 15) return null;
  let digits = '';
  for (const ch of compact) {
    if (ch >= '0' && ch <= '9') digits += ch;
    else if (KEYPAD[ch]) digits += KEYPAD[ch];
    else return null;
  }
  return digits;
}

/**
 * A number prefix written in any accepted form, as a prefix of E.164 digits:
 * "+612", "612" and "02" all become "612"; "1300" becomes "611300"; "0" alone means the country.
 */
export function e164Prefix(input: string, country: Country): string | null {
  const compact = input.trim().replace(SEPARATORS, '');
  if (!/^\+?\d{1,15}$/.test(compact)) return null;
  const code = country === 'NZ' ? '64' : '61';
  if (compact.startsWith('+')) return compact.slice(1);
  if (compact.startsWith('0')) return code + compact.slice(1);
  if (compact.startsWith(code)) return compact;
  // Anything else is a national significant prefix (e.g. "1800", "29").
  return code + compact;
}

/**
 * The smallest digit string above every string starting with prefix ("612" → "613", "6199" → "62"),
 * or null when there is none. Digits only, so the range [prefix, bound) holds under any collation.
 */
export function prefixUpperBound(prefix: string): string | null {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const digit = prefix.charCodeAt(i) - 48;
    if (digit < 9) return prefix.slice(0, i) + String(digit + 1);
  }
  return null;
}
