/**
 * The carriers Bilby can provision numbers with: its own (`simulated`, which keeps its own books)
 * and a CrazyTel-compatible upstream (`crazytel`). Each number records which one provisions it.
 */
export const CARRIER_NAMES = ['simulated', 'crazytel'] as const;
export type CarrierName = (typeof CARRIER_NAMES)[number];

export function isCarrierName(value: string): value is CarrierName {
  return (CARRIER_NAMES as readonly string[]).includes(value);
}

/** The carriers that sell upstream numbers, whose stock the catalogue sync keeps and whose cost a pricing rule marks up. */
export const UPSTREAM_CARRIERS = CARRIER_NAMES.filter((name) => name !== 'simulated');
