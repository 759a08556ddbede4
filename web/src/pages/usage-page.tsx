export function UsagePage() {
  return (
    <section class="page">
      <h1>Usage</h1>
    </section>
  );
}
