import type { Conversation } from '../../core/conversations/conversations-service.ts';
import type { Message } from '../../core/conversations/messages-service.ts';
import type { SessionEvent } from '../../realtime/event-bus.ts';

/** Seed 003's title for a session that has none (yet: the first completed turn names it). */
export const DEFAULT_TITLE = '新会话';

// Rows may arrive from another instance as JSON, with their dates as strings.
type Timestamp = Date | string;
const iso = (d: Timestamp) => (d instanceof Date ? d : new Date(d)).toISOString();

export type SessionFacts = Pick<Conversation, 'id' | 'userId' | 'title' | 'messageCount'> & {
  createdAt: Timestamp;
  updatedAt: Timestamp;
  deletedAt: Timestamp | null;
};
export type MessageFacts = Pick<Message, 'id' | 'conversationId' | 'role' | 'content'> & {
  createdAt: Timestamp;
  updatedAt: Timestamp;
  deletedAt: Timestamp | null;
};

export const presentSession = (c: SessionFacts) => ({
  session_id: c.id,
  user_id: c.userId,
  title: c.title ?? DEFAULT_TITLE,
  message_count: c.messageCount,
  created_at: iso(c.createdAt),
  updated_at: iso(c.updatedAt),
  is_deleted: c.deletedAt !== null,
});

export const presentSessionDetail = (c: SessionFacts) => {
  const { user_id: _owner, ...detail } = presentSession(c);
  return detail;
};

export const presentSessionListItem = (c: SessionFacts) => ({
  session_id: c.id,
  title: c.title ?? DEFAULT_TITLE,
  message_count: c.messageCount,
  created_at: iso(c.createdAt),
});

export const presentMessage = (m: MessageFacts) => ({
  message_id: m.id,
  session_id: m.conversationId,
  role: m.role,
  content: m.content,
  created_at: iso(m.createdAt),
  updated_at: iso(m.updatedAt),
  is_deleted: m.deletedAt !== null,
});

export const presentMessageBrief = (m: MessageFacts) => ({
  message_id: m.id,
  content: m.content,
  role: m.role,
  created_at: iso(m.createdAt),
});

/** A core event as the `data` of a websocket `event` frame, in seed 003's shapes. */
export function presentEventData(event: SessionEvent): unknown {
  switch (event.event) {
    case 'message.created':
    case 'message.updated':
      return presentMessage(event.data as MessageFacts);
    case 'session.updated':
      return presentSession(event.data as SessionFacts);
    // Deletions already carry `{message_id, session_id}` / `{session_id}`.
    case 'message.deleted':
    case 'session.deleted':
      return event.data;
  }
}
