/** One number's webhook traffic as this process saw it. */
export interface NumberWebhookHealth {
  lastEventAt: number | null;
  signatureFailures: number;
  lastSignatureFailureAt: number | null;
}

/**
 * What the webhook endpoint saw per business number since this process started (GET
 * /api/v1/status): when a signed event last arrived, and how many deliveries naming the number
 * failed the signature check (a wrong app secret after a rotation shows here first). In memory:
 * a Map lookup per accepted webhook, nothing on the database.
 */
export class WebhookHealth {
  private readonly numbers = new Map<string, NumberWebhookHealth>();
  /** Signature failures whose body named none of our numbers (not JSON, no metadata, someone else's). */
  unattributedSignatureFailures = 0;

  /** Only the configured numbers are tracked, so a forged body cannot grow the map. */
  constructor(phoneNumberIds: Iterable<string>) {
    for (const id of phoneNumberIds) this.numbers.set(id, { lastEventAt: null, signatureFailures: 0, lastSignatureFailureAt: null });
  }

  accepted(phoneNumberIds: readonly string[], at: number): void {
    for (const id of phoneNumberIds) {
      const e = this.numbers.get(id);
      if (e) e.lastEventAt = at;
    }
  }

  /** A delivery that failed the signature check, with the numbers its (unverified) body names. */
  signatureFailed(phoneNumberIds: readonly string[], at: number): void {
    let attributed = false;
    for (const id of phoneNumberIds) {
      const e = this.numbers.get(id);
      if (!e) continue;
      e.signatureFailures++;
      e.lastSignatureFailureAt = at;
      attributed = true;
    }
    if (!attributed) this.unattributedSignatureFailures++;
  }

  of(phoneNumberId: string): NumberWebhookHealth {
    return this.numbers.get(phoneNumberId) ?? { lastEventAt: null, signatureFailures: 0, lastSignatureFailureAt: null };
  }
}
