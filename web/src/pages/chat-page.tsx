export function ChatPage(props: { conversationId?: string }) {
  return (
    <section class="chat">
      <h1 class="visually-hidden">Chat</h1>
      {props.conversationId}
    </section>
  );
}
