/**
 * The carriers Bilby can provision numbers with: its own (`simulated`, which keeps its own books)
 * and a CrazyTel-compatible upstream (`crazytel`). Each number records which one provisions it.
 */
export const CARRIER_NAMES = ['simulated', 'crazytel'] as const;
export type CarrierName = (typeof CARRIER_NAMES)[number];

export function isCarrierName(value: string): value is CarrierName {
  return (CARRIER_NAMES as readonly string[]).includes(value);
}
