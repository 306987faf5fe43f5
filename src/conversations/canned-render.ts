/** Variables a canned reply may use; `linked_record.attributes.<key>` reads the linked record's attributes. */
export const CANNED_VARIABLES = [
  'contact.name',
  'contact.phone',
  'contact.wa_id',
  'agent.name',
  'agent.email',
  'conversation.id',
  'linked_record.type',
  'linked_record.id',
  'linked_record.title',
  'linked_record.url',
] as const;

const VARIABLE = /\{\{\s*([\w.-]+)\s*\}\}/g;
const ATTRIBUTE = /^linked_record\.attributes\.[\w-]+$/;

export function isKnownVariable(name: string): boolean {
  return (CANNED_VARIABLES as readonly string[]).includes(name) || ATTRIBUTE.test(name);
}

/** The variable names a text uses, in order of first use. */
export function variablesIn(text: string): string[] {
  return [...new Set([...text.matchAll(VARIABLE)].map((m) => m[1] ?? ''))];
}

/**
 * Fills `{{name}}` from `values`. Pure. `unknown`: names no canned reply may use (the caller
 * refuses); `missing`: known names without a value here, rendered as empty text.
 */
export function renderCanned(
  text: string,
  values: Readonly<Record<string, string | null | undefined>>,
): { text: string; unknown: string[]; missing: string[] } {
  const unknown = new Set<string>();
  const missing = new Set<string>();
  const out = text.replace(VARIABLE, (_whole, name: string) => {
    if (!isKnownVariable(name)) {
      unknown.add(name);
      return '';
    }
    const v = values[name];
    if (v === null || v === undefined || v === '') {
      missing.add(name);
      return '';
    }
    return v;
  });
  return { text: out, unknown: [...unknown], missing: [...missing] };
}
