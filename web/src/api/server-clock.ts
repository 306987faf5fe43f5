/**
 * The server's clock as seen from this tab. Every time the API gives (a message's sent_at, a
 * window's open_until) is on the server's clock, so "Today", "Yesterday" and the window
 * countdowns compare them with the server's now, not the browser's: a phone whose clock is off, or
 * a test that moves the server's clock, still dates messages right. Set from `server_time` in
 * GET /api/v1/auth/me (asked for at every page load and sign-in).
 */
let offsetMs = 0;

/** Records the server's time from an answer that left it between `askedAt` and now (browser ms). */
export function noteServerTime(serverTime: string | undefined, askedAt: number): void {
  const server = serverTime ? Date.parse(serverTime) : Number.NaN;
  if (Number.isNaN(server)) return;
  const now = Date.now();
  offsetMs = server - (askedAt + now) / 2;
}

/** The server's time now, in ms. */
export function serverNow(): number {
  return Date.now() + offsetMs;
}
