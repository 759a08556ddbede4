import type { ShareLink, SharedConversation } from '../../core/shares/shares-service.ts';

/** The page a share link opens, on the host and scheme the request came in by (TRUST_PROXY decides whether X-Forwarded-* count). */
export const shareUrl = (request: { protocol: string; host: string }, shareId: string) => `${request.protocol}://${request.host}/s/${shareId}`;

export const presentShareLink = (link: ShareLink, request: { protocol: string; host: string }) => ({
  share_id: link.id,
  url: shareUrl(request, link.id),
  created_at: link.createdAt.toISOString(),
});

export const presentSharedConversation = (shared: SharedConversation) => ({
  share_id: shared.id,
  title: shared.snapshot.title,
  created_at: shared.createdAt.toISOString(),
  messages: shared.snapshot.messages,
});
