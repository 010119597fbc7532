import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** What a number's block preferences hold (PATCH /phone-numbers block_prefs). */
export interface BlockPrefs {
  block_invalid: boolean;
  block_hidden: boolean;
  block_international: boolean;
  block_landline: boolean;
  block_mobile: boolean;
  /** Numbers or prefixes (E.164 digits, or digits as given) never let through... */
  block_list: string[];
  /** ...and always let through, whatever else blocks them. */
  allow_list: string[];
  /** Where a blocked call goes; null: it is refused. */
  route: string | null;
  destination: string | null;
}

/** A caller as the screening sees it. */
export interface Caller {
  /** E.164 digits; null when the caller's number is withheld or is not a number. */
  e164: string | null;
  /** The national form (0…) of an Australian caller, for prefixes written that way. */
  national: string | null;
  kind: 'hidden' | 'invalid' | 'international' | 'mobile' | 'landline' | 'other';
}

export type BlockRule = 'allow_list' | 'block_list' | 'block_hidden' | 'block_invalid' | 'block_international' | 'block_landline' | 'block_mobile';

/** What the block preferences make of a caller: let through, or blocked by which rule. */
export type Screening = { blocked: false; rule: 'allow_list' | null } | { blocked: true; rule: Exclude<BlockRule, 'allow_list'> };

/** Classifies a caller's number as an inbound call presents it (null or empty: withheld). */
export function callerOf(input: string | null | undefined): Caller {
  const text = input?.trim() ?? '';
  if (text === '' || /^(anonymous|private|hidden|withheld)$/i.test(text)) return { e164: null, national: null, kind: 'hidden' };
  const compact = text.replace(/[\s\-.()]/g, '');
  const parsed = /^\+?\d{3,15}$/.test(compact) ? parsePhoneNumberFromString(/^6[14]\d{8,}$/.test(compact) ? `+${compact}` : compact, 'AU') : undefined;
  if (!parsed || !parsed.isValid()) return { e164: null, national: null, kind: 'invalid' };
  const e164 = parsed.number.slice(1);
  if (parsed.country !== 'AU') return { e164, national: null, kind: 'international' };
  const type = parsed.getType();
  const kind = type === 'MOBILE' ? 'mobile' : type === 'FIXED_LINE' || type === 'FIXED_LINE_OR_MOBILE' ? 'landline' : 'other';
  return { e164, national: `0${parsed.nationalNumber}`, kind };
}

/**
 * The number's block preferences applied to a caller, in the order a switch applies them: the allow
 * list lets a caller through whatever else would block it; then the block list; then the kinds of
 * caller blocked (withheld, not a valid number, from abroad, landlines, mobiles).
 */
export function screenCaller(prefs: BlockPrefs, caller: Caller): Screening {
  const listed = (list: readonly string[]) =>
    list.some((entry) => (caller.e164 !== null && caller.e164.startsWith(entry)) || (caller.national !== null && caller.national.startsWith(entry)));
  if (listed(prefs.allow_list)) return { blocked: false, rule: 'allow_list' };
  if (listed(prefs.block_list)) return { blocked: true, rule: 'block_list' };
  if (caller.kind === 'hidden' && prefs.block_hidden) return { blocked: true, rule: 'block_hidden' };
  if (caller.kind === 'invalid' && prefs.block_invalid) return { blocked: true, rule: 'block_invalid' };
  if (caller.kind === 'international' && prefs.block_international) return { blocked: true, rule: 'block_international' };
  if (caller.kind === 'landline' && prefs.block_landline) return { blocked: true, rule: 'block_landline' };
  if (caller.kind === 'mobile' && prefs.block_mobile) return { blocked: true, rule: 'block_mobile' };
  return { blocked: false, rule: null };
}
