export function PromptsPage() {
  return (
    <section class="page">
      <h1>Prompts</h1>
    </section>
  );
}
