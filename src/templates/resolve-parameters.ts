import { isRecord } from './lint-text.ts';
import { MAX_COPY_CODE } from './lint-buttons.ts';
import {
  describe,
  paramError,
  ParameterProblem,
  readTextValue,
  checkText,
  type ParameterReason,
  type TextSlot,
} from './parameter-values.ts';
import { componentOf, type TemplateComponent } from './template-types.ts';
import { authenticationText, OTP_CODE_MAX, otpButtonLabel } from '../channels/whatsapp-cloud/index.ts';
import { substitute, scanVariables, variableNames } from '../channels/whatsapp-cloud/index.ts';

/** What the customer sees, component by component, and all of it as one text. */
export interface RenderedTemplate {
  header: string | null;
  header_media:
    | { type: string; id?: string; link?: string; filename?: string }
    | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string }
    | null;
  body: string;
  footer: string | null;
  buttons: Array<{ index: number; type: string; text: string; url?: string; phone_number?: string; code?: string; payload?: string }>;
  text: string;
}

export interface ResolvedTemplate {
  /** The Graph `template.components` of the send request. */
  components: unknown[];
  rendered: RenderedTemplate;
}

/** Parameters that do not fit the template: `reason` names what (a 422 of that code over HTTP), `details` where. */
export interface ParameterRefusal {
  ok: false;
  reason: ParameterReason;
  message: string;
  details: Record<string, unknown>;
}

// Meta's limits on parameter values (reference §5.2): header 60, body 1024.
const HEADER_PARAM_MAX = 60;
const BODY_PARAM_MAX = 1024;
const PAYLOAD_MAX = 256;
const MEDIA = ['IMAGE', 'VIDEO', 'DOCUMENT'];

/**
 * Checks send parameters against a template and builds the Graph components, so a mistake is a
 * clear refusal here (a 422 over HTTP) instead of Meta's 132000/132012. Parameters:
 * `{header?, body?: [..] | {name: value}, buttons?: {"<index>": value} | [..]}`.
 */
export function resolveParameters(
  template: { parameter_format: string; category?: string; components: TemplateComponent[] },
  input: unknown,
): ({ ok: true } & ResolvedTemplate) | ParameterRefusal {
  try {
    return { ok: true, ...resolveOrThrow(template, input) };
  } catch (err) {
    if (err instanceof ParameterProblem) return { ok: false, reason: err.reason, message: err.message, details: err.details };
    throw err;
  }
}

function resolveOrThrow(
  template: { parameter_format: string; category?: string; components: TemplateComponent[] },
  input: unknown,
): ResolvedTemplate {
  const params = input === undefined || input === null ? {} : input;
  if (!isRecord(params))
    throw paramError('template_params_invalid', 'parameters must be an object: {header?, body?, buttons?}.', { got: describe(input) });
  for (const key of Object.keys(params)) {
    if (!['header', 'body', 'buttons'].includes(key))
      throw paramError('template_param_unexpected', `Unknown parameters key "${key}"; use header, body and buttons.`, { component: key });
  }
  const named = template.parameter_format === 'named';
  const components: unknown[] = [];
  const rendered: RenderedTemplate = { header: null, header_media: null, body: '', footer: null, buttons: [], text: '' };

  const header = componentOf(template, 'HEADER');
  resolveHeader(header, params.header, named, components, rendered);

  const body = componentOf(template, 'BODY');
  // Authentication templates carry Meta's preset body (the code, at most 15 characters, is its one
  // parameter; Meta localises the wording, we show English) and an expiry footer.
  const auth = template.category === 'AUTHENTICATION';
  const preset = auth ? authenticationText(template.components) : undefined;
  const bodyText = body?.text ?? preset?.body ?? '';
  const bodyMax = preset && body?.text === undefined ? OTP_CODE_MAX : BODY_PARAM_MAX;
  const bodySlots = resolveTextSlots(
    'body',
    variableNames(bodyText),
    params.body,
    named,
    bodyMax,
    auth ? ['text'] : ['text', 'currency', 'date_time'],
  );
  if (bodySlots.size > 0) components.push({ type: 'body', parameters: graphParams(bodySlots, named) });
  rendered.body = substitute(bodyText, shown(bodySlots));
  rendered.footer = componentOf(template, 'FOOTER')?.text ?? preset?.footer ?? null;

  // Meta shows the body's code and copies or autofills the button's: they must be the same code.
  const authCode = auth ? bodySlots.get('1')?.shown : undefined;
  resolveButtons(componentOf(template, 'BUTTONS')?.buttons ?? [], params.buttons, components, rendered, authCode);
  rendered.text = [
    rendered.header,
    rendered.body,
    rendered.footer,
    ...rendered.buttons.map(
      (b) => `[${b.text}]${b.url ? ` ${b.url}` : b.phone_number ? ` ${b.phone_number}` : b.code ? ` ${b.code}` : ''}`,
    ),
  ]
    .filter((s): s is string => typeof s === 'string' && s !== '')
    .join('\n');
  return { components, rendered };
}

