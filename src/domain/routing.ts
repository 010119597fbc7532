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
