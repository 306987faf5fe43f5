/**
 * Meta's authentication templates (category AUTHENTICATION), shared by our template linter and
 * send-parameter checks and by the simulator's review and rendering, so the two cannot drift.
 * The facts and their sources are in docs/templates.md ("Authentication templates"): a preset
 * body (optionally with Meta's security recommendation), an optional footer that is only
 * `code_expiration_minutes` (1-90), exactly one OTP button (COPY_CODE, ONE_TAP or ZERO_TAP), no
 * header and no other buttons. Meta turns the OTP button into a URL button once created; at send
 * time the code goes in the body and in a `url` button parameter.
 *
 * Outside the contract: the OTP Android handshake and its eligibility checks, message TTLs, and
 * the localised preset wording (Meta translates it; we show the English text for every language).
 */

export const OTP_TYPES = ['COPY_CODE', 'ONE_TAP', 'ZERO_TAP'] as const;
/** "The code length cannot exceed 15 characters." */
export const OTP_CODE_MAX = 15;
export const CODE_EXPIRATION_MIN = 1;
export const CODE_EXPIRATION_MAX = 90;
/** "pairs of app package names and signing key hashes for up to 5 apps" */
export const MAX_SUPPORTED_APPS = 5;
const LABEL_MAX = 25;
const PACKAGE_NAME_MAX = 224;
// At least two dot-separated segments, each starting with a letter; [a-zA-Z0-9_] only.
const PACKAGE_NAME = /^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+$/;
// Exactly 11 characters of [a-zA-Z0-9+/=].
const SIGNATURE_HASH = /^[a-zA-Z0-9+/=]{11}$/;

export const AUTH_PRESET_BODY = '{{1}} is your verification code.';
export const AUTH_SECURITY_RECOMMENDATION = 'For your security, do not share this code.';
// Meta's documented wording, "This code expires in <NUM_MINUTES> minutes.", also for 1.
export const authExpiryFooter = (minutes: number): string => `This code expires in ${minutes} minutes.`;

export interface AuthenticationFinding {
  code: string;
  component: string;
  message: string;
}

type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const upper = (v: unknown): string => (typeof v === 'string' ? v.toUpperCase() : '');
const chars = (s: string): number => [...s].length;

/**
 * The authentication rules for a template's components. In AUTHENTICATION: the whole shape above.
 * In any other category: only that an OTP button is not allowed there. Component-generic rules
 * (button labels ≤ 25, duplicate components...) stay with the caller's own checks.
 */
export function authenticationFindings(category: string, components: unknown[]): AuthenticationFinding[] {
  const out: AuthenticationFinding[] = [];
  const push = (code: string, component: string, message: string): void => void out.push({ code, component, message });
  const comps = components.filter((c): c is Json => isJson(c) && typeof c.type === 'string');
  if (upper(category) !== 'AUTHENTICATION') {
    for (const comp of comps.filter((c) => upper(c.type) === 'BUTTONS')) {
      buttonsOf(comp).forEach((b, i) => {
        if (isJson(b) && upper(b.type) === 'OTP')
          push(
            'otp_button_not_allowed',
            `BUTTONS[${i}]`,
            `OTP buttons are only for AUTHENTICATION templates; this one is ${upper(category) || 'uncategorised'}. Use a COPY_CODE button for a coupon code.`,
          );
      });
    }
    return out;
  }
  let otpButtons = 0;
  for (const comp of comps) {
    const type = upper(comp.type);
    if (type === 'HEADER') {
      push(
        'invalid_header_format',
        'HEADER',
        'AUTHENTICATION templates have no header (no text, media or location): Meta shows its preset text, an optional expiry footer and one OTP button.',
      );
    } else if (type === 'BODY') {
      if (comp.text !== undefined)
        push(
          'auth_body_not_preset',
          'BODY',
          'AUTHENTICATION templates use Meta\'s preset body "<code> is your verification code."; leave out text (set add_security_recommendation: true to add "For your security, do not share this code.").',
        );
      if (comp.add_security_recommendation !== undefined && typeof comp.add_security_recommendation !== 'boolean') {
        push('invalid_security_recommendation', 'BODY', 'add_security_recommendation must be true or false.');
      }
    } else if (type === 'FOOTER') {
      if (comp.text !== undefined)
        push(
          'auth_footer_not_preset',
          'FOOTER',
          'An AUTHENTICATION footer has no text: set code_expiration_minutes (1-90) and Meta shows "This code expires in <minutes> minutes."',
        );
      const minutes = comp.code_expiration_minutes;
      if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < CODE_EXPIRATION_MIN || minutes > CODE_EXPIRATION_MAX) {
        push(
          'invalid_code_expiration',
          'FOOTER',
          `code_expiration_minutes must be a whole number from ${CODE_EXPIRATION_MIN} to ${CODE_EXPIRATION_MAX}; got ${JSON.stringify(minutes ?? null)}.`,
        );
      }
    } else if (type === 'BUTTONS') {
      buttonsOf(comp).forEach((b, i) => {
        if (!isJson(b)) return;
        const where = `BUTTONS[${i}]`;
        if (upper(b.type) !== 'OTP')
          return push(
            'auth_button_not_allowed',
            where,
            `${String(b.type)} buttons are not allowed in AUTHENTICATION templates: only one OTP button (no URL, phone number or quick-reply buttons).`,
          );
        otpButtons += 1;
        checkOtpButton(b, where, push);
      });
    }
  }
  if (otpButtons === 0)
    push(
      'otp_button_missing',
      'BUTTONS',
      'An AUTHENTICATION template needs one OTP button: {"type": "OTP", "otp_type": "COPY_CODE" | "ONE_TAP" | "ZERO_TAP"}.',
    );
  if (otpButtons > 1)
    push('too_many_otp_buttons', 'BUTTONS', `An AUTHENTICATION template has exactly one OTP button; this one has ${otpButtons}.`);
  return out;
}

