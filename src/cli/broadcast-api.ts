/** What the broadcast CLI needs from a running Switchboard: its URL and an admin token. */
export interface ApiTarget {
  url: string;
  token: string;
}

export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON answers, read field by field as the OpenAPI documents them
  body: any;
}

/** Switchboard could not be reached, or refused the token: nothing the user's flags can fix. */
export class ApiUnreachable extends Error {}

/** One request to Switchboard's API, JSON in and out (a string body is sent as it is, e.g. a CSV file). */
export async function callApi(
  target: ApiTarget,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<ApiAnswer> {
  let res: Response;
  try {
    res = await fetch(new URL(path, target.url), {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        ...(body === undefined ? {} : { 'content-type': contentType }),
      },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body) }),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new ApiUnreachable(
      `Cannot reach Switchboard at ${target.url} (${cause?.code ?? cause?.message ?? (e as Error).message}). Is it running? Set --url or SWITCHBOARD_URL.`,
    );
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page): shown as text.
  }
  if (res.status === 401 || res.status === 403)
    throw new ApiUnreachable(
      `Switchboard refused the token (${res.status}): give an admin token (or an API token with the admin scope) with --token or SWITCHBOARD_TOKEN.`,
    );
  return { status: res.status, body: parsed };
}

/** The `{error: {code, message}}` of a refusal as one line. */
export function errorLine(a: ApiAnswer): string {
  const e = (a.body as { error?: { code?: string; message?: string } } | null)?.error;
  return e
    ? `${e.code}: ${e.message}`
    : `HTTP ${a.status}: ${String(typeof a.body === 'string' ? a.body : JSON.stringify(a.body)).slice(0, 300)}`;
}
