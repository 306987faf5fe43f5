import { hasErrors, lintTemplate } from './lint-template.ts';
import { isRecord } from './lint-text.ts';
import { canonicalLanguage } from '../channels/whatsapp-cloud/index.ts';
import type { LintFinding, TemplateComponent } from './template-types.ts';

export interface TemplateFields {
  name: string;
  language: string;
  category: string;
  parameter_format: 'positional' | 'named';
  components: TemplateComponent[];
}

export type TemplateFieldsResult =
  | { ok: true; fields: TemplateFields; findings: LintFinding[] }
  | { ok: false; reason: 'not_a_template'; message: string }
  | { ok: false; reason: 'template_lint_failed'; message: string; findings: LintFinding[] };

/**
 * A create or edited template body -> normalised fields, after lint: any lint error refuses it
 * (`template_lint_failed`, with every finding), so nothing Meta would reject is stored as a draft.
 */
export function parseTemplateFields(raw: unknown): TemplateFieldsResult {
  if (!isRecord(raw))
    return {
      ok: false,
      reason: 'not_a_template',
      message: 'The body must be a JSON template: {name, language, category, parameter_format?, components}.',
    };
  const findings = lintTemplate(raw);
  if (hasErrors(findings)) {
    return {
      ok: false,
      reason: 'template_lint_failed',
      message: `The template would be rejected: ${findings
        .filter((f) => f.severity === 'error')
        .map((f) => f.message)
        .join(' ')}`,
      findings,
    };
  }
  // Lint passed, so these fields have the right types.
  const fields: TemplateFields = {
    name: String(raw.name),
    language: canonicalLanguage(String(raw.language)) ?? String(raw.language),
    category: String(raw.category).toUpperCase(),
    parameter_format: typeof raw.parameter_format === 'string' && raw.parameter_format.toLowerCase() === 'named' ? 'named' : 'positional',
    components: Array.isArray(raw.components) ? raw.components.filter(isRecord).map(toComponent) : [],
  };
  return { ok: true, fields, findings };
}

function toComponent(c: Record<string, unknown>): TemplateComponent {
  // Kept as given (Meta's create shape), with the type upper-cased for lookups.
  return { ...c, type: String(c.type).toUpperCase() };
}

/** What Graph's create endpoint takes. */
export function createRequest(f: TemplateFields) {
  return {
    name: f.name,
    language: f.language,
    category: f.category,
    parameter_format: f.parameter_format.toUpperCase(),
    components: f.components,
  };
}
