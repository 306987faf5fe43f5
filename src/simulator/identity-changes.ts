import type { Clock } from '../core/clock.ts';
import { newWamid } from './ids.ts';
import { PARENT_BSUID_PATTERN, phoneShared, USERNAME_PATTERN } from './identity.ts';
import { InboundError } from './inbound-validation.ts';
import type { ResolvedOptions } from './options.ts';
import type { CustomerState, SimulatorState } from './simulator-state.ts';
import type { SimCustomerIdentity } from './types.ts';
import type { WebhookEmitter } from './webhook-emitter.ts';
import { envelope, messagesValue, unixSeconds } from './webhook-payloads.ts';

/** Set a customer's username / hidden phone; a bad username is the caller's mistake (400). */
export function applyIdentity(c: CustomerState, identity: SimCustomerIdentity): void {
  if (identity.username !== undefined) {
    const u = identity.username;
    if (u === null || u === '') delete c.username;
    else if (typeof u !== 'string' || !USERNAME_PATTERN.test(u))
      throw new InboundError('"username" must be 3-35 letters, digits, "." or "_" (or null to remove it)');
    else c.username = u;
  }
  if (identity.hidePhone !== undefined) {
    if (typeof identity.hidePhone !== 'boolean') throw new InboundError('"hide_phone" must be a boolean');
    c.hidePhone = identity.hidePhone;
  }
  if (identity.parentUserId !== undefined) {
    const p = identity.parentUserId;
    if (p === null || p === '') delete c.parentUserId;
    else if (typeof p !== 'string' || !PARENT_BSUID_PATTERN.test(p))
      throw new InboundError('"parent_user_id" must be a parent BSUID like US.ENT.11815799212886844830 (or null to remove it)');
    else c.parentUserId = p;
  }
}

/**
 * A customer changes phone number or username, and what Meta tells the business about it
 * (docs/whatsapp-identity.md): a number change gives the user a new BSUID and emits a `system`
 * message — `user_changed_number` with the new number when the phone may be shared, else
 * `user_changed_user_id` with only the new BSUID — and a `user_id_update` webhook linking the
 * previous and current BSUID. A username change emits nothing: Meta documents no event for it,
 * the new username rides on the next messages and delivered/read statuses.
 */
export class IdentityChanges {
  constructor(
    private readonly opts: ResolvedOptions,
    private readonly clock: Clock,
    private readonly state: SimulatorState,
    private readonly emitter: WebhookEmitter,
  ) {}

  async changeNumber(
    c: CustomerState,
    newWaId: string,
  ): Promise<{ wa_id: string; user_id: string; previous_wa_id: string; previous_user_id: string }> {
    if (!/^\d{6,15}$/.test(newWaId)) throw new InboundError(`"new_wa_id" must be 6-15 digits, got "${newWaId}"`);
    if (newWaId === c.waId) throw new InboundError(`the customer already has the number ${newWaId}`);
    if (this.state.customers.has(newWaId)) throw new InboundError(`another simulated customer already has the number ${newWaId}`);
    const now = this.clock.now();
    const shared = phoneShared(c, now);
    const { previousWaId, previousUserId } = this.state.changeNumber(c, newWaId);
    const metadata = { display_phone_number: this.opts.displayPhoneNumber, phone_number_id: this.opts.phoneNumberId };
    const item: Record<string, unknown> = {};
    if (shared) item.from = previousWaId;
    item.from_user_id = previousUserId;
    item.id = newWamid(previousWaId);
    item.timestamp = unixSeconds(now);
    item.type = 'system';
    // "The new number can be shared with you": the old number was shared, so the new one is too.
    item.system = shared
      ? { body: `User ${c.profileName} changed from ${previousWaId} to ${newWaId}`, wa_id: newWaId, type: 'user_changed_number' }
      : { body: `User ${c.profileName} changed from ${previousUserId} to ${c.userId}`, user_id: c.userId, type: 'user_changed_user_id' };
    // System messages carry no contacts[] (Meta's system reference).
    await this.emitter.enqueue(
      envelope(this.opts.wabaId, [{ field: 'messages', value: messagesValue(metadata, undefined, [item]) }]),
      'messages',
      1,
      true,
    );

    const update: Record<string, unknown> = {};
    if (shared) update.wa_id = newWaId;
    update.detail = `User id for ${c.profileName} has been updated.`;
    update.user_id = { previous: previousUserId, current: c.userId };
    update.timestamp = unixSeconds(now);
    const contact: Record<string, unknown> = { profile: { name: c.profileName } };
    if (shared) contact.wa_id = newWaId;
    contact.user_id = c.userId;
    const value = { messaging_product: 'whatsapp', metadata, contacts: [contact], user_id_update: [update] };
    await this.emitter.enqueue(
      envelope(this.opts.wabaId, [{ field: 'user_id_update', value }], Math.floor(now / 1000)),
      'user_id_update',
      1,
      true,
    );
    this.state.events.emit('change');
    return { wa_id: newWaId, user_id: c.userId, previous_wa_id: previousWaId, previous_user_id: previousUserId };
  }

  changeUsername(c: CustomerState, username: string | null): { wa_id: string; user_id: string; username: string | null } {
    applyIdentity(c, { username });
    this.state.events.emit('change');
    return { wa_id: c.waId, user_id: c.userId, username: c.username ?? null };
  }
}
