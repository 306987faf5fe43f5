import { graphError, invalid, invalidParam, missing } from './errors.ts';
import type { MediaKind } from './media-types.ts';
import { authenticationText, OTP_CODE_MAX, otpButtonLabel } from '../channels/whatsapp-cloud/index.ts';
import { normalizeLanguage } from '../channels/whatsapp-cloud/index.ts';
import { expectedParams, substitute } from '../channels/whatsapp-cloud/index.ts';
import type { RenderedTemplate, SimTemplate, TemplateComponent } from './types.ts';
import { charLength, isObject, requireObject, requireString, type Json } from './validation-helpers.ts';

export interface TemplateLookup {
  findTemplates(name: string): SimTemplate[];
}

type MediaCheck = (o: Json, path: string, kind: MediaKind) => void;

interface SentComponent {
  type: string;
  params: unknown[];
  subType?: string;
}

/**
 * Send-time template checks (reference §5.2): the template must exist in that language
 * (132001), be APPROVED (PAUSED 132015, DISABLED 132016, anything else 132001), and the
 * parameters must match in count (132000) and format (132012). Returns the rendered message.
 */
export function validateTemplateSend(
  t: Json,
  lookup: TemplateLookup,
  checkMedia: MediaCheck,
): { record: SimTemplate; rendered: RenderedTemplate } {
  const name = requireString(t, 'name', 'template');
  const language = requireObject(t, 'language', 'template');
  const code = requireString(language, 'code', "template['language']");
  const record = lookup.findTemplates(name).find((x) => normalizeLanguage(x.language) === normalizeLanguage(code));
  if (!record) throw graphError(132001, `template name (${name}) does not exist in ${code}`);
  if (record.status === 'PAUSED') throw graphError(132015, `Template ${name} (${code}) is paused because of low quality.`);
  if (record.status === 'DISABLED') throw graphError(132016, `Template ${name} (${code}) has been disabled.`);
  if (record.status !== 'APPROVED')
    throw graphError(132001, `template name (${name}) in ${code} is not approved (status ${record.status})`);

  const sent = collectComponents(t.components);
  const def = (type: string): TemplateComponent | undefined => record.components.find((c) => c.type.toUpperCase() === type);
  const rendered: RenderedTemplate = { name, language: record.language, category: record.category, body: '', buttons: [] };
  const named = record.parameter_format === 'NAMED';

  const header = def('HEADER');
  const sentHeader = sent.get('header');
  const format = header?.format?.toUpperCase();
  if (!header || format === 'TEXT') {
    const values = textValues('header', expectedParams(header?.text), sentHeader?.params ?? [], named);
    if (header?.text !== undefined) rendered.header = { format: 'TEXT', text: substitute(header.text, values) };
  } else {
    // GIF headers (Marketing Messages API) are mp4 files; we accept a `gif` or `video` parameter (UNCONFIRMED).
    const kinds = format === 'GIF' ? ['gif', 'video'] : [(format ?? '').toLowerCase()];
    const params = sentHeader?.params ?? [];
    countCheck('header', params.length, 1);
    const p = params[0];
    if (!isObject(p) || typeof p.type !== 'string' || !kinds.includes(p.type)) {
      throw graphError(
        132012,
        `header: Format mismatch, expected ${format}, received ${isObject(p) ? String(p.type).toUpperCase() : 'nothing'}`,
      );
    }
    const kind = p.type;
    const obj = requireObject(p, kind, 'header parameter');
    if (kind === 'location') {
      if (obj.latitude === undefined || obj.longitude === undefined)
        throw missing('header location parameter needs latitude and longitude.');
      rendered.header = { format: 'LOCATION', location: obj };
    } else {
      checkMedia(obj, `header['${kind}']`, (kind === 'gif' ? 'video' : kind) as MediaKind);
      rendered.header = { format: format ?? 'IMAGE', media: { id: str(obj.id), link: str(obj.link), filename: str(obj.filename) } };
    }
  }

  const body = def('BODY');
  // An authentication template's body is Meta's preset (English here; Meta localises it), with
  // the code as its one parameter, and its footer is the code's expiry.
  const preset = record.category === 'AUTHENTICATION' ? authenticationText(record.components) : undefined;
  const bodyText = body?.text ?? preset?.body;
  const bodyValues = textValues('body', expectedParams(bodyText), sent.get('body')?.params ?? [], named);
  rendered.body = bodyText !== undefined ? substitute(bodyText, bodyValues) : '';
  const footerText = def('FOOTER')?.text ?? preset?.footer ?? undefined;
  if (footerText !== undefined) rendered.footer = footerText;

  const buttons = def('BUTTONS')?.buttons ?? [];
  for (const key of sent.keys()) {
    if (!key.startsWith('button:')) continue;
    const index = Number(key.slice(7));
    if (!buttons[index]) throw invalid(`button: there is no button at index ${index} in template ${name}.`);
  }
  buttons.forEach((b, index) => {
    const type = b.type.toUpperCase();
    const sc = sent.get(`button:${index}`);
    // Meta sends an authentication template's one-time code through a `url` sub_type button.
    const expectedSubType = type === 'OTP' ? 'url' : type.toLowerCase();
    if (sc && sc.subType !== expectedSubType)
      throw graphError(132012, `button at index ${index}: sub_type ${sc.subType} does not match the template's ${type} button`);
    const params = sc?.params ?? [];
    const label = type === 'OTP' ? otpButtonLabel(b) : (b.text ?? (type === 'COPY_CODE' ? 'Copy offer code' : type));
    const out: RenderedTemplate['buttons'][number] = { index, type, text: label };
    if (type === 'URL' && typeof b.url === 'string') {
      const vars = expectedParams(b.url);
      const values = textValues(`button at index ${index}`, vars, params, false);
      out.url = substitute(b.url, values);
      if (vars.length === 0 && params.length > 0) countCheck(`button at index ${index}`, params.length, 0);
    } else if (type === 'QUICK_REPLY') {
      if (params.length > 1) countCheck(`button at index ${index}`, params.length, 1);
      const p = params[0];
      if (p !== undefined) {
        if (!isObject(p) || p.type !== 'payload' || typeof p.payload !== 'string')
          throw graphError(132012, `button at index ${index}: quick_reply parameters must be {type:"payload", payload:"..."}`);
        out.payload = p.payload;
      }
    } else if (type === 'COPY_CODE') {
      countCheck(`button at index ${index}`, params.length, 1);
      const p = params[0];
      if (!isObject(p) || p.type !== 'coupon_code' || typeof p.coupon_code !== 'string')
        throw graphError(132012, `button at index ${index}: copy_code parameters must be {type:"coupon_code", coupon_code:"..."}`);
      out.code = p.coupon_code;
    } else if (type === 'OTP') {
      countCheck(`button at index ${index}`, params.length, 1);
      const p = params[0];
      if (!isObject(p) || p.type !== 'text' || typeof p.text !== 'string' || charLength(p.text) > OTP_CODE_MAX)
        throw graphError(
          132012,
          `button at index ${index}: the one-time code must be {type:"text", text:"<code of at most ${OTP_CODE_MAX} characters>"}`,
        );
      out.code = p.text;
    } else if (type === 'PHONE_NUMBER') {
      if (params.length > 0) countCheck(`button at index ${index}`, params.length, 0);
      if (typeof b.phone_number === 'string') out.phone_number = b.phone_number;
    }
    rendered.buttons.push(out);
  });
  return { record, rendered };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function collectComponents(raw: unknown): Map<string, SentComponent> {
  const out = new Map<string, SentComponent>();
  if (raw === undefined) return out;
  if (!Array.isArray(raw)) throw invalidParam(`(#100) Param template['components'] must be an array.`);
  raw.forEach((c, i) => {
    const p = `template['components'][${i}]`;
    if (!isObject(c)) throw invalidParam(`(#100) Param ${p} must be a JSON object.`);
    const type = requireString(c, 'type', p).toLowerCase();
    const params = c.parameters === undefined ? [] : c.parameters;
    if (!Array.isArray(params)) throw invalidParam(`(#100) Param ${p}['parameters'] must be an array.`);
    let key = type;
    let subType: string | undefined;
    if (type === 'button') {
      subType = requireString(c, 'sub_type', p).toLowerCase();
      const index = c.index;
      if (index === undefined) throw missing(`The parameter ${p}['index'] is required.`);
      const n = typeof index === 'number' ? index : typeof index === 'string' && /^\d+$/.test(index) ? Number(index) : NaN;
      if (!Number.isInteger(n) || n < 0 || n > 9) throw invalid(`${p}['index'] must be an integer 0-9.`);
      key = `button:${n}`;
    } else if (type !== 'header' && type !== 'body') {
      throw invalid(`${p}['type'] must be one of header, body, button.`);
    }
    if (out.has(key)) throw invalid(`${p}: duplicate ${key.replace(':', ' ')} component.`);
    out.set(key, { type, params, subType });
  });
  return out;
}

function countCheck(where: string, got: number, expected: number): void {
  if (got !== expected)
    throw graphError(132000, `${where}: number of localizable_params (${got}) does not match the expected number of params (${expected})`);
}

/**
 * Text-slot parameters: `text`, `currency` and `date_time` (rendered as their fallback). Named
 * templates need `parameter_name` on each (any order); positional ones map in order.
 */
function textValues(where: string, expected: string[], params: unknown[], named: boolean): Map<string, string> {
  countCheck(where, params.length, expected.length);
  const values = new Map<string, string>();
  params.forEach((p, i) => {
    if (!isObject(p)) throw graphError(132012, `${where}: parameter ${i} must be an object`);
    const value = textOf(p, where, i);
    if (named) {
      const pn = p.parameter_name;
      if (typeof pn !== 'string' || !expected.includes(pn))
        throw graphError(132012, `${where}: parameter ${i} needs a parameter_name among ${expected.join(', ')}`);
      if (values.has(pn)) throw graphError(132012, `${where}: parameter_name ${pn} given twice`);
      values.set(pn, value);
    } else {
      values.set(expected[i]!, value);
    }
  });
  return values;
}

function textOf(p: Json, where: string, i: number): string {
  let value: unknown;
  if (p.type === 'text') value = p.text;
  else if (p.type === 'currency') value = isObject(p.currency) ? p.currency.fallback_value : undefined;
  else if (p.type === 'date_time') value = isObject(p.date_time) ? p.date_time.fallback_value : undefined;
  else throw graphError(132012, `${where}: parameter ${i} has type ${String(p.type)}, expected text, currency or date_time`);
  if (typeof value !== 'string' || value === '') throw missing(`${where}: parameter ${i} (${String(p.type)}) has no value.`);
  // Meta refuses parameter text with new lines, tabs or more than 4 consecutive spaces.
  if (/[\n\t]| {5,}/.test(value))
    throw graphError(132018, `${where}: Param text cannot have new-line/tab characters or more than 4 consecutive spaces.`);
  // Header ≤ 60 / body ≤ 1024 per parameter are library limits, UNCONFIRMED by Meta: the strict choice.
  const max = where === 'header' ? 60 : where === 'body' ? 1024 : undefined;
  if (max !== undefined && charLength(value) > max) throw invalid(`${where}: parameter ${i} is longer than ${max} characters.`);
  return value;
}
