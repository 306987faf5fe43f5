import { Button, Group, MultiSelect, NumberInput, PasswordInput, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';

export interface FieldSpec {
  name: string;
  label: string;
  kind?: 'text' | 'email' | 'password' | 'textarea' | 'number' | 'select' | 'multi';
  options?: { value: string; label: string }[];
  required?: boolean;
  initial?: unknown;
}

/** Which field an API error is about: `details.field`, else the field its code names (invalid_email, url_required, shortcut_taken…). */
export function fieldOf(err: ApiError, fields: readonly string[]): string | undefined {
  if (err.field && fields.includes(err.field)) return err.field;
  return [...fields].sort((a, b) => b.length - a.length).find((f) => err.code.includes(f));
}

/**
 * A create form whose checks are the API's: it sends what was typed and shows the API's error
 * message next to the field it names (or under the form when it names none).
 */
export function ApiForm(props: {
  fields: FieldSpec[];
  submitLabel: string;
  onSubmit: (values: Record<string, unknown>) => Promise<unknown>;
  testId?: string;
}) {
  const { t } = useTranslation();
  const initial = () =>
    Object.fromEntries(props.fields.map((f) => [f.name, f.initial ?? (f.kind === 'multi' ? [] : f.kind === 'number' ? '' : '')]));
  const [values, setValues] = useState<Record<string, unknown>>(initial);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const names = props.fields.map((f) => f.name);
  const errField = error ? fieldOf(error, names) : undefined;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '' && v !== undefined));
      await props.onSubmit(body);
      setValues(initial());
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'error', String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} data-testid={props.testId} noValidate>
      <Stack gap="xs">
        <Group align="flex-start" gap="xs" grow preventGrowOverflow={false} wrap="wrap">
          {props.fields.map((f) => {
            const common = { label: f.label, error: errField === f.name ? error?.message : undefined, name: f.name, miw: 160 };
            const set = (v: unknown) => setValues((prev) => ({ ...prev, [f.name]: v }));
            if (f.kind === 'select')
              return (
                <Select
                  key={f.name}
                  {...common}
                  data={f.options ?? []}
                  value={(values[f.name] as string) || null}
                  onChange={(v) => set(v ?? '')}
                />
              );
            if (f.kind === 'multi')
              return <MultiSelect key={f.name} {...common} data={f.options ?? []} value={values[f.name] as string[]} onChange={set} />;
            if (f.kind === 'number')
              return (
                <NumberInput
                  key={f.name}
                  {...common}
                  value={values[f.name] as number | string}
                  onChange={(v) => set(v === '' ? '' : Number(v))}
                />
              );
            if (f.kind === 'password')
              return (
                <PasswordInput
                  key={f.name}
                  {...common}
                  value={values[f.name] as string}
                  onChange={(e) => set(e.currentTarget.value)}
                  autoComplete="new-password"
                />
              );
            if (f.kind === 'textarea')
              return (
                <Textarea
                  key={f.name}
                  {...common}
                  value={values[f.name] as string}
                  onChange={(e) => set(e.currentTarget.value)}
                  autosize
                  minRows={2}
                />
              );
            return (
              <TextInput
                key={f.name}
                {...common}
                type={f.kind === 'email' ? 'email' : 'text'}
                value={values[f.name] as string}
                onChange={(e) => set(e.currentTarget.value)}
              />
            );
          })}
        </Group>
        {error && !errField && (
          <Text c="red.9" size="sm" role="alert">
            {error.message}
          </Text>
        )}
        <Group>
          <Button type="submit" loading={busy}>
            {props.submitLabel || t('settings.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
