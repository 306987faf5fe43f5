import { Anchor, Button, Group, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Message, Note } from '../api/types.ts';
import { useUsers } from './queries.ts';
import { useReplyTo } from './reply-context.ts';
import { clockTimeOf } from './format.ts';
import { WaText } from './wa-format.tsx';

const TICKS: Record<string, string> = {
  queued: '🕓',
  sending: '🕓',
  // The channel took it (Telegram's last word: it reports no delivery or read).
  accepted: '✓',
  sent: '✓',
  delivered: '✓✓',
  read: '✓✓',
  played: '✓✓',
  failed: '⚠',
  unconfirmed: '?',
};

export function authorKind(m: Message): 'customer' | 'bot' | 'agent' | 'system' {
  if (m.direction === 'in') return m.kind === 'system' ? 'system' : 'customer';
  if (m.author?.startsWith('bot') || m.author?.startsWith('flow')) return 'bot';
  if (m.author === 'system') return 'system';
  return 'agent';
}

/** One message as the customer saw it (or sent it), with who wrote it and its delivery ticks. */
export function MessageItem({ m, quoted, reactions }: { m: Message; quoted?: Message; reactions?: string[] }) {
  const { t } = useTranslation();
  const who = authorKind(m);
  const users = useUsers();
  const { setReplyTo } = useReplyTo();
  const agentId = m.author?.replace(/^agent:/, '');
  const agentName =
    who === 'agent' ? (users.data?.find((u) => u.id === agentId)?.name ?? (m.author?.startsWith('agent:') ? null : m.author)) : null;
  const cls = m.direction === 'in' ? 'in' : who === 'bot' ? 'bot' : 'out';
  return (
    <div className={`bubble ${cls}`} data-testid="message" data-message-id={m.id} data-direction={m.direction} data-author={who}>
      {who !== 'customer' && (
        <Text size="xs" c="gray.7" fw={600}>
          {t(`conv.${who}`)}
          {agentName ? ` · ${agentName}` : ''}
        </Text>
      )}
      {quoted && (
        <div className="quoted">
          <span className="sr-only">{t('conv.replyTo')}: </span>
          {quoted.text ?? t('conv.unsupported', { kind: quoted.kind })}
        </div>
      )}
      <Body m={m} />
      {reactions && reactions.length > 0 && (
        <div className="reactions" role="img" aria-label={t('conv.reactions', { emoji: reactions.join(' ') })} data-testid="reactions">
          {reactions.map((e) => (
            <span key={e}>{e}</span>
          ))}
        </div>
      )}
      <Group gap={6} justify="flex-end" wrap="nowrap">
        {m.external_id && m.kind !== 'reaction' && (
          <Button variant="subtle" size="compact-xs" onClick={() => setReplyTo(m)} aria-label={t('composer.reply')} data-testid="reply-to">
            ↩
          </Button>
        )}
        <Text size="xs" c="gray.7">
          {clockTimeOf(m.sent_at ?? m.created_at)}
        </Text>
        {m.direction === 'out' && (
          <Text
            size="xs"
            className="ticks"
            // An image with a name: the glyphs are the picture, the status in words its name.
            role="img"
            data-status={m.status}
            aria-label={t(`conv.status.${m.status}`, { defaultValue: m.status })}
            title={t(`conv.status.${m.status}`, { defaultValue: m.status })}
            data-testid="ticks"
          >
            {TICKS[m.status] ?? ''}
          </Text>
        )}
      </Group>
      {m.status === 'failed' && m.error && (
        <Text size="xs" c="red.9" role="note">
          {t('conv.failedBecause', { message: m.error.message ?? m.error.code })}
        </Text>
      )}
    </div>
  );
}