function resolveHeader(
  header: TemplateComponent | undefined,
  raw: unknown,
  named: boolean,
  components: unknown[],
  rendered: RenderedTemplate,
): void {
  const format = (header?.format ?? 'TEXT').toUpperCase();
  if (!header || format === 'TEXT') {
    const names = variableNames(header?.text);
    const values = names.length === 1 && raw !== undefined && !(named && isRecord(raw) && names[0]! in raw) ? { [names[0]!]: raw } : raw;
    const slots = resolveTextSlots('header', names, values, named, HEADER_PARAM_MAX, ['text']);
    if (slots.size > 0) components.push({ type: 'header', parameters: graphParams(slots, named) });
    rendered.header = header?.text !== undefined ? substitute(header.text, shown(slots)) : null;
    return;
  }
  const where = { component: 'header', parameter: format.toLowerCase() };
  if (raw === undefined || raw === null)
    throw paramError(
      'template_param_missing',
      `This template has a ${format} header: give parameters.header (${format === 'LOCATION' ? '{latitude, longitude, name?, address?}' : '{id} or {link}'}).`,
      where,
    );
  if (!isRecord(raw))
    throw paramError('template_param_type', `parameters.header must be an object for a ${format} header; got ${describe(raw)}.`, where);
  if (format === 'LOCATION') {
    const loc = isRecord(raw.location) ? raw.location : raw;
    const lat = Number(loc.latitude);
    const lon = Number(loc.longitude);
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      throw paramError('template_param_type', 'A location header needs numeric latitude (-90..90) and longitude (-180..180).', where);
    }
    const location: Record<string, unknown> = { latitude: String(lat), longitude: String(lon) };
    if (typeof loc.name === 'string') location.name = loc.name;
    if (typeof loc.address === 'string') location.address = loc.address;
    components.push({ type: 'header', parameters: [{ type: 'location', location }] });
    rendered.header_media = {
      type: 'location',
      latitude: lat,
      longitude: lon,
      ...(typeof loc.name === 'string' ? { name: loc.name } : {}),
      ...(typeof loc.address === 'string' ? { address: loc.address } : {}),
    };
    rendered.header = `[location] ${typeof loc.name === 'string' ? loc.name : `${lat},${lon}`}`;
    return;
  }
  if (!MEDIA.includes(format)) throw paramError('template_param_type', `Header format ${format} cannot be sent.`, where);
  const kind = format.toLowerCase();
  const given =
    typeof raw.type === 'string' ? raw.type.toLowerCase() : Object.keys(raw).find((k) => ['image', 'video', 'document'].includes(k));
  if (given !== undefined && given !== kind)
    throw paramError('template_param_type', `The header is ${format}; got a ${given} parameter.`, { ...where, expected: kind });
  const media = isRecord(raw[kind]) ? raw[kind] : raw;
  const id = typeof media.id === 'string' && media.id !== '' ? media.id : undefined;
  const link = typeof media.link === 'string' && media.link !== '' ? media.link : undefined;
  if ((id === undefined) === (link === undefined))
    throw paramError(
      'template_param_missing',
      `The ${format} header needs exactly one of id (an uploaded media id) or link (an https URL).`,
      where,
    );
  if (link !== undefined && !/^https?:\/\/[^\s]+$/.test(link))
    throw paramError('template_param_type', 'The header media link must be an http(s) URL.', { ...where, field: 'link' });
  const obj: Record<string, string> = id ? { id } : { link: link! };
  if (kind === 'document' && typeof media.filename === 'string') obj.filename = media.filename;
  components.push({ type: 'header', parameters: [{ type: kind, [kind]: obj }] });
  rendered.header_media = { type: kind, ...obj };
  rendered.header = `[${kind}]${obj.filename ? ` ${obj.filename}` : ''}`;
}

