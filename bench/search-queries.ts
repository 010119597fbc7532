const STATES = ['NSW', 'VIC', 'QLD', 'SA', 'WA', 'TAS', 'ACT', 'NT'];
const TYPES = ['geographic', 'mobile', 'tollfree', 'local_rate'];
const CITIES = ['Sydney', 'Melbourne', 'Brisbane', 'Adelaide', 'Perth', 'Hobart', 'Canberra', 'Newcastle', 'Geelong', 'Cairns'];

/**
 * Distinct search queries as a search page sends them: state and type filters, prefixes typed
 * digit by digit, cities, price caps, and digits to contain or end with (next to a prefix or state,
 * as a narrowing search does). Deterministic.
 */
export function searchQueries(count: number): string[] {
  // mulberry32: 32-bit arithmetic only (a classic LCG in doubles loses bits and cycles early).
  let seed = 20261128;
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(values: T[]) => values[Math.floor(random() * values.length)]!;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const seen = new Set<string>();
  while (seen.size < count) {
    const params = new URLSearchParams();
    const kind = random();
    if (kind < 0.3) {
      params.set('state', pick(STATES));
      if (random() < 0.5) params.set('number_type', 'geographic');
    } else if (kind < 0.55) {
      params.set('starts_with', `0${pick(['2', '3', '7', '8', '4'])}${digits(1 + Math.floor(random() * 5))}`);
    } else if (kind < 0.7) {
      params.set('city', pick(CITIES));
    } else if (kind < 0.8) {
      params.set('number_type', pick(TYPES));
      params.set('max_monthly_cost', String(5 + Math.floor(random() * 20)));
    } else if (kind < 0.9) {
      params.set('state', pick(STATES));
      params.set('contains', digits(3));
    } else {
      params.set('starts_with', `0${pick(['2', '3', '7', '8'])}${digits(2)}`);
      params.set('ends_with', digits(2));
    }
    if (random() < 0.3) params.set('limit', String(pick([10, 20, 100])));
    seen.add(`/api/v1/phone-numbers/available-numbers/?${params.toString()}`);
  }
  return [...seen];
}
