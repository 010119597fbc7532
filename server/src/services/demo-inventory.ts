import { parseNumber, type NumberType } from '../domain/phone-number.js';
import type { NewPhoneNumber } from '../store/tables.js';

/**
 * A realistic demo inventory: numbers in real exchange ranges of every state's main cities,
 * mobiles, 1300, 1800 and 13 numbers, and some New Zealand numbers, with prices in the range
 * Australian providers charge. Deterministic, so every demo database holds the same numbers.
 */
interface Block {
  country: 'AU' | 'NZ';
  state: string | null;
  city: string | null;
  /** National number without the trunk 0, up to where the random digits start. */
  prefixes: string[];
  /** Total national significant length. */
  length: number;
  count: number;
}

const CITY_BLOCKS: Block[] = [
  { country: 'AU', state: 'NSW', city: 'Sydney', prefixes: ['2808', '2809', '2812', '2901', '2912', '2922', '2938', '2955', '2969', '2980'], length: 9, count: 2400 },
  { country: 'AU', state: 'NSW', city: 'Newcastle', prefixes: ['2491', '2492', '2495'], length: 9, count: 700 },
  { country: 'AU', state: 'NSW', city: 'Wollongong', prefixes: ['2422', '2425'], length: 9, count: 500 },
  { country: 'AU', state: 'NSW', city: 'Central Coast', prefixes: ['2432', '2434'], length: 9, count: 400 },
  { country: 'AU', state: 'NSW', city: 'Wagga Wagga', prefixes: ['2692', '2693'], length: 9, count: 300 },
  { country: 'AU', state: 'NSW', city: 'Coffs Harbour', prefixes: ['2665', '2666'], length: 9, count: 300 },
  { country: 'AU', state: 'ACT', city: 'Canberra', prefixes: ['2612', '2615', '2620', '2625'], length: 9, count: 900 },
  { country: 'AU', state: 'VIC', city: 'Melbourne', prefixes: ['3860', '3902', '3912', '3925', '3942', '3960', '3988'], length: 9, count: 2400 },
  { country: 'AU', state: 'VIC', city: 'Geelong', prefixes: ['3522', '3524'], length: 9, count: 500 },
  { country: 'AU', state: 'VIC', city: 'Ballarat', prefixes: ['3533'], length: 9, count: 300 },
  { country: 'AU', state: 'VIC', city: 'Bendigo', prefixes: ['3544'], length: 9, count: 300 },
  { country: 'AU', state: 'TAS', city: 'Hobart', prefixes: ['3622', '3623'], length: 9, count: 600 },
  { country: 'AU', state: 'TAS', city: 'Launceston', prefixes: ['3633'], length: 9, count: 400 },
  { country: 'AU', state: 'QLD', city: 'Brisbane', prefixes: ['7300', '7302', '7321', '7338', '7355', '7390'], length: 9, count: 2000 },
  { country: 'AU', state: 'QLD', city: 'Gold Coast', prefixes: ['7552', '7557'], length: 9, count: 600 },
  { country: 'AU', state: 'QLD', city: 'Sunshine Coast', prefixes: ['7543', '7544'], length: 9, count: 400 },
  { country: 'AU', state: 'QLD', city: 'Cairns', prefixes: ['7403', '7404'], length: 9, count: 300 },
  { country: 'AU', state: 'QLD', city: 'Townsville', prefixes: ['7472', '7477'], length: 9, count: 300 },
  { country: 'AU', state: 'SA', city: 'Adelaide', prefixes: ['8810', '8820', '8821', '8832', '8842'], length: 9, count: 1500 },
  { country: 'AU', state: 'SA', city: 'Mount Gambier', prefixes: ['8872', '8873'], length: 9, count: 200 },
  { country: 'AU', state: 'WA', city: 'Perth', prefixes: ['8610', '8620', '9221', '9322', '9444'], length: 9, count: 1800 },
  { country: 'AU', state: 'WA', city: 'Bunbury', prefixes: ['9721', '9791'], length: 9, count: 300 },
  { country: 'AU', state: 'NT', city: 'Darwin', prefixes: ['8941', '8981', '8985'], length: 9, count: 500 },
  { country: 'AU', state: 'NT', city: 'Alice Springs', prefixes: ['8952', '8953'], length: 9, count: 200 },
  { country: 'NZ', state: null, city: 'Auckland', prefixes: ['930', '950', '972'], length: 8, count: 250 },
  { country: 'NZ', state: null, city: 'Wellington', prefixes: ['447', '480'], length: 8, count: 150 },
  { country: 'NZ', state: null, city: 'Christchurch', prefixes: ['335', '379'], length: 8, count: 150 },
];