/** Values for the named or numbered variables of one text, with missing/extra checks. */
function resolveTextSlots(
  component: string,
  names: string[],
  raw: unknown,
  named: boolean,
  max: number,
  allow: ReadonlyArray<'text' | 'currency' | 'date_time'>,
): Map<string, TextSlot> {
  const slots = new Map<string, TextSlot>();
  if (names.length === 0) {
    const empty =
      raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0) || (isRecord(raw) && Object.keys(raw).length === 0);
    if (!empty)
      throw paramError(
        'template_param_unexpected',
        `The template's ${component} has no variables, but parameters.${component} was given.`,
        { component },
      );
    return slots;
  }
  let byName: Record<string, unknown>;
  if (Array.isArray(raw)) {
    if (named)
      throw paramError(
        'template_params_invalid',
        `This template uses named parameters: give parameters.${component} as an object {${names.join(', ')}}.`,
        { component, expected: names },
      );
    byName = Object.fromEntries(raw.map((v, i) => [String(i + 1), v]));
  } else if (isRecord(raw)) byName = raw;
  else if (raw === undefined || raw === null) byName = {};
  else
    throw paramError(
      'template_params_invalid',
      `parameters.${component} must be ${named ? 'an object of named values' : 'a list (or an object keyed "1", "2"...)'}.`,
      { component },
    );
  for (const key of Object.keys(byName)) {
    if (!names.includes(key))
      throw paramError(
        'template_param_unexpected',
        `The template's ${component} has no variable ${key}; it has ${names.map((n) => `{{${n}}}`).join(', ')}.`,
        { component, parameter: key, expected: names },
      );
  }
  const missing = names.filter((n) => byName[n] === undefined || byName[n] === null);
  if (missing.length > 0) {
    throw paramError('template_param_missing', `Missing ${component} parameter(s): ${missing.map((n) => `{{${n}}}`).join(', ')}.`, {
      component,
      parameter: missing[0],
      missing,
    });
  }
  for (const n of names) slots.set(n, readTextValue(byName[n], { component, parameter: n }, max, allow));
  return slots;
}

function graphParams(slots: Map<string, TextSlot>, named: boolean): unknown[] {
  // Positional parameters go in variable-number order; named ones carry parameter_name.
  const order = named ? [...slots.keys()] : [...slots.keys()].sort((a, b) => Number(a) - Number(b));
  return order.map((n) => (named ? { ...slots.get(n)!.graph, parameter_name: n } : slots.get(n)!.graph));
}

function shown(slots: Map<string, TextSlot>): Map<string, string> {
  return new Map([...slots].map(([k, v]) => [k, v.shown]));
}

