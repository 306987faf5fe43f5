/**
 * The Content-Security-Policy of the pages Switchboard serves (the API docs, the web app): scripts,
 * styles, images, fonts and API calls from the page's own origin only; no plugins, no framing, no
 * form posts elsewhere. Inline `style` attributes are allowed: Swagger UI sets some (scripts stay
 * strict, which is what matters against injected markup).
 */
export const DEFAULT_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

/**
 * The headers every HTML page gets: a CSP, no framing (clickjacking), no MIME sniffing, and no
 * Referer leaking URLs (with their ids) to other sites. One definition for the server's pages and
 * the simulator's phone page, which passes its own stricter CSP.
 */
export function securityHeaders(csp: string = DEFAULT_CSP): Record<string, string> {
  return {
    'content-security-policy': csp,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}