const NON_GEOGRAPHIC_BLOCKS: Block[] = [
  { country: 'AU', state: null, city: null, prefixes: ['400', '401', '412', '423', '438', '451', '468', '481', '499'], length: 9, count: 3200 },
  { country: 'AU', state: null, city: null, prefixes: ['1300'], length: 10, count: 900 },
  { country: 'AU', state: null, city: null, prefixes: ['1800'], length: 10, count: 900 },
  { country: 'AU', state: null, city: null, prefixes: ['13'], length: 6, count: 40 },
  { country: 'NZ', state: null, city: null, prefixes: ['2102', '2205', '2740'], length: 9, count: 200 },
  { country: 'NZ', state: null, city: null, prefixes: ['800'], length: 9, count: 100 },
];

/** Setup and monthly price ranges in cents, per number type. */
const PRICES: Record<NumberType, { setup: [number, number]; monthly: [number, number] }> = {
  geographic: { setup: [0, 500], monthly: [300, 900] },
  mobile: { setup: [200, 900], monthly: [500, 1500] },
  local_rate: { setup: [2500, 25000], monthly: [1500, 4500] },
  tollfree: { setup: [2500, 25000], monthly: [1500, 4500] },
};
const THIRTEEN_PRICES = { setup: [250000, 900000] as [number, number], monthly: [9900, 19900] as [number, number] };

/** A small seeded generator (mulberry32): the same demo data on every machine. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A price in whole dollars or ending in .50 or .95, as price lists do. */
function price(random: () => number, [low, high]: [number, number]): number {
  const cents = low + Math.floor(random() * (high - low + 1));
  const dollars = Math.floor(cents / 100);
  const ending = [0, 0, 50, 95][Math.floor(random() * 4)]!;
  return dollars * 100 + ending;
}

export function demoInventory(at: string): NewPhoneNumber[] {
  const random = seededRandom(20261128);
  const rows = new Map<string, NewPhoneNumber>();
  const add = (national: string, block: Block) => {
    const code = block.country === 'AU' ? '61' : '64';
    const parsed = parseNumber(`+${code}${national}`);
    if (!parsed || parsed.country !== block.country || rows.has(parsed.e164)) return;
    const range = parsed.e164.startsWith('6113') && parsed.e164.length === 8 ? THIRTEEN_PRICES : PRICES[parsed.numberType];
    rows.set(parsed.e164, {
      did_number: parsed.e164,
      country: parsed.country,
      number_type: parsed.numberType,
      state: block.state,
      city: block.city,
      area_code: parsed.areaCode,
      setup_cost_cents: price(random, range.setup),
      monthly_cost_cents: price(random, range.monthly),
      status: 'available',
      block_premium: 0,
      created_at: at,
      updated_at: at,
    });
  };
  add('400000000', NON_GEOGRAPHIC_BLOCKS[0]!);
  for (const block of [...CITY_BLOCKS, ...NON_GEOGRAPHIC_BLOCKS]) {
    const target = rows.size + block.count;
    for (let attempt = 0; rows.size < target && attempt < block.count * 4; attempt++) {
      const prefix = block.prefixes[Math.floor(random() * block.prefixes.length)]!;
      const rest = block.length - prefix.length;
      const digits = String(Math.floor(random() * 10 ** rest)).padStart(rest, '0');
      add(prefix + digits, block);
    }
  }
  return [...rows.values()].sort((a, b) => (a.did_number < b.did_number ? -1 : 1));
}