function Body({ m }: { m: Message }) {
  const { t } = useTranslation();
  const c = m.content ?? {};
  const kind = m.direction === 'out' ? (c.type ?? m.kind) : m.kind;
  const media = m.media?.url ?? (typeof c.link === 'string' && /^https?:/.test(c.link) ? c.link : null);
  const caption = m.text ?? c.caption ?? null;
  switch (kind) {
    case 'text':
      return <WaText text={m.text ?? c.text ?? ''} />;
    case 'image':
      return (
        <>
          {media ? (
            <img src={media} alt={caption ?? t('inbox.types.image')} loading="lazy" />
          ) : (
            <Text size="sm" data-testid="media-placeholder">
              📷 {t('inbox.types.image')}
            </Text>
          )}
          {caption && <WaText text={caption} />}
        </>
      );
    case 'sticker':
      return media ? <img src={media} alt={t('conv.sticker')} width={120} loading="lazy" /> : <Text>{t('conv.sticker')}</Text>;
    case 'video':
      return (
        <>
          {media ? (
            // biome-ignore lint/a11y/useMediaCaption: customers' videos come without caption tracks; the caption text shows below
            <video src={media} controls preload="metadata" />
          ) : (
            <Text size="sm" data-testid="media-placeholder">
              🎥 {t('inbox.types.video')}
            </Text>
          )}
          {caption && <WaText text={caption} />}
        </>
      );
    case 'audio':
      // biome-ignore lint/a11y/useMediaCaption: voice notes and audio from WhatsApp have no caption tracks
      return media ? <audio src={media} controls preload="none" /> : <Text>🎤</Text>;
    case 'document':
      return (
        <>
          {media ? (
            <Anchor href={media} download={m.media?.filename ?? c.filename ?? true}>
              📄 {m.media?.filename ?? c.filename ?? t('conv.download')}
            </Anchor>
          ) : (
            <Text>📄 {c.filename ?? ''}</Text>
          )}
          {caption && <WaText text={caption} />}
        </>
      );
    case 'location': {
      const loc = c.location ?? c;
      const lat = Number(loc.latitude);
      const lng = Number(loc.longitude);
      return (
        <>
          <Text>
            📍 {loc.name ?? t('conv.location')} {loc.address ? `· ${loc.address}` : ''}
          </Text>
          {Number.isFinite(lat) && Number.isFinite(lng) && (
            <Anchor
              href={`https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=16/${lat}/${lng}`}
              target="_blank"
              rel="noopener noreferrer"
            >
              {t('conv.openMap')}
            </Anchor>
          )}
        </>
      );
    }
    case 'contacts': {
      const cards: ContactCard[] = Array.isArray(c.contacts) ? c.contacts : [];
      return (
        <>
          {cards.map((card) => {
            const name = String(card?.name?.formatted_name ?? t('conv.contactCard'));
            const phones = Array.isArray(card?.phones) ? card.phones.map((p) => String(p?.phone ?? '')).join(', ') : '';
            return (
              <Text key={`${name}:${phones}`}>
                👤 {name} {phones}
              </Text>
            );
          })}
        </>
      );
    }
    case 'reaction':
      return <Text>{t('conv.reaction', { emoji: String(c.reaction?.emoji ?? c.emoji ?? '') })}</Text>;
    case 'template':
      return (
        <>
          <Text size="xs" c="gray.7">
            📋 {t('conv.template', { name: String(c.name ?? '') })}
          </Text>
          <WaText text={m.text ?? ''} />
        </>
      );
    case 'buttons':
    case 'list':
    case 'cta_url':
      return (
        <>
          <WaText text={String(c.body ?? m.text ?? '')} />
          <Group gap={4} mt={4}>
            {((c.buttons ?? []) as { id?: unknown; title?: unknown }[]).map((b) => (
              <Text key={`${String(b.id ?? '')}:${String(b.title ?? '')}`} size="sm" c="teal.9" fw={600}>
                [{String(b.title ?? '')}]
              </Text>
            ))}
            {kind === 'cta_url' && (
              <Text size="sm" c="teal.9">
                [{String(c.display_text ?? '')}]
              </Text>
            )}
            {kind === 'list' && (
              <Text size="sm" c="teal.9">
                [{String(c.button ?? '')}]
              </Text>
            )}
          </Group>
        </>
      );
    case 'interactive':
    case 'button':
      return <Text>🔘 {c.reply?.title ?? m.text ?? ''}</Text>;
    default:
      return m.text ? <WaText text={m.text} /> : <Text c="gray.7">{t('conv.unsupported', { kind })}</Text>;
  }
}

export function NoteItem({ n }: { n: Note }) {
  const { t } = useTranslation();
  const users = useUsers();
  const author = users.data?.find((u) => u.id === n.author_id)?.name ?? n.author.replace(/^agent:/, '');
  return (
    <div className="bubble note" data-testid="note" role="note" aria-label={t('conv.note')}>
      <Text size="xs" fw={600} c="#6b4a00">
        {t('conv.noteBy', { author })} · {clockTimeOf(n.created_at)}
      </Text>
      <WaText text={n.text} />
    </div>
  );
}

/** A WhatsApp contact card as stored (only the fields shown). */
interface ContactCard {
  name?: { formatted_name?: unknown };
  phones?: { phone?: unknown }[];
}
