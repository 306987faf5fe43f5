/**
 * AUTHENTICATION templates in Meta's create shape (docs/templates.md, "Authentication templates"),
 * each with the one lint/review code it must be refused for, or null when Meta accepts it. Shared
 * by the lint table (linter == simulator review) and the simulator's review over HTTP.
 */
export const app = { package_name: 'com.example.luckyshrub', signature_hash: 'K8a/AINcGX7' };
const betaApp = { package_name: 'com.example.luckyshrub_beta', signature_hash: 'Q8b/BJNdHY8' };
const body = (over: Record<string, unknown> = {}) => ({ type: 'BODY', add_security_recommendation: true, ...over });
const expiry = (minutes: unknown) => ({ type: 'FOOTER', code_expiration_minutes: minutes });
const buttons = (...b: Array<Record<string, unknown>>) => ({ type: 'BUTTONS', buttons: b });
const otp = (over: Record<string, unknown> = {}) => ({ type: 'OTP', otp_type: 'COPY_CODE', ...over });
const auth = (components: unknown[], over: Record<string, unknown> = {}) => ({
  name: 'verification_code',
  language: 'en_US',
  category: 'AUTHENTICATION',
  components,
  ...over,
});
const other = (category: string) => ({
  name: 'coupon_code',
  language: 'en_US',
  category,
  components: [
    { type: 'BODY', text: 'Hello {{1}}, here is the code for your next visit.', example: { body_text: [['Ana']] } },
    buttons(otp()),
  ],
});

