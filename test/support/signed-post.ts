import { signWhatsAppBody } from '../../src/channels/whatsapp-cloud/webhook-signature.ts';
import { SECRETS } from './test-world.ts';

/** POSTs a body to the webhook the way Meta does, signed with the test app secret. */
export async function postSigned(
  baseUrl: string,
  body: unknown,
  opts: { secret?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return fetch(`${baseUrl}/webhooks/whatsapp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hub-signature-256': signWhatsAppBody(raw, opts.secret ?? SECRETS.appSecret),
      ...opts.headers,
    },
    body: raw,
  });
}

/** A Meta envelope with inbound messages for the test number. */
export function inboundEnvelope(phoneNumberId: string, messages: object[], contacts: object[] = []): object {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
              contacts,
              messages,
            },
          },
        ],
      },
    ],
  };
}

export function statusEnvelope(phoneNumberId: string, statuses: object[]): object {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
              statuses,
            },
          },
        ],
      },
    ],
  };
}
