import { ActionIcon, Button, FileButton, Group, Paper, Popover, SegmentedControl, Stack, Text, Textarea } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, post } from '../api/client.ts';
import type { CannedReply, ChannelCapabilities, Conversation, User } from '../api/types.ts';
import { windowState } from './format.ts';
import { patchLists } from './live-cache.ts';
import { useCanned, useUsers } from './queries.ts';
import { useReplyTo } from './reply-context.ts';
import { TemplatePicker } from './TemplatePicker.tsx';

// The types a message of each kind takes (both channels take WhatsApp's); the sizes are the
// channel's own, from the conversation (capabilities.upload_limits): Telegram takes larger files.
const MEDIA_TYPES: { kind: keyof ChannelCapabilities['upload_limits']; types: RegExp }[] = [
  { kind: 'image', types: /^image\/(jpeg|png)$/ },
  { kind: 'sticker', types: /^image\/webp$/ },
  { kind: 'video', types: /^video\/(mp4|3gpp)$/ },
  { kind: 'audio', types: /^audio\/(aac|amr|mpeg|mp4|ogg)$/ },
  { kind: 'document', types: /^(application|text)\// },
];
const MB = 1024 * 1024;

// The emoji picker's set: the ones agents reach for most (WhatsApp's own frequently used row and more).
const EMOJI = [
  '😀',
  '😂',
  '😊',
  '😍',
  '😉',
  '😎',
  '🤔',
  '😅',
  '😢',
  '😮',
  '🙏',
  '👍',
  '👎',
  '👌',
  '👋',
  '👏',
  '🙌',
  '💪',
  '❤️',
  '🎉',
  '✅',
  '❌',
  '⚠️',
  '⭐',
  '🔥',
  '✨',
  '📅',
  '⏰',
  '📞',
  '📍',
  '📦',
  '🚚',
  '💳',
  '💬',
  '📄',
  '🔧',
];

/**
 * Reply (free-form text, attachments, canned replies with `/`), or internal note with @mentions; a
 * template picker when the window is closed (only on a channel with one: windowState).
 */
export function Composer({ conversation, me }: { conversation: Conversation; me: User }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const { replyTo, setReplyTo } = useReplyTo();
  const canned = useCanned();
  const users = useUsers();
  const w = windowState(conversation);

  const slash = mode === 'reply' && text.startsWith('/') ? text.slice(1).toLowerCase() : null;
  const cannedMatches = slash === null ? [] : (canned.data ?? []).filter((c) => c.shortcut.toLowerCase().startsWith(slash)).slice(0, 6);
  const at = mode === 'note' ? /@([^\s@]*)$/.exec(text) : null;
  const mentionMatches = at
    ? (users.data ?? [])
        .filter((u) => u.id !== me.id && (u.name.toLowerCase().includes(at[1]!.toLowerCase()) || u.email.startsWith(at[1]!.toLowerCase())))
        .slice(0, 6)
    : [];

  const refresh = () =>
    Promise.all([qc.invalidateQueries({ queryKey: ['conversation', conversation.id] }), patchLists(qc, conversation.id, me.id)]);
  const [emojiOpen, setEmojiOpen] = useState(false);
  const insertEmoji = (emoji: string) => {
    const el = box.current;
    const from = el ? el.selectionStart : text.length;
    const end = el ? el.selectionEnd : text.length;
    setText(text.slice(0, from) + emoji + text.slice(end));
    setEmojiOpen(false);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(from + emoji.length, from + emoji.length);
    });
  };

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      await refresh();
      return true;
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const send = async () => {
    const body = text.trim();
    if (!body) return;
    const ok = await run(() =>
      mode === 'note'
        ? post(`/conversations/${conversation.id}/notes`, { text: body })
        : post(`/conversations/${conversation.id}/messages`, { text: body, ...(replyTo ? { reply_to: replyTo.id } : {}) }),
    );
    if (ok) {
      setText('');
      setReplyTo(null);
    }
  };

  const applyCanned = async (c: CannedReply) => {
    await run(async () => {
      const r = await post<{ text: string }>(`/canned-replies/${c.id}/render`, { conversation_id: conversation.id });
      setText(r.text);
    });
    box.current?.focus();
  };

  const attach = async (file: File | null) => {
    if (!file) return;
    const rule = MEDIA_TYPES.find((r) => r.types.test(file.type));
    if (!rule) return setError(t('composer.fileType', { name: file.name }));
    const maxBytes = conversation.capabilities.upload_limits[rule.kind];
    if (file.size > maxBytes) return setError(t('composer.fileTooBig', { name: file.name, max: Number((maxBytes / MB).toFixed(1)) }));
    await run(async () => {
      const form = new FormData();
      form.append('file', file);
      // Media ids are per channel: upload to the conversation's (with several, the API needs it named).
      const res = await fetch(`/api/v1/media?channel_id=${encodeURIComponent(conversation.channel_id)}`, {
        method: 'POST',
        body: form,
        credentials: 'same-origin',
      });
      const json = await res.json();
      if (!res.ok) throw new ApiError(res.status, json?.error?.code ?? 'upload_failed', json?.error?.message ?? 'upload failed');
      const caption = text.trim();
      await post(`/conversations/${conversation.id}/messages`, {
        type: rule.kind,
        media_id: json.id,
        ...(rule.kind === 'document' ? { filename: file.name } : {}),
        ...(caption && rule.kind !== 'audio' && rule.kind !== 'sticker' ? { caption } : {}),
      });
      setText('');
    });
  };

  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void send();
    } else if (e.key === 'Tab' && cannedMatches[0] && slash !== null) {
      e.preventDefault();
      void applyCanned(cannedMatches[0]);
    } else if (e.key === 'Tab' && mentionMatches[0] && at) {
      e.preventDefault();
      setText(`${text.slice(0, at.index)}@${mentionMatches[0].email} `);
    }
  };

  if (mode === 'reply' && !w.open && conversation.status !== 'closed') {
    return (
      <Paper p="sm" radius={0} withBorder style={{ maxHeight: '45%', overflow: 'auto' }}>
        <Group justify="space-between" mb={4}>
          <ModeSwitch mode={mode} setMode={setMode} />
        </Group>
        <TemplatePicker conversation={conversation} onSent={() => void refresh()} />
      </Paper>
    );
  }

  return (
    <Paper p="sm" radius={0} withBorder data-testid="composer">
      <Stack gap={6}>
        {replyTo && mode === 'reply' && (
          <Group gap={4} justify="space-between" wrap="nowrap" className="quoted" data-testid="replying-to">
            <Text size="xs" truncate="end">
              {t('composer.replyingTo', { text: replyTo.text ?? replyTo.kind })}
            </Text>
            <Button size="compact-xs" variant="subtle" onClick={() => setReplyTo(null)}>
              {t('composer.cancelReply')}
            </Button>
          </Group>
        )}
        {cannedMatches.length > 0 && (
          <Stack gap={2} role="listbox" aria-label={t('composer.canned')} data-testid="canned-list">
            {cannedMatches.map((c) => (
              <Button key={c.id} variant="light" size="compact-sm" justify="flex-start" onClick={() => void applyCanned(c)} role="option">
                /{c.shortcut} — {c.text.slice(0, 60)}
              </Button>
            ))}
          </Stack>
        )}
        {slash !== null && slash.length > 0 && cannedMatches.length === 0 && canned.data && (
          <Text size="xs" c="gray.7">
            {t('composer.noCanned', { q: slash })}
          </Text>
        )}
        {mentionMatches.length > 0 && (
          <Group gap={4} role="listbox" aria-label={t('composer.mentions')}>
            {mentionMatches.map((u) => (
              <Button
                key={u.id}
                size="compact-xs"
                variant="light"
                role="option"
                onClick={() => setText(`${text.slice(0, at?.index ?? text.length)}@${u.email} `)}
              >
                @{u.name}
              </Button>
            ))}
          </Group>
        )}
        <Textarea
          ref={box}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          onKeyDown={onKey}
          placeholder={mode === 'note' ? t('composer.notePlaceholder') : t('composer.placeholder')}
          aria-label={mode === 'note' ? t('composer.note') : t('composer.reply')}
          autosize
          minRows={2}
          maxRows={8}
          data-testid="composer-text"
          id="composer-text"
          styles={mode === 'note' ? { input: { background: '#fff9e0' } } : undefined}
        />
        {error && (
          <Text size="sm" c="red.9" role="alert">
            {error}
          </Text>
        )}
        <Group justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <ModeSwitch mode={mode} setMode={setMode} />
            <Popover opened={emojiOpen} onChange={setEmojiOpen} position="top-start" withinPortal trapFocus returnFocus>
              <Popover.Target>
                <ActionIcon
                  variant="subtle"
                  size="lg"
                  aria-label={t('composer.emoji')}
                  title={t('composer.emoji')}
                  onClick={() => setEmojiOpen((o) => !o)}
                  data-testid="emoji-button"
                  aria-expanded={emojiOpen}
                >
                  <span aria-hidden="true" style={{ fontSize: 18 }}>
                    🙂
                  </span>
                </ActionIcon>
              </Popover.Target>
              <Popover.Dropdown p={4}>
                <div className="emoji-grid" data-testid="emoji-picker">
                  {EMOJI.map((e) => (
                    <button key={e} type="button" onClick={() => insertEmoji(e)} aria-label={e}>
                      {e}
                    </button>
                  ))}
                </div>
              </Popover.Dropdown>
            </Popover>
            {/* No paperclip where the channel takes no uploads (the API's capabilities). */}
            {mode === 'reply' && conversation.capabilities.uploads && (
              <FileButton onChange={(f) => void attach(f)}>
                {(props) => (
                  <ActionIcon {...props} variant="subtle" size="lg" aria-label={t('composer.attach')} title={t('composer.attach')}>
                    <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
                      <path d="M21 12.5l-8.5 8.5a6 6 0 01-8.5-8.5l9-9a4 4 0 015.7 5.7l-9 9a2 2 0 01-2.8-2.8l8.3-8.3" />
                    </svg>
                  </ActionIcon>
                )}
              </FileButton>
            )}
          </Group>
          <Button
            onClick={() => void send()}
            loading={busy}
            disabled={!text.trim()}
            data-testid="composer-send"
            color={mode === 'note' ? '#6b4a00' : undefined}
          >
            {mode === 'note' ? t('composer.addNote') : t('composer.send')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function ModeSwitch({ mode, setMode }: { mode: 'reply' | 'note'; setMode: (m: 'reply' | 'note') => void }) {
  const { t } = useTranslation();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('composer.mode')}
      value={mode}
      onChange={(v) => setMode(v as 'reply' | 'note')}
      data={[
        { value: 'reply', label: t('composer.reply') },
        { value: 'note', label: t('composer.note') },
      ]}
      data-testid="composer-mode"
    />
  );
}
