/**
 * The CLI's `--param` values as a broadcast's parameter spec (docs/broadcasts.md): in order, one
 * per template variable.
 *   column:<csv column>          the recipient's CSV cell
 *   contact:<field>[=<fallback>] a contact field (name, profile_name, phone, bsuid, attributes.<key>)
 *   text:<value>                 a fixed value (any other value is fixed too)
 *   <name>=<one of the above>    a named parameter ({{customer_name}} templates)
 */
export type ParamSpec = string | { column: string } | { contact: string; fallback?: string };

export function paramSpec(value: string): ParamSpec {
  if (value.startsWith('column:')) return { column: value.slice('column:'.length) };
  if (value.startsWith('contact:')) {
    const rest = value.slice('contact:'.length);
    const eq = rest.indexOf('=');
    return eq < 0 ? { contact: rest } : { contact: rest.slice(0, eq), fallback: rest.slice(eq + 1) };
  }
  if (value.startsWith('text:')) return value.slice('text:'.length);
  return value;
}

const NAMED = /^([a-z_][a-z0-9_]*)=(.*)$/;

/** Positional values become a list; `name=...` values an object (a template uses one or the other). */
export function paramList(values: readonly string[]): ParamSpec[] | Record<string, ParamSpec> {
  const named = values.map((v) => (/^(column|contact|text):/.test(v) ? null : NAMED.exec(v)));
  if (named.length > 0 && named.every((m) => m !== null))
    return Object.fromEntries(named.map((m) => [m?.[1] ?? '', paramSpec(m?.[2] ?? '')]));
  return values.map(paramSpec);
}
