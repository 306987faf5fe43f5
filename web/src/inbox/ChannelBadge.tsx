import { useTranslation } from 'react-i18next';
import type { Conversation } from '../api/types.ts';

/**
 * Which channel a conversation is on: a small coloured mark (WhatsApp green, Telegram blue) with
 * the channel's name for screen readers and as a tooltip. `label` also shows the name beside the
 * mark (the conversation header); the list's rows show the mark alone on the avatar.
 * Inline SVG: no icon set in the bundle.
 */
export function ChannelBadge({ channel, label = false }: { channel: Conversation['channel']; label?: boolean }) {
  const { t } = useTranslation();
  const name = t(`channels.${channel}`);
  return (
    <span className={`channel-badge ${channel}${label ? ' labelled' : ''}`} data-testid="channel-badge" data-channel={channel}>
      <span className="channel-mark" role="img" aria-label={t('channels.on', { name })} title={name}>
        <svg viewBox="0 0 16 16" width="10" height="10" aria-hidden="true" focusable="false">
          {channel === 'telegram' ? (
            // A paper plane.
            <path d="M14.6 2.2 1.7 7.2c-.6.2-.6 1 0 1.2l3.2 1.1 1.2 3.8c.1.4.7.5 1 .2l1.8-1.7 3.3 2.4c.4.3.9.1 1-.4l2.2-10.6c.1-.6-.4-1.1-1-.9ZM6.1 9.9l6.5-5.8-5.3 6.6-.3 2.1-.9-2.9Z" />
          ) : (
            // A speech bubble.
            <path d="M8 1.5a6.5 6.5 0 0 0-5.6 9.8L1.5 14.5l3.3-.9A6.5 6.5 0 1 0 8 1.5Z" />
          )}
        </svg>
      </span>
      {label && (
        <span className="channel-name" aria-hidden="true">
          {name}
        </span>
      )}
    </span>
  );
}