export const authenticationCases: Array<[why: string, template: Record<string, unknown>, expected: string | null]> = [
  // Accepted: Meta's own request shapes.
  [
    'AUTHENTICATION copy code: security recommendation, 10-minute expiry',
    auth([body(), expiry(10), buttons(otp({ text: 'Copy code' }))]),
    null,
  ],
  ['AUTHENTICATION footer with only code_expiration_minutes', auth([{ type: 'BODY' }, expiry(5), buttons(otp())]), null],
  ['AUTHENTICATION body with only add_security_recommendation', auth([body(), buttons(otp())]), null],
  [
    'AUTHENTICATION expiry of 90 minutes (the most), no security recommendation',
    auth([body({ add_security_recommendation: false }), expiry(90), buttons(otp())]),
    null,
  ],
  [
    'AUTHENTICATION one-tap with supported_apps',
    auth([body(), expiry(1), buttons(otp({ otp_type: 'ONE_TAP', text: 'Copy code', autofill_text: 'Autofill', supported_apps: [app] }))]),
    null,
  ],
  [
    'AUTHENTICATION zero-tap with zero_tap_terms_accepted',
    auth([
      body(),
      expiry(5),
      buttons(
        otp({
          otp_type: 'ZERO_TAP',
          text: 'Copy code',
          autofill_text: 'Autofill',
          zero_tap_terms_accepted: true,
          supported_apps: [app, betaApp],
        }),
      ),
    ]),
    null,
  ],
  [
    'AUTHENTICATION in lower case, as Meta documents it',
    auth(
      [
        { type: 'body', add_security_recommendation: true },
        { type: 'footer', code_expiration_minutes: 5 },
        { type: 'buttons', buttons: [{ type: 'otp', otp_type: 'copy_code' }] },
      ],
      { category: 'authentication' },
    ),
    null,
  ],
  // Refused: footer expiry.
  ['AUTHENTICATION footer expiry 0', auth([body(), expiry(0), buttons(otp())]), 'invalid_code_expiration'],
  ['AUTHENTICATION footer expiry 91', auth([body(), expiry(91), buttons(otp())]), 'invalid_code_expiration'],
  ['AUTHENTICATION footer expiry 2.5', auth([body(), expiry(2.5), buttons(otp())]), 'invalid_code_expiration'],
  ['AUTHENTICATION footer expiry as a string', auth([body(), expiry('10'), buttons(otp())]), 'invalid_code_expiration'],
  [
    'AUTHENTICATION footer with text of its own',
    auth([body(), { type: 'FOOTER', text: 'Valid for 10 minutes', code_expiration_minutes: 10 }, buttons(otp())]),
    'auth_footer_not_preset',
  ],
  // Refused: body, header.
  [
    'AUTHENTICATION body with text of its own',
    auth([body({ text: 'Your code is {{1}}, keep it safe.' }), buttons(otp())]),
    'auth_body_not_preset',
  ],
  [
    'AUTHENTICATION add_security_recommendation not a boolean',
    auth([body({ add_security_recommendation: 'yes' }), buttons(otp())]),
    'invalid_security_recommendation',
  ],
  [
    'AUTHENTICATION image header',
    auth([{ type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1hZ2U='] } }, body(), buttons(otp())]),
    'invalid_header_format',
  ],
  [
    'AUTHENTICATION text header',
    auth([{ type: 'HEADER', format: 'TEXT', text: 'Your code' }, body(), buttons(otp())]),
    'invalid_header_format',
  ],
  // Refused: buttons.
  ['AUTHENTICATION without buttons', auth([body(), expiry(10)]), 'otp_button_missing'],
  [
    'AUTHENTICATION with two OTP buttons',
    auth([body(), buttons(otp(), otp({ otp_type: 'ONE_TAP', supported_apps: [app] }))]),
    'too_many_otp_buttons',
  ],
  [
    'AUTHENTICATION with a URL button',
    auth([body(), buttons(otp(), { type: 'URL', text: 'Open app', url: 'https://example.com/login' })]),
    'auth_button_not_allowed',
  ],
  [
    'AUTHENTICATION with a phone button',
    auth([body(), buttons(otp(), { type: 'PHONE_NUMBER', text: 'Call us', phone_number: '+15550051310' })]),
    'auth_button_not_allowed',
  ],
  [
    'AUTHENTICATION with a copy-code (coupon) button besides the OTP one',
    auth([body(), buttons(otp(), { type: 'COPY_CODE', example: 'ABC123' })]),
    'auth_button_not_allowed',
  ],
  ['AUTHENTICATION unknown otp_type', auth([body(), buttons(otp({ otp_type: 'MAGIC_LINK' }))]), 'invalid_otp_type'],
  [
    'AUTHENTICATION OTP label over 25 characters',
    auth([body(), buttons(otp({ text: 'Copy this code to your clipboard' }))]),
    'button_text_too_long',
  ],
  [
    'AUTHENTICATION autofill_text over 25 characters',
    auth([body(), buttons(otp({ otp_type: 'ONE_TAP', autofill_text: 'Fill in the code for me now', supported_apps: [app] }))]),
    'invalid_autofill_text',
  ],
  ['AUTHENTICATION one-tap without supported_apps', auth([body(), buttons(otp({ otp_type: 'ONE_TAP' }))]), 'supported_apps_missing'],
  [
    'AUTHENTICATION one-tap with package_name on the button (Graph v20 and older)',
    auth([body(), buttons(otp({ otp_type: 'ONE_TAP', ...app }))]),
    'supported_apps_missing',
  ],
  [
    'AUTHENTICATION six supported apps',
    auth([
      body(),
      buttons(
        otp({
          otp_type: 'ONE_TAP',
          supported_apps: Array.from({ length: 6 }, (_, i) => ({ package_name: `com.example.app${i}`, signature_hash: 'K8a/AINcGX7' })),
        }),
      ),
    ]),
    'too_many_supported_apps',
  ],
  [
    'AUTHENTICATION package_name with one segment',
    auth([body(), buttons(otp({ otp_type: 'ONE_TAP', supported_apps: [{ ...app, package_name: 'luckyshrub' }] }))]),
    'invalid_package_name',
  ],
  [
    'AUTHENTICATION package_name segment starting with a digit',
    auth([body(), buttons(otp({ otp_type: 'ONE_TAP', supported_apps: [{ ...app, package_name: 'com.1example.app' }] }))]),
    'invalid_package_name',
  ],
  [
    'AUTHENTICATION signature_hash not 11 characters',
    auth([body(), buttons(otp({ otp_type: 'ONE_TAP', supported_apps: [{ ...app, signature_hash: 'K8a/AINcGX' }] }))]),
    'invalid_signature_hash',
  ],
  [
    'AUTHENTICATION zero-tap without zero_tap_terms_accepted',
    auth([body(), buttons(otp({ otp_type: 'ZERO_TAP', supported_apps: [app] }))]),
    'zero_tap_terms_not_accepted',
  ],
  [
    'AUTHENTICATION zero-tap with zero_tap_terms_accepted false',
    auth([body(), buttons(otp({ otp_type: 'ZERO_TAP', zero_tap_terms_accepted: false, supported_apps: [app] }))]),
    'zero_tap_terms_not_accepted',
  ],
  // Refused: an OTP button outside AUTHENTICATION.
  ['OTP button in a MARKETING template', other('MARKETING'), 'otp_button_not_allowed'],
  ['OTP button in a UTILITY template', other('UTILITY'), 'otp_button_not_allowed'],
];
