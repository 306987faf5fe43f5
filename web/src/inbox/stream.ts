import { type InfiniteData, type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { notifications } from '@mantine/notifications';
import i18n from '../i18n/index.ts';
import type { User } from '../api/types.ts';
import type { Conversation, Page } from '../api/types.ts';
import { contactName } from './format.ts';
import { patchFromEvent, patchLists } from './live-cache.ts';
import { playChime, soundOn } from './sound.ts';

export type StreamState = 'connecting' | 'live';

const CONVERSATION_EVENTS = [
  'message.new',
  'message.status',
  'conversation.updated',
  'conversation.assigned',
  'conversation.bot_paused',
  'conversation.bot_resumed',
];

/**
 * One EventSource per tab on GET /api/v1/stream (the session cookie authenticates it; the browser
 * resends Last-Event-ID on reconnect, so nothing is missed). Each event refreshes the queries it
 * touches: the lists (patched in place, live-cache.ts), and the open conversation. A `notification` for me (a new customer message
 *  in a conversation of mine) counts in the tab title, chimes when the user turned the sound on, and,
 * when allowed, shows a browser notification.
 */
export function useStream(me: User): StreamState {
  const qc = useQueryClient();
  const [state, setState] = useState<StreamState>('connecting');
  const unseen = useRef(0);

  useEffect(() => {
    const es = new EventSource('/api/v1/stream');
    const baseTitle = document.title.replace(/^\(\d+\) /, '');
    // Per conversation one read at a time; events that arrive meanwhile ask for one more read after it.
    const inFlight = new Map<string, boolean>();
    const patch = (id: string) => {
      if (inFlight.has(id)) return void inFlight.set(id, true);
      inFlight.set(id, false);
      void patchLists(qc, id, me.id).finally(() => {
        const again = inFlight.get(id);
        inFlight.delete(id);
        if (again) patch(id);
      });
    };
    const refresh = (e: MessageEvent<string>) => {
      const data = parse(e.data);
      const id = typeof data?.conversation_id === 'string' ? data.conversation_id : null;
      if (!id) return void qc.invalidateQueries({ queryKey: ['conversations'] });
      patchFromEvent(qc, data, me.id);
      patch(id);
      void qc.invalidateQueries({ queryKey: ['conversation', id] });
    };
    for (const type of CONVERSATION_EVENTS) es.addEventListener(type, refresh);
    es.addEventListener('ready', () => setState('live'));
    es.addEventListener('reset', () => void qc.invalidateQueries());
    es.addEventListener('unauthorized', () => {
      es.close();
      void qc.invalidateQueries({ queryKey: ['me'] });
    });
    es.addEventListener('notification', (e: MessageEvent<string>) => {
      const data = parse(e.data);
      if (!data || !Array.isArray(data.user_ids) || !data.user_ids.includes(me.id)) return;
      const who = nameFor(qc, data.conversation_id) ?? data.conversation?.contact?.name ?? data.conversation?.contact?.profile_name ?? '';
      if (data.reason === 'mention') {
        void qc.invalidateQueries({ queryKey: ['conversation', data.conversation_id] });
        notifications.show({
          title: i18n.t('notify.mentioned'),
          message: who,
          color: 'yellow',
          autoClose: 8000,
          id: `mention-${data.conversation_id}`,
        });
      }
      if (data.reason !== 'mention' && soundOn(me.id)) playChime();
      if (document.visibilityState === 'visible' && document.hasFocus()) return;
      unseen.current += 1;
      document.title = `(${unseen.current}) ${baseTitle}`;
      if ('Notification' in window && Notification.permission === 'granted') {
        new Notification(data.reason === 'mention' ? i18n.t('notify.mentioned') : i18n.t('notify.newMessage', { name: who }), {
          body: String(data.message?.text ?? data.conversation?.last_message_preview ?? ''),
          tag: data.conversation_id,
        });
      }
    });
    es.onerror = () => setState('connecting');
    const seen = () => {
      if (document.visibilityState !== 'visible') return;
      unseen.current = 0;
      document.title = baseTitle;
    };
    document.addEventListener('visibilitychange', seen);
    window.addEventListener('focus', seen);
    return () => {
      es.close();
      document.removeEventListener('visibilitychange', seen);
      window.removeEventListener('focus', seen);
    };
  }, [qc, me.id]);

  return state;
}

// biome-ignore lint/suspicious/noExplicitAny: event payloads are read defensively, field by field
function parse(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The contact's name as the lists or the open conversation have it (the stream's summary carries no contact). */
function nameFor(qc: QueryClient, conversationId: unknown): string | null {
  if (typeof conversationId !== 'string') return null;
  const open = qc.getQueryData<InfiniteData<Conversation>>(['conversation', conversationId])?.pages[0];
  if (open) return contactName(open.contact);
  for (const [, data] of qc.getQueriesData<InfiniteData<Page<Conversation>>>({ queryKey: ['conversations'] })) {
    const row = data?.pages?.flatMap((p) => p.data ?? []).find((c) => c.id === conversationId);
    if (row) return contactName(row.contact);
  }
  return null;
}
