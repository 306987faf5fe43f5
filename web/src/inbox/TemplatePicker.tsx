import { Alert, Button, Group, Paper, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, get, post } from '../api/client.ts';
import type { Conversation, Template } from '../api/types.ts';
import { WaText } from './wa-format.tsx';

interface Param {
  component: 'header' | 'body';
  name: string;
}

/** The variables a template's header and body text take ({{name}} or {{1}}), in order. */
export function templateParams(tpl: Template): Param[] {
  const out: Param[] = [];
  for (const c of tpl.components) {
    const component = c.type.toLowerCase();
    if ((component !== 'header' && component !== 'body') || !c.text) continue;
    for (const m of c.text.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)) {
      if (!out.some((p) => p.component === component && p.name === m[1])) out.push({ component, name: m[1]! });
    }
  }
  return out;
}

/** The API's `parameters` for these values: named → objects, positional → lists in order. */
function parametersOf(tpl: Template, params: Param[], values: Record<string, string>) {
  const result: Record<string, unknown> = {};
  for (const component of ['header', 'body'] as const) {
    const mine = params.filter((p) => p.component === component);
    if (!mine.length) continue;
    if (component === 'header') result.header = values[`header.${mine[0]!.name}`] ?? '';
    else if (tpl.parameter_format === 'positional') result.body = mine.map((p) => values[`body.${p.name}`] ?? '');
    else result.body = Object.fromEntries(mine.map((p) => [p.name, values[`body.${p.name}`] ?? '']));
  }
  return result;
}

interface Preview {
  header: string | null;
  body: string | null;
  footer: string | null;
  text: string;
}

interface Estimate {
  category: string;
  price: number;
  currency: string;
  free: boolean;
  free_reason: string | null;
}

/**
 * Outside the 24-hour window only an approved template may be sent: pick one, fill its
 * parameters (checked by the API as they are typed: the error shows under the field it names),
 * see the message as the customer will and what it costs, and send.
 */
export function TemplatePicker({ conversation, onSent }: { conversation: Conversation; onSent: () => void }) {
  const { t, i18n } = useTranslation();
  const templates = useQuery({
    queryKey: ['templates', 'approved'],
    queryFn: () => get<{ data: Template[] }>('/templates?status=APPROVED').then((r) => r.data.filter((x) => x.status === 'APPROVED')),
  });
  const [id, setId] = useState<string | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [sendError, setSendError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const tpl = templates.data?.find((x) => x.id === id);
  const params = useMemo(() => (tpl ? templateParams(tpl) : []), [tpl]);
  const parameters = tpl ? parametersOf(tpl, params, values) : {};
  const [debounced] = useDebouncedValue(JSON.stringify(parameters), 250);

  const preview = useQuery({
    queryKey: ['template-preview', id, debounced],
    enabled: !!tpl,
    retry: false,
    queryFn: () => post<Preview>(`/templates/${id}/preview`, { parameters: JSON.parse(debounced) }),
    placeholderData: (prev) => prev,
  });
  const estimate = useQuery({
    queryKey: ['cost', id, conversation.contact.id],
    enabled: !!tpl,
    queryFn: () => post<Estimate>('/costs/estimate', { template: id, contact_id: conversation.contact.id }),
  });
  const previewError = preview.error instanceof ApiError ? preview.error : null;
  const fieldError = (p: Param) => {
    const e = sendError ?? previewError;
    if (!e?.details) return undefined;
    const comp = e.details.component;
    const named = e.details.parameter ?? (Array.isArray(e.details.missing) ? e.details.missing[0] : undefined);
    return comp === p.component && (named === p.name || String(named) === p.name) && (sendError || Object.values(values).some(Boolean))
      ? e.message
      : undefined;
  };

  const send = async () => {
    if (!tpl) return;
    setBusy(true);
    setSendError(null);
    try {
      await post(`/conversations/${conversation.id}/templates`, { template: tpl.id, parameters });
      setValues({});
      setId(null);
      onSent();
    } catch (err) {
      setSendError(err instanceof ApiError ? err : new ApiError(0, 'error', String(err)));
    } finally {
      setBusy(false);
    }
  };

  const price = estimate.data
    ? estimate.data.free
      ? t('composer.costFree', { reason: estimate.data.free_reason ?? '' })
      : t('composer.cost', {
          price: new Intl.NumberFormat(i18n.resolvedLanguage, { style: 'currency', currency: estimate.data.currency }).format(
            estimate.data.price,
          ),
          category: estimate.data.category,
        })
    : null;

  return (
    <Stack gap="xs" data-testid="template-picker">
      <Alert color="orange" variant="light" p="xs" data-testid="window-closed-note">
        <Text size="sm" c="#8a3c00">
          {t('composer.windowClosed')}
        </Text>
      </Alert>
      <Select
        label={t('composer.pickTemplate')}
        placeholder={t('composer.chooseTemplate')}
        data={(templates.data ?? []).map((x) => ({ value: x.id, label: `${x.name} (${x.language}, ${x.category})` }))}
        value={id}
        onChange={(v) => {
          setId(v);
          setValues({});
          setSendError(null);
        }}
        searchable
        data-testid="template-select"
        error={templates.error ? templates.error.message : undefined}
      />
      {tpl && (
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="xs">
          <Stack gap={4}>
            {params.map((p) => (
              <TextInput
                key={`${p.component}.${p.name}`}
                size="xs"
                label={t('composer.parameter', { component: p.component, name: p.name })}
                value={values[`${p.component}.${p.name}`] ?? ''}
                onChange={(e) => setValues({ ...values, [`${p.component}.${p.name}`]: e.currentTarget.value })}
                error={fieldError(p)}
                data-testid={`param-${p.component}-${p.name}`}
              />
            ))}
          </Stack>
          <Paper withBorder p="xs" bg="#efeae2" aria-label={t('composer.preview')} data-testid="template-preview">
            <div className="bubble out" style={{ maxWidth: '100%' }}>
              {preview.data?.header && <Text fw={700}>{preview.data.header}</Text>}
              <WaText
                text={
                  preview.data && !previewError
                    ? (preview.data.body ?? '')
                    : (tpl.components.find((c) => c.type === 'BODY')?.text ?? '').replace(
                        /\{\{\s*(\w+)\s*\}\}/g,
                        (whole, name: string) => values[`body.${name}`] || whole,
                      )
                }
              />
              {preview.data?.footer && (
                <Text size="xs" c="gray.7">
                  {preview.data.footer}
                </Text>
              )}
            </div>
          </Paper>
        </SimpleGrid>
      )}
      {sendError && !params.some((p) => fieldError(p)) && (
        <Text size="sm" c="red.9" role="alert">
          {sendError.message}
        </Text>
      )}
      <Group justify="space-between">
        <Text size="sm" c="gray.8" data-testid="template-cost">
          {price}
        </Text>
        <Button onClick={() => void send()} disabled={!tpl} loading={busy} data-testid="template-send">
          {t('composer.sendTemplate')}
        </Button>
      </Group>
    </Stack>
  );
}
