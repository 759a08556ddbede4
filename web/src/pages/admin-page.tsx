export function AdminPage() {
  return (
    <section class="page">
      <h1>Admin</h1>
    </section>
  );
}
