import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** The published JSON Schema (schemas/flow.schema.json), read once, compiled once. */
export const flowSchema: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../../schemas/flow.schema.json', import.meta.url), 'utf8'),
);

let compiled: ValidateFunction | undefined;

export function schemaErrors(doc: unknown): ErrorObject[] {
  compiled ??= new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(flowSchema);
  return compiled(doc) ? [] : [...(compiled.errors ?? [])];
}
