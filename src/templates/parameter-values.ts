import { isRecord } from './lint-text.ts';

/** A text-slot value as the Graph API takes it, plus the text the customer sees. */
export interface TextSlot {
  graph: Record<string, unknown>;
  shown: string;
}

/** Why send parameters do not fit a template (each is a 422 of that code over HTTP). */
export type ParameterReason =
  | 'template_params_invalid'
  | 'template_param_unexpected'
  | 'template_param_missing'
  | 'template_param_type'
  | 'template_param_too_long'
  | 'template_param_invalid';

/**
 * A parameter that does not fit, raised deep in the checks and caught by resolveParameters, which
 * returns it as `{ok: false, reason, message, details}`: it never leaves this folder as an exception.
 */
export class ParameterProblem extends Error {
  constructor(
    readonly reason: ParameterReason,
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const paramError = (reason: ParameterReason, message: string, details: Record<string, unknown>): ParameterProblem =>
  new ParameterProblem(reason, message, details);

/**
 * One text variable's value: a plain string, `{type:'text', text}`, a currency
 * `{type:'currency', currency:{fallback_value, code, amount_1000}}` or a date
 * `{type:'date_time', date_time:{fallback_value}}` (the `type` may be left out when the key says it).
 * `allow` lists the types the slot takes (headers take text only).
 */
export function readTextValue(
  raw: unknown,
  where: { component: string; parameter: string },
  maxLength: number,
  allow: ReadonlyArray<'text' | 'currency' | 'date_time'>,
): TextSlot {
  const label = `${where.component} parameter ${where.parameter}`;
  const kind =
    typeof raw === 'string'
      ? 'text'
      : isRecord(raw)
        ? typeof raw.type === 'string'
          ? raw.type
          : 'currency' in raw
            ? 'currency'
            : 'date_time' in raw
              ? 'date_time'
              : 'text' in raw
                ? 'text'
                : ''
        : '';
  if (kind === '' || !(allow as readonly string[]).includes(kind)) {
    throw paramError(
      'template_param_type',
      `${label} must be ${allow.map((a) => (a === 'text' ? 'a string' : `a ${a} object`)).join(' or ')}; got ${describe(raw)}.`,
      { ...where, expected: allow },
    );
  }
  if (kind === 'text') {
    const text = typeof raw === 'string' ? raw : isRecord(raw) ? raw.text : undefined;
    if (typeof text !== 'string')
      throw paramError('template_param_type', `${label}: text must be a string.`, { ...where, expected: ['text'] });
    checkText(text, label, where, maxLength);
    return { graph: { type: 'text', text }, shown: text };
  }
  const obj = isRecord(raw) ? raw[kind] : undefined;
  if (!isRecord(obj))
    throw paramError('template_param_type', `${label}: a ${kind} value needs a "${kind}" object.`, { ...where, expected: [kind] });
  const fallback = obj.fallback_value;
  if (typeof fallback !== 'string')
    throw paramError('template_param_type', `${label}: ${kind}.fallback_value must be a string.`, { ...where, field: 'fallback_value' });
  checkText(fallback, label, where, maxLength);
  if (kind === 'currency') {
    if (typeof obj.code !== 'string' || !/^[A-Z]{3}$/.test(obj.code))
      throw paramError('template_param_type', `${label}: currency.code must be an ISO 4217 code such as MXN or USD.`, {
        ...where,
        field: 'code',
      });
    if (typeof obj.amount_1000 !== 'number' || !Number.isSafeInteger(obj.amount_1000)) {
      throw paramError(
        'template_param_type',
        `${label}: currency.amount_1000 must be a whole number (the amount times 1000: 100990 for 100.99).`,
        { ...where, field: 'amount_1000' },
      );
    }
    return {
      graph: { type: 'currency', currency: { fallback_value: fallback, code: obj.code, amount_1000: obj.amount_1000 } },
      shown: fallback,
    };
  }
  return { graph: { type: 'date_time', date_time: { fallback_value: fallback } }, shown: fallback };
}

/** Meta refuses empty values (132000-like), new lines, tabs and more than 4 spaces in a row (132018). */
export function checkText(text: string, label: string, where: Record<string, unknown>, maxLength: number): void {
  if (text.trim() === '') throw paramError('template_param_missing', `${label} is empty.`, where);
  const length = [...text].length;
  if (length > maxLength)
    throw paramError('template_param_too_long', `${label} is ${length} characters; at most ${maxLength} are allowed.`, {
      ...where,
      max_length: maxLength,
      length,
    });
  if (/[\n\t]| {5,}/.test(text))
    throw paramError('template_param_invalid', `${label} cannot contain new lines, tabs or more than 4 spaces in a row.`, where);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (isRecord(v)) return typeof v.type === 'string' ? `type "${v.type}"` : 'an object';
  return typeof v;
}
