import type { WebhookAccounts } from '../channels/whatsapp-cloud/index.ts';

const NONE: ReadonlySet<string> = new Set();

/** What a number contributes: its phone_number_id, its WABA (when configured) and its Meta app's secret. */
export interface BoundNumber {
  accountId: string;
  businessAccountId?: string;
  appSecret: string;
}

/**
 * Binds every number to the secret of the Meta app it belongs to. A signature proves only which
 * app sent a delivery; an app may speak only for its own numbers. So a delivery is accepted only
 * when the secret that verified it belongs to every configured number it names (phone_number_id)
 * and to every configured number's WABA it names (entry id). Accounts configured nowhere belong to
 * no app here: events for them are stored and reported as for an unknown number by the ingest
 * loop, and can change nothing. Template changes are the exception: they are applied by WABA and
 * template id, so an entry carrying one must name a WABA of the signing app's own numbers.
 *
 * Built once at start (the numbers are fixed for the life of the process): one set lookup per
 * named account on the hot path.
 */
export class WebhookSecretBinding {
  /** Distinct secrets, in a fixed order: the signature check runs one HMAC per entry. */
  readonly secrets: readonly string[];
  private readonly numbersBySecret: ReadonlySet<string>[];
  private readonly wabasBySecret: ReadonlySet<string>[];
  private readonly knownNumbers: ReadonlySet<string>;
  private readonly knownWabas: ReadonlySet<string>;

  constructor(numbers: readonly BoundNumber[]) {
    const secrets: string[] = [];
    const numbersBySecret: Set<string>[] = [];
    const wabasBySecret: Set<string>[] = [];
    const knownNumbers = new Set<string>();
    const knownWabas = new Set<string>();
    for (const n of numbers) {
      let i = secrets.indexOf(n.appSecret);
      if (i === -1) {
        i = secrets.push(n.appSecret) - 1;
        numbersBySecret.push(new Set());
        wabasBySecret.push(new Set());
      }
      numbersBySecret[i]?.add(n.accountId);
      knownNumbers.add(n.accountId);
      if (n.businessAccountId !== undefined && n.businessAccountId !== '') {
        wabasBySecret[i]?.add(n.businessAccountId);
        knownWabas.add(n.businessAccountId);
      }
    }
    this.secrets = secrets;
    this.numbersBySecret = numbersBySecret;
    this.wabasBySecret = wabasBySecret;
    this.knownNumbers = knownNumbers;
    this.knownWabas = knownWabas;
  }

  /** The first account the delivery names that `secretIndex`'s app may not speak for; undefined when there is none. */
  foreignAccount(secretIndex: number, named: WebhookAccounts): string | undefined {
    const numbers = this.numbersBySecret[secretIndex] ?? NONE;
    const wabas = this.wabasBySecret[secretIndex] ?? NONE;
    for (const id of named.phoneNumberIds) if (this.knownNumbers.has(id) && !numbers.has(id)) return id;
    for (const id of named.businessAccountIds) if (this.knownWabas.has(id) && !wabas.has(id)) return id;
    for (const id of named.templateAccountIds) if (!wabas.has(id)) return id === '' ? '(an entry without an id)' : id;
    return undefined;
  }
}
