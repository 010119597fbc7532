import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface GeneratedCsv {
  rows: number;
  /** Rows that are valid and new. */
  good: number;
  /** Rows repeating an earlier number. */
  duplicates: number;
  /** Rows that must be rejected. */
  bad: number;
}

const CITIES = [
  ['NSW', 'Sydney', '612'],
  ['VIC', 'Melbourne', '613'],
  ['QLD', 'Brisbane', '617'],
  ['SA', 'Adelaide', '618'],
] as const;

/**
 * Writes an inventory CSV of `rows` data rows: geographic numbers with every column, some with
 * columns left for the server to derive, mobiles that take their type's price, one repeated number
 * per 1,000 rows and one bad row per 1,000 rows.
 */
export async function writeInventoryCsv(path: string, rows: number): Promise<GeneratedCsv> {
  const out = createWriteStream(path);
  const counts: GeneratedCsv = { rows, good: 0, duplicates: 0, bad: 0 };
  let chunk = 'did_number,number_type,state,city,setup_cost,monthly_cost\n';
  for (let i = 0; i < rows; i++) {
    const [state, city, prefix] = CITIES[i % CITIES.length]!;
    const serial = String(1_000_000 + Math.floor(i / CITIES.length)).padStart(7, '0');
    if (i % 1000 === 999) {
      chunk += `not-a-number-${i},geographic,${state},${city},1.00,5.00\n`;
      counts.bad++;
    } else if (i % 1000 === 998) {
      chunk += `612${'9'}${String(1_000_000).padStart(7, '0')},,,,1.00,5.00\n`;
      counts.duplicates++;
    } else if (i % 10 === 5) {
      chunk += `614${String(10_000_000 + i).slice(-8)},mobile,,,,\n`;
      counts.good++;
    } else if (i % 10 === 7) {
      chunk += `0${prefix.slice(2)}9${serial},,,,2.50,7.95\n`;
      counts.good++;
    } else {
      chunk += `${prefix}9${serial},geographic,${state},${city},${(i % 5).toFixed(2)},${(5 + (i % 7)).toFixed(2)}\n`;
      counts.good++;
    }
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return counts;
}
