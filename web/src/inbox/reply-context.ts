import { createContext, useContext } from 'react';
import type { Message } from '../api/types.ts';

/** The message the composer's next reply quotes (WhatsApp's reply-to), set from a message's Reply button. */
export const ReplyContext = createContext<{ replyTo: Message | null; setReplyTo: (m: Message | null) => void }>({
  replyTo: null,
  setReplyTo: () => undefined,
});

export const useReplyTo = () => useContext(ReplyContext);