function buttonsOf(comp: Json): unknown[] {
  return Array.isArray(comp.buttons) ? comp.buttons : [];
}

function checkOtpButton(b: Json, where: string, push: (code: string, component: string, message: string) => void): void {
  const otpType = upper(b.otp_type);
  if (!(OTP_TYPES as readonly string[]).includes(otpType)) {
    push('invalid_otp_type', where, `otp_type must be COPY_CODE, ONE_TAP or ZERO_TAP; got ${JSON.stringify(b.otp_type ?? null)}.`);
    return;
  }
  if (
    b.autofill_text !== undefined &&
    (typeof b.autofill_text !== 'string' || b.autofill_text.trim() === '' || chars(b.autofill_text) > LABEL_MAX)
  ) {
    push(
      'invalid_autofill_text',
      where,
      `autofill_text must be a label of 1-${LABEL_MAX} characters (or left out for Meta's localised "Autofill").`,
    );
  }
  if (otpType === 'COPY_CODE') return;
  const apps = b.supported_apps;
  if (!Array.isArray(apps) || apps.length === 0) {
    push(
      'supported_apps_missing',
      where,
      `A ${otpType} button needs supported_apps: [{"package_name", "signature_hash"}] for 1-${MAX_SUPPORTED_APPS} Android apps (package_name and signature_hash directly on the button were dropped in Graph API v21.0).`,
    );
  } else {
    if (apps.length > MAX_SUPPORTED_APPS)
      push('too_many_supported_apps', where, `supported_apps lists at most ${MAX_SUPPORTED_APPS} apps; got ${apps.length}.`);
    apps.forEach((app, j) => {
      const at = `${where}.supported_apps[${j}]`;
      const pkg = isJson(app) ? app.package_name : undefined;
      const hash = isJson(app) ? app.signature_hash : undefined;
      if (typeof pkg !== 'string' || chars(pkg) > PACKAGE_NAME_MAX || !PACKAGE_NAME.test(pkg)) {
        push(
          'invalid_package_name',
          at,
          `package_name must be an Android package name such as com.example.app: two or more dot-separated segments that start with a letter, letters, digits and _ only, at most ${PACKAGE_NAME_MAX} characters.`,
        );
      }
      if (typeof hash !== 'string' || !SIGNATURE_HASH.test(hash)) {
        push(
          'invalid_signature_hash',
          at,
          'signature_hash must be your app signing key hash: exactly 11 characters of letters, digits, +, / or =.',
        );
      }
    });
  }
  if (otpType === 'ZERO_TAP' && b.zero_tap_terms_accepted !== true) {
    push(
      'zero_tap_terms_not_accepted',
      where,
      'A ZERO_TAP button needs zero_tap_terms_accepted: true (Meta does not create a zero-tap template until its terms are accepted).',
    );
  }
}

/**
 * What the customer reads of an authentication template whose body is Meta's preset: the body
 * (with `{{1}}` for the code, and the security recommendation when asked for) and the expiry
 * footer when `code_expiration_minutes` is set. A body or footer with text of its own (a template
 * imported from Meta carries its rendered text) is used as it is by the callers.
 */
export function authenticationText(components: unknown[]): { body: string; footer: string | null } {
  const find = (type: string): Json | undefined => components.find((c): c is Json => isJson(c) && upper(c.type) === type);
  const body = find('BODY');
  const minutes = find('FOOTER')?.code_expiration_minutes;
  return {
    body: body?.add_security_recommendation === true ? `${AUTH_PRESET_BODY} ${AUTH_SECURITY_RECOMMENDATION}` : AUTH_PRESET_BODY,
    footer: typeof minutes === 'number' && Number.isInteger(minutes) ? authExpiryFooter(minutes) : null,
  };
}

/** The label of an OTP button as shown: its own text, else Meta's default for its otp_type. */
export function otpButtonLabel(b: { otp_type?: unknown; text?: unknown; autofill_text?: unknown }): string {
  const oneTap = upper(b.otp_type) === 'ONE_TAP' || upper(b.otp_type) === 'ZERO_TAP';
  if (oneTap) return typeof b.autofill_text === 'string' && b.autofill_text !== '' ? b.autofill_text : 'Autofill';
  return typeof b.text === 'string' && b.text !== '' ? b.text : 'Copy code';
}
