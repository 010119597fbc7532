const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration as people write it in settings: a whole number and a unit (`90s`, `15m`, `6h`,
 * `1d`), or a bare whole number of seconds. Null when the text is none of these.
 */
export function parseDurationMs(text: string): number | null {
  const match = /^(\d{1,9})\s*([smhd]?)$/i.exec(text.trim());
  if (!match) return null;
  const unit = (match[2]!.toLowerCase() || 's') as keyof typeof UNIT_MS;
  return Number(match[1]) * UNIT_MS[unit];
}