function resolveButtons(
  buttons: TemplateComponent['buttons'] & object,
  raw: unknown,
  components: unknown[],
  rendered: RenderedTemplate,
  authCode: string | undefined,
): void {
  let byIndex: Record<string, unknown> = {};
  if (Array.isArray(raw)) byIndex = Object.fromEntries(raw.map((v, i) => [String(i), v]).filter(([, v]) => v !== null && v !== undefined));
  else if (isRecord(raw)) byIndex = raw;
  else if (raw !== undefined && raw !== null)
    throw paramError('template_params_invalid', 'parameters.buttons must be an object keyed by button index ({"0": "value"}) or a list.', {
      component: 'buttons',
    });
  for (const key of Object.keys(byIndex)) {
    if (!/^\d+$/.test(key) || !buttons[Number(key)])
      throw paramError('template_param_unexpected', `There is no button at index ${key}; the template has ${buttons.length} button(s).`, {
        component: 'buttons',
        parameter: key,
      });
  }
  buttons.forEach((b, index) => {
    const type = b.type.toUpperCase();
    const value = byIndex[String(index)];
    const where = { component: `buttons[${index}]`, parameter: type === 'URL' ? '1' : type.toLowerCase() };
    const out: RenderedTemplate['buttons'][number] = {
      index,
      type,
      text: type === 'OTP' ? otpButtonLabel(b) : (b.text ?? (type === 'COPY_CODE' ? 'Copy code' : type)),
    };
    const asString = (label: string, max: number): string => {
      if (typeof value !== 'string') throw paramError('template_param_type', `${label} must be a string; got ${describe(value)}.`, where);
      checkText(value, label, where, max);
      return value;
    };
    if (type === 'URL' && typeof b.url === 'string') {
      const vars = scanVariables(b.url).vars;
      if (vars.length === 0) {
        if (value !== undefined)
          throw paramError('template_param_unexpected', `Button ${index} (URL) has a fixed URL and takes no parameter.`, where);
        out.url = b.url;
      } else {
        if (value === undefined)
          throw paramError(
            'template_param_missing',
            `Button ${index} (URL ${b.url}) needs its URL suffix value in parameters.buttons["${index}"].`,
            where,
          );
        const base = b.url.slice(0, vars[0]!.start);
        const suffix = asString(`Button ${index} URL suffix`, 2000 - [...base].length);
        if (/\s/.test(suffix))
          throw paramError('template_param_invalid', `Button ${index} URL suffix cannot contain spaces; percent-encode them.`, where);
        out.url = base + suffix;
        components.push({ type: 'button', sub_type: 'url', index: String(index), parameters: [{ type: 'text', text: suffix }] });
      }
    } else if (type === 'COPY_CODE') {
      if (value === undefined)
        throw paramError('template_param_missing', `Button ${index} (copy code) needs the code in parameters.buttons["${index}"].`, where);
      out.code = asString(`Button ${index} code`, MAX_COPY_CODE);
      components.push({
        type: 'button',
        sub_type: 'copy_code',
        index: String(index),
        parameters: [{ type: 'coupon_code', coupon_code: out.code }],
      });
    } else if (type === 'OTP') {
      // Authentication templates: the code travels as a `url` button parameter (Meta's format).
      if (value === undefined)
        throw paramError(
          'template_param_missing',
          `Button ${index} (one-time code) needs the code in parameters.buttons["${index}"].`,
          where,
        );
      out.code = asString(`Button ${index} one-time code`, OTP_CODE_MAX);
      if (authCode !== undefined && out.code !== authCode) {
        throw paramError(
          'template_param_invalid',
          `Button ${index} one-time code must be the body's code (${authCode}): the customer reads one and copies or autofills the other.`,
          { ...where, expected: 'the body code' },
        );
      }
      components.push({ type: 'button', sub_type: 'url', index: String(index), parameters: [{ type: 'text', text: out.code }] });
    } else if (type === 'QUICK_REPLY') {
      // Optional payload, echoed when the customer taps (e.g. "continue" / "cancel" for a flow).
      if (value !== undefined) {
        out.payload = asString(`Button ${index} payload`, PAYLOAD_MAX);
        components.push({
          type: 'button',
          sub_type: 'quick_reply',
          index: String(index),
          parameters: [{ type: 'payload', payload: out.payload }],
        });
      }
    } else if (type === 'FLOW') {
      if (value !== undefined) {
        const token = asString(`Button ${index} flow_token`, PAYLOAD_MAX);
        components.push({
          type: 'button',
          sub_type: 'flow',
          index: String(index),
          parameters: [{ type: 'action', action: { flow_token: token } }],
        });
      }
    } else {
      if (value !== undefined) throw paramError('template_param_unexpected', `Button ${index} (${type}) takes no parameter.`, where);
      if (type === 'PHONE_NUMBER' && typeof b.phone_number === 'string') out.phone_number = b.phone_number;
    }
    rendered.buttons.push(out);
  });
}
