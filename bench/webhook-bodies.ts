import { signWhatsAppBody } from '../src/channels/whatsapp-cloud/webhook-signature.ts';

export interface NumberIdentity {
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
}

export interface SignedBody {
  body: string;
  signature: string;
}

/**
 * Meta-shaped inbound text webhooks, one message each, every call a new wamid and a new customer
 * (so no conversation queue or per-customer limit is shared), signed with the app secret the way
 * Meta signs: HMAC-SHA256 over the exact bytes sent. The same generator feeds both targets.
 */
export function webhookBodyGenerator(number: NumberIdentity, appSecret: string, opts: { areaCode?: string } = {}): () => SignedBody {
  const areaCode = opts.areaCode ?? '303';
  let n = 0;
  const run = Date.now().toString(36);
  return () => {
    n++;
    // 1 + area code + 7 digits: a possible US number, so the simulator accepts the reply's `to`.
    const waId = `1${areaCode}${String(n % 10_000_000).padStart(7, '0')}`;
    const wamid = `wamid.${Buffer.from(`bench-${run}-${n}`).toString('base64')}`;
    const payload = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: number.wabaId,
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: number.displayPhoneNumber, phone_number_id: number.phoneNumberId },
                contacts: [{ profile: { name: `Load ${n}` }, wa_id: waId }],
                messages: [
                  { from: waId, id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: `load ${n}` } },
                ],
              },
            },
          ],
        },
      ],
    };
    const body = JSON.stringify(payload);
    return { body, signature: signWhatsAppBody(body, appSecret) };
  };
}
