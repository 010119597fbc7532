/** The fixed JSON answer of the ceilings and floors: `bytes` long, so they send what Bilby sends. */
export function fixedBody(bytes: number): string {
  return JSON.stringify({ results: [], padding: 'x'.repeat(Math.max(0, bytes - 27)) });
}
