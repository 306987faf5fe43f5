import type { TgState, SimTgUser } from './tg-state.ts';
import type { TgMessage, TgUpdate } from './tg-types.ts';
import type { UpdateQueue } from './update-queue.ts';

/** What a simulated user can send: one of these, plus an optional caption and quoted message. */
export type UserMessageSpec =
  | { type: 'text'; text: string; entities?: unknown[] }
  | {
      type: 'photo' | 'video' | 'voice' | 'audio' | 'document' | 'sticker';
      data?: Buffer;
      mimeType?: string;
      fileName?: string;
      caption?: string;
      emoji?: string;
    }
  | { type: 'location'; latitude: number; longitude: number }
  | { type: 'venue'; latitude: number; longitude: number; title: string; address: string }
  | { type: 'contact'; phone_number: string; first_name: string; last_name?: string; user_id?: number };

const DEFAULT_MIME: Record<string, string> = {
  photo: 'image/jpeg',
  video: 'video/mp4',
  voice: 'audio/ogg',
  audio: 'audio/mpeg',
  document: 'application/pdf',
  sticker: 'image/webp',
};

/** Turns a simulated user's actions into the updates Telegram would send the bot. */
export class SimUserActions {
  constructor(
    private readonly state: TgState,
    private readonly queue: UpdateQueue,
    private readonly now: () => number,
  ) {}

  private user(id: number): SimTgUser {
    const u = this.state.users.get(id);
    if (!u) throw new Error(`no simulated Telegram user ${id}`);
    return u;
  }

  send(userId: number, spec: UserMessageSpec, opts: { replyToMessageId?: number } = {}): { message: TgMessage; update: TgUpdate } {
    const u = this.user(userId);
    const fields = this.fields(spec);
    if (opts.replyToMessageId !== undefined) {
      const quoted = u.messages.get(opts.replyToMessageId);
      if (!quoted) throw new Error(`no message ${opts.replyToMessageId} in this chat`);
      fields.reply_to_message = quoted;
    }
    const message = this.state.addMessage(u, this.state.privateChat(u), u.user, this.now(), fields);
    // A user who blocked the bot and writes again has unblocked it (Telegram: /start after block).
    u.blocked = false;
    return { message, update: this.queue.push({ message }) };
  }

  edit(userId: number, messageId: number, text: string): TgUpdate {
    const u = this.user(userId);
    const m = u.messages.get(messageId);
    if (!m || (m.from as { id?: number } | undefined)?.id !== userId) throw new Error(`user ${userId} has no message ${messageId} to edit`);
    const edited: TgMessage = { ...m, text, edit_date: Math.floor(this.now() / 1000) };
    u.messages.set(messageId, edited);
    return this.queue.push({ edited_message: edited });
  }

  /** Presses an inline keyboard button of one of the bot's messages. */
  press(userId: number, messageId: number, data: string): TgUpdate {
    const u = this.user(userId);
    const m = u.messages.get(messageId);
    if (!m) throw new Error(`no message ${messageId} in this chat`);
    const rows = (
      (m.reply_markup as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | undefined)?.inline_keyboard ?? []
    ).flat();
    if (!rows.some((b) => b.callback_data === data)) throw new Error(`message ${messageId} has no button with callback_data "${data}"`);
    const id = `${userId}${String(this.state.callbackQueries.size + 1).padStart(6, '0')}`;
    this.state.callbackQueries.set(id, { answered: false, at: this.now() });
    return this.queue.push({
      callback_query: { id, from: u.user, message: m, chat_instance: String(-userId), data },
    });
  }

  block(userId: number, blocked: boolean): TgUpdate {
    const u = this.user(userId);
    u.blocked = blocked;
    const date = Math.floor(this.now() / 1000);
    const member = (status: string) => ({ user: this.state.bot, status });
    return this.queue.push({
      my_chat_member: {
        chat: this.state.privateChat(u),
        from: u.user,
        date,
        old_chat_member: member(blocked ? 'member' : 'kicked'),
        new_chat_member: member(blocked ? 'kicked' : 'member'),
      },
    });
  }

  private fields(spec: UserMessageSpec): Record<string, unknown> {
    switch (spec.type) {
      case 'text':
        return { text: spec.text, ...(spec.entities ? { entities: spec.entities } : {}) };
      case 'location':
        return { location: { latitude: spec.latitude, longitude: spec.longitude } };
      case 'venue': {
        const location = { latitude: spec.latitude, longitude: spec.longitude };
        return { location, venue: { location, title: spec.title, address: spec.address } };
      }
      case 'contact': {
        const { type: _t, ...contact } = spec;
        return { contact };
      }
      default: {
        const data = spec.data ?? Buffer.from(`${spec.type} from a simulated user`);
        const mime = spec.mimeType ?? DEFAULT_MIME[spec.type];
        const f = this.state.storeFile(data, spec.type, {
          ...(mime ? { mime_type: mime } : {}),
          ...(spec.fileName ? { file_name: spec.fileName } : {}),
        });
        const base = { file_id: f.file_id, file_unique_id: f.file_unique_id, file_size: f.file_size };
        const caption = spec.caption ? { caption: spec.caption } : {};
        if (spec.type === 'photo')
          return {
            photo: [
              { ...base, width: 90, height: 90 },
              { ...base, width: 800, height: 600 },
            ],
            ...caption,
          };
        if (spec.type === 'sticker')
          return {
            sticker: { ...base, width: 512, height: 512, is_animated: false, is_video: false, type: 'regular', emoji: spec.emoji ?? '👍' },
          };
        return {
          [spec.type]: {
            ...base,
            ...(mime ? { mime_type: mime } : {}),
            ...(spec.fileName ? { file_name: spec.fileName } : {}),
            ...(spec.type !== 'document' ? { duration: 3 } : {}),
          },
          ...caption,
        };
      }
    }
  }
}
