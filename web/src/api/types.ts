// The API's shapes as the server sends them (src/conversations/conversation-views.ts,
// src/auth/access-views.ts, src/templates/template-views.ts): the fields the app reads.

export type Availability = 'online' | 'away' | 'offline';

export interface User {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'agent';
  visibility: 'all' | 'assigned_and_team';
  capacity: number | null;
  availability: Availability;
  /** The language the user picked for the app (stored with the user); null: the browser's. */
  language: string | null;
  team_ids: string[];
}

/** GET /api/v1/agents: who can be assigned or mentioned (any agent may read it). */
export type Agent = Pick<User, 'id' | 'name' | 'email' | 'role' | 'availability' | 'team_ids'>;

export interface Me {
  principal: { kind: string; scopes?: string[] };
  user: User | null;
  /** The server's clock (GET /auth/me); absent in the answer to sign-in. */
  server_time?: string;
}

export interface ChannelCapabilities {
  /** WhatsApp's 24-hour window: `window` binds, and outside it only templates go. */
  service_window: boolean;
  templates: boolean;
  read_receipts: boolean;
  edits: boolean;
  lists: boolean;
  reactions: boolean;
  /** Files can be uploaded (POST /api/v1/media) and sent: the composer's paperclip. */
  uploads: boolean;
  /** The largest file per message kind, in bytes, the channel's uploads take: the composer checks it before uploading. */
  upload_limits: { image: number; video: number; audio: number; document: number; sticker: number };
}

export interface Conversation {
  id: string;
  status: 'active' | 'archived' | 'closed';
  channel_id: string;
  /** The channel's kind; the list and header show it, `?channel=` filters by it. */
  channel: 'whatsapp' | 'telegram';
  /** What the channel can do (src/channels/channel-capabilities.ts): the composer and list follow these, never the channel's name. */
  capabilities: ChannelCapabilities;
  contact: {
    id: string;
    name: string | null;
    profile_name: string | null;
    wa_id: string | null;
    bsuid: string | null;
    username: string | null;
    phone: string | null;
  };
  last_message_preview: string | null;
  /** The newest message's type (text, image, audio…), for the list's icon. */
  last_message_type: string | null;
  last_message_at: string | null;
  last_customer_message_at: string | null;
  unread_count: number;
  window: { open: boolean; open_until: string | null; closed_at?: string | null };
  assignee: { id: string; name: string | null } | null;
  team: { id: string; name: string | null } | null;
  labels: string[];
  linked_record: { type: string; id: string; url: string | null; title: string | null; attributes: Record<string, unknown> } | null;
  snoozed_until: string | null;
  bot: { paused: boolean };
  created_at: string;
  updated_at: string;
}

export interface Message {
  id: string;
  conversation_id: string;
  direction: 'in' | 'out';
  external_id: string | null;
  kind: string;
  text: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: content's fields differ by message type; MessageItem reads them defensively
  content: Record<string, any>;
  media: { url: string; mime_type: string | null; filename: string | null } | null;
  status: string;
  error: { code: string; message: string | null } | null;
  reply_to: string | null;
  author: string | null;
  sent_at: string | null;
  created_at: string;
}

export interface Note {
  id: string;
  text: string;
  author_id: string | null;
  author: string;
  mentions: { user_id: string; name?: string }[];
  created_at: string;
}

export interface ConversationDetail extends Conversation {
  messages: Message[];
  notes: Note[];
  messages_before_cursor: string | null;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface Team {
  id: string;
  name: string;
  description: string | null;
  member_ids?: string[];
}

export interface Label {
  id: string;
  name: string;
  color?: string | null;
  conversations?: number;
}

export interface CannedReply {
  id: string;
  shortcut: string;
  text: string;
  variables: string[];
}

export interface TemplateComponent {
  type: string;
  format?: string;
  text?: string;
  buttons?: { type: string; text: string; url?: string }[];
  example?: Record<string, unknown>;
}

export interface Template {
  id: string;
  name: string;
  language: string;
  category: string;
  parameter_format: 'named' | 'positional';
  components: TemplateComponent[];
  status: string;
}

export interface ApiToken {
  id: string;
  name: string;
  scopes: string[];
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
  token?: string;
}

export interface EventWebhook {
  id: string;
  url: string;
  events: string[];
  enabled?: boolean;
  secret?: string;
}

/** One of the assistant's answers, drafts or hand-offs in a conversation (GET /conversations/:id/ai/replies). */
export interface AiReply {
  id: string;
  mode: string;
  outcome: string;
  question: string | null;
  answer: string | null;
  draft_state: 'pending' | 'accepted' | 'edited' | 'discarded' | null;
  created_at: string;
}

/** A conversation's AI mode and where it comes from (GET /conversations/:id/ai/mode). */
export interface AiMode {
  mode: 'off' | 'draft' | 'auto';
  from: 'conversation' | 'number' | 'default';
}
