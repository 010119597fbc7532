/**
 * Australian Business Numbers: eleven digits, checked as the ATO checks them: take 1 from the first
 * digit, weight the digits 10, 1, 3, 5, … 19, and the sum is a multiple of 89.
 */

const WEIGHTS = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19] as const;

/** The ABN's eleven digits, from text with or without spaces ("51 824 753 556"); null when it is not a valid ABN. */
export function parseAbn(text: string): string | null {
  const digits = text.replace(/\s+/g, '');
  if (!/^\d{11}$/.test(digits) || digits[0] === '0') return null;
  let sum = 0;
  for (let i = 0; i < 11; i++) sum += (Number(digits[i]) - (i === 0 ? 1 : 0)) * WEIGHTS[i]!;
  return sum % 89 === 0 ? digits : null;
}

/** As the ATO writes it: "51 824 753 556". */
export function formatAbn(digits: string): string {
  return `${digits.slice(0, 2)} ${digits.slice(2, 5)} ${digits.slice(5, 8)} ${digits.slice(8)}`;
}
