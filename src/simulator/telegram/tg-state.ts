import { createHash, randomBytes } from 'node:crypto';
import type { TgChat, TgFile, TgMessage, TgSent, TgUser } from './tg-types.ts';

/** A simulated Telegram user: their profile, whether they blocked the bot, their private chat's messages. */
export interface SimTgUser {
  user: TgUser;
  blocked: boolean;
  /** Every message of the private chat, both ways, by message_id. */
  messages: Map<number, TgMessage>;
  nextMessageId: number;
}

/** Everything the simulated Bot API knows: the bot, its users and groups, their messages, files, and what the bot sent. */
export class TgState {
  readonly users = new Map<number, SimTgUser>();
  readonly groups = new Map<number, { chat: TgChat; members: number[]; messages: Map<number, TgMessage>; nextMessageId: number }>();
  readonly files = new Map<string, TgFile>();
  readonly filesByPath = new Map<string, TgFile>();
  readonly sent: TgSent[] = [];
  readonly callbackQueries = new Map<string, { answered: boolean; at: number; answer?: Record<string, unknown> }>();
  readonly chatActions: Array<{ chat_id: number; action: string; at: number }> = [];
  private nextUserId = 700_000_001;
  private nextGroupId = -1_000_000_001;
  private nextFile = 1;

  constructor(readonly bot: TgUser) {}

  addUser(input: { id?: number; first_name?: string; last_name?: string; username?: string; language_code?: string }): SimTgUser {
    const id = input.id ?? this.nextUserId++;
    const existing = this.users.get(id);
    if (existing) return existing;
    const user: TgUser = {
      id,
      is_bot: false,
      first_name: input.first_name ?? `User ${id}`,
      ...(input.last_name ? { last_name: input.last_name } : {}),
      ...(input.username ? { username: input.username } : {}),
      language_code: input.language_code ?? 'en',
    };
    const sim: SimTgUser = { user, blocked: false, messages: new Map(), nextMessageId: 1 };
    this.users.set(id, sim);
    return sim;
  }

  addGroup(title: string, members: number[]): TgChat {
    const chat: TgChat = { id: this.nextGroupId--, type: 'group', title };
    this.groups.set(chat.id, { chat, members, messages: new Map(), nextMessageId: 1 });
    return chat;
  }

  privateChat(u: SimTgUser): TgChat {
    const { id, first_name, last_name, username } = u.user;
    return { id, type: 'private', first_name, ...(last_name ? { last_name } : {}), ...(username ? { username } : {}) };
  }

  /** The chat a bot names by chat_id (a number, or its string form; @usernames are not modelled). */
  chat(
    chatId: unknown,
  ): { chat: TgChat; user?: SimTgUser; store: { messages: Map<number, TgMessage>; nextMessageId: number } } | undefined {
    const id = typeof chatId === 'number' ? chatId : typeof chatId === 'string' && /^-?\d+$/.test(chatId) ? Number(chatId) : NaN;
    const u = this.users.get(id);
    if (u) return { chat: this.privateChat(u), user: u, store: u };
    const g = this.groups.get(id);
    if (g) return { chat: g.chat, store: g };
    return undefined;
  }

  /** A new message in a chat, from a user or from the bot. */
  addMessage(
    store: { messages: Map<number, TgMessage>; nextMessageId: number },
    chat: TgChat,
    from: TgUser,
    date: number,
    fields: Record<string, unknown>,
  ): TgMessage {
    const message: TgMessage = { message_id: store.nextMessageId++, from, chat, date: Math.floor(date / 1000), ...fields };
    store.messages.set(message.message_id, message);
    return message;
  }

  storeFile(data: Buffer, kind: string, meta: { mime_type?: string; file_name?: string } = {}): TgFile {
    const n = this.nextFile++;
    const unique = createHash('sha256').update(data).digest('base64url').slice(0, 15);
    const ext = meta.file_name?.includes('.') ? meta.file_name.slice(meta.file_name.lastIndexOf('.')) : '';
    const file: TgFile = {
      // Real file ids are opaque base64url strings; so are these.
      file_id: `${kind.slice(0, 2).toUpperCase()}sim${n}_${randomBytes(12).toString('base64url')}`,
      file_unique_id: `${unique}${n}`,
      file_path: `${kind}s/file_${n}${ext}`,
      file_size: data.length,
      ...meta,
      data,
    };
    this.files.set(file.file_id, file);
    this.filesByPath.set(file.file_path, file);
    return file;
  }
}
