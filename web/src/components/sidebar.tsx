export function Sidebar(props: { activeConversationId?: string }) {
  return <div class="conversation-list" data-active={props.activeConversationId} />;
}
