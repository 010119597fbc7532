/** Where a number's calls can go. CrazyTel's seed names device, server and congestion. */
export const ROUTE_TYPES = [
  'device',
  'server',
  'congestion',
  'forward',
  'voicemail',
  'ivr',
  'queue',
  'ring_group',
] as const;
export type RouteType = (typeof ROUTE_TYPES)[number];

/** A routing target the operator registered for an account; `enabled` is 1 or 0. */
export interface Destination {
  id: string;
  route: RouteType;
  destination: string;
  description: string;
  enabled: number;
  created_at: string;
}

/** Routes that end the call themselves and so take no destination. */
export const TERMINAL_ROUTES: readonly RouteType[] = ['congestion'];

const TERMINAL_DESCRIPTIONS: Readonly<Record<string, string>> = {
  congestion: 'Play congestion tone',
};

export function isRouteType(value: string): value is RouteType {
  return (ROUTE_TYPES as readonly string[]).includes(value);
}

export function needsDestination(route: RouteType): boolean {
  return !TERMINAL_ROUTES.includes(route);
}

export function terminalRouteDescription(route: RouteType): string {
  return TERMINAL_DESCRIPTIONS[route] ?? route;
}

/** Where inbound SMS to a mobile number can go. */
export const SMS_ROUTE_TYPES = ['email', 'webhook', 'device'] as const;
export type SmsRouteType = (typeof SMS_ROUTE_TYPES)[number];

const DEVICE_ID = /^\d{7}$/;
const SERVER_ADDRESS = /^(sip:)?([A-Za-z0-9_.~-]+@)?[A-Za-z0-9.-]+(:\d{1,5})?$/;
const LOCAL_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The canonical form of a destination an operator registers for a route, or null when it is not
 * one: a 7-digit device id, a SIP server address, a PSTN number (E.164 digits) to forward to, or
 * the id of a voicemail box, IVR, queue or ring group.
 */
export function normaliseDestination(
  route: RouteType,
  destination: string,
  parsePhone: (input: string) => string | null,
): string | null {
  const value = destination.trim();
  switch (route) {
    case 'device':
      return DEVICE_ID.test(value) ? value : null;
    case 'server':
      return value.length <= 255 && SERVER_ADDRESS.test(value) ? value.toLowerCase() : null;
    case 'forward':
      return parsePhone(value);
    case 'congestion':
      return null;
    default:
      return LOCAL_ID.test(value) ? value : null;
  }
}
