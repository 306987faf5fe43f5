import { Button, Group, Paper, Select, Text, Textarea } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, get, post, put } from '../api/client.ts';
import type { AiMode, AiReply, Conversation } from '../api/types.ts';

// A draft is written by a job a moment after the customer's message, and the live stream has no
// event for it: while one is expected (draft mode, the customer's message newer than the newest
// reply, under a minute old) the list is read again every 1.5 s.
const POLL_MS = 1500;
const EXPECT_FOR_MS = 60_000;

/**
 * The assistant beside the composer (docs/ai.md "Modes"): the conversation's AI mode, and its
 * pending draft, which the agent sends as it is, edits and sends, or discards. Sending goes
 * through the API's decide call, so the 24-hour window and "only one agent sends it" hold here too.
 */
export function AiDrafts({ conversation }: { conversation: Conversation }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const id = conversation.id;
  const mode = useQuery({ queryKey: ['ai-mode', id], queryFn: () => get<AiMode>(`/conversations/${id}/ai/mode`), retry: false });
  const lastCustomer = conversation.last_customer_message_at;
  const replies = useQuery({
    queryKey: ['ai-replies', id],
    queryFn: () => get<{ data: AiReply[] }>(`/conversations/${id}/ai/replies`).then((r) => r.data),
    retry: false,
    enabled: mode.data?.mode === 'draft',
    refetchInterval: (q) => {
      const newest = q.state.data?.[0]?.created_at ?? '';
      const expecting = lastCustomer !== null && lastCustomer > newest && Date.now() - Date.parse(lastCustomer) < EXPECT_FOR_MS;
      return expecting ? POLL_MS : false;
    },
  });
  // A new customer message: look for its draft.
  useEffect(() => {
    if (lastCustomer) void qc.invalidateQueries({ queryKey: ['ai-replies', id] });
  }, [lastCustomer, id, qc]);
  const [editing, setEditing] = useState<{ replyId: string; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (!mode.data) return null;
  const draft = mode.data.mode === 'draft' ? replies.data?.find((r) => r.draft_state === 'pending' && r.answer) : undefined;

  const setMode = async (value: string | null) => {
    setError(null);
    try {
      await put(`/conversations/${id}/ai/mode`, { mode: value === 'number' ? null : value });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
    await qc.invalidateQueries({ queryKey: ['ai-mode', id] });
  };
  const decide = async (reply: AiReply, action: 'accept' | 'edit' | 'discard', text?: string) => {
    setBusy(true);
    setError(null);
    try {
      await post(`/conversations/${id}/ai/replies/${reply.id}/decide`, text === undefined ? { action } : { action, text });
      setEditing(null);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
    await Promise.all([qc.invalidateQueries({ queryKey: ['ai-replies', id] }), qc.invalidateQueries({ queryKey: ['conversation', id] })]);
  };

  const modeValue = mode.data.from === 'conversation' ? mode.data.mode : 'number';
  return (
    <Paper
      px="sm"
      py={6}
      radius={0}
      bg={draft ? 'var(--mantine-color-teal-0)' : undefined}
      style={{ borderTop: '1px solid var(--mantine-color-gray-3)' }}
      data-testid="ai-drafts"
    >
      <Group gap="xs" justify="space-between" wrap="nowrap">
        <Text size="xs" fw={600} c="gray.8">
          {t('ai.title')}
        </Text>
        <Select
          size="xs"
          w={200}
          aria-label={t('ai.mode')}
          data-testid="ai-mode"
          value={modeValue}
          onChange={(v) => void setMode(v)}
          allowDeselect={false}
          data={[
            {
              value: 'number',
              label:
                mode.data.from === 'conversation' ? t('ai.modeNumberPlain') : t('ai.modeNumber', { mode: t(`ai.modes.${mode.data.mode}`) }),
            },
            { value: 'off', label: t('ai.modes.off') },
            { value: 'draft', label: t('ai.modes.draft') },
            { value: 'auto', label: t('ai.modes.auto') },
          ]}
        />
      </Group>
      {draft && (
        <div data-testid="ai-draft" data-reply-id={draft.id} style={{ marginTop: 6 }}>
          <Text size="xs" c="gray.7">
            {t('ai.suggested', { question: draft.question ?? '' })}
          </Text>
          {editing?.replyId === draft.id ? (
            <Textarea
              mt={4}
              autosize
              minRows={2}
              maxRows={6}
              maxLength={4096}
              aria-label={t('ai.editLabel')}
              data-testid="ai-draft-text"
              value={editing.text}
              onChange={(e) => setEditing({ replyId: draft.id, text: e.currentTarget.value })}
            />
          ) : (
            <Text size="sm" mt={4} style={{ whiteSpace: 'pre-wrap' }} data-testid="ai-draft-answer">
              {draft.answer}
            </Text>
          )}
          <Group gap="xs" mt={6}>
            {editing?.replyId === draft.id ? (
              <>
                <Button
                  size="compact-sm"
                  loading={busy}
                  disabled={editing.text.trim() === ''}
                  onClick={() => void decide(draft, 'edit', editing.text)}
                  data-testid="ai-draft-send-edited"
                >
                  {t('ai.sendEdited')}
                </Button>
                <Button size="compact-sm" variant="default" onClick={() => setEditing(null)}>
                  {t('ai.cancel')}
                </Button>
              </>
            ) : (
              <>
                <Button size="compact-sm" loading={busy} onClick={() => void decide(draft, 'accept')} data-testid="ai-draft-accept">
                  {t('ai.send')}
                </Button>
                <Button
                  size="compact-sm"
                  variant="default"
                  onClick={() => setEditing({ replyId: draft.id, text: draft.answer ?? '' })}
                  data-testid="ai-draft-edit"
                >
                  {t('ai.edit')}
                </Button>
                <Button
                  size="compact-sm"
                  variant="default"
                  loading={busy}
                  onClick={() => void decide(draft, 'discard')}
                  data-testid="ai-draft-discard"
                >
                  {t('ai.discard')}
                </Button>
              </>
            )}
          </Group>
        </div>
      )}
      {error && (
        <Text size="xs" c="red.9" role="alert" data-testid="ai-error">
          {error}
        </Text>
      )}
    </Paper>
  );
}
