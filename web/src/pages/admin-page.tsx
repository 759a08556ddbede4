import { useEffect, useId, useState } from 'preact/hooks';
import type { ListedUser } from './admin/user-row.tsx';
import { errorText } from '../lib/error-text.ts';
import { api, currentUser } from '../lib/state.ts';
import type { Page } from '../lib/types.ts';
import { rangeLabel } from './account-format.ts';
import { UserRow } from './admin/user-row.tsx';
import './admin-page.css';

const PAGE_SIZE = 20;
const SEARCH_DELAY_MS = 250;

/** The users of the instance, for admins: search, paging, tier and activation, usage. */
export function AdminPage() {
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState('');
  const [skip, setSkip] = useState(0);
  const [page, setPage] = useState<Page<ListedUser> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const searchId = useId();
  const me = currentUser.value!;

  // The search runs once typing pauses, from the first page.
  useEffect(() => {
    const timer = setTimeout(() => {
      setSearch(query.trim());
      setSkip(0);
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [query]);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    api
      .get<Page<ListedUser>>('/api/v1/admin/users', { query: { q: search || undefined, skip, limit: PAGE_SIZE }, signal: controller.signal })
      .then((answer) => {
        setPage(answer);
        setError(null);
        setLoading(false);
      })
      .catch((err: Error) => {
        if (err.name === 'AbortError') return;
        setError(errorText(err, 'Could not load the users'));
        setLoading(false);
      });
    return () => controller.abort();
  }, [search, skip]);

  const replace = (user: ListedUser) => {
    setPage((p) => (p ? { ...p, items: p.items.map((u) => (u.id === user.id ? user : u)) } : p));
    if (user.id === me.id) currentUser.value = { ...me, ...user };
  };

  const items = page?.items ?? [];
  return (
    <section class="page admin-page" aria-labelledby="admin-title">
      <div class="admin-head">
        <h1 id="admin-title">Users</h1>
        <div class="admin-search">
          <label for={searchId} class="visually-hidden">
            Search users
          </label>
          <input
            id={searchId}
            type="search"
            placeholder="Search by email or name"
            maxLength={100}
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
        </div>
      </div>
      {error && (
        <p class="error-text" role="alert">
          {error}
        </p>
      )}
      <div class="table-wrap admin-table-wrap">
        <table class="admin-table" aria-busy={loading}>
          <caption class="visually-hidden">Users</caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Tier</th>
              <th scope="col">Active</th>
              <th scope="col">Created</th>
              <th scope="col">Last active</th>
              <th scope="col">
                <span class="visually-hidden">Usage</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((user) => (
              <UserRow key={user.id} user={user} self={user.id === me.id} onChange={replace} />
            ))}
          </tbody>
        </table>
      </div>
      {!loading && !error && items.length === 0 && <p class="muted admin-empty">{search ? `No users match “${search}”.` : 'No users.'}</p>}
      {page && (
        <nav class="admin-paging" aria-label="Pages of users">
          <span class="muted" role="status">
            {rangeLabel(page.skip, items.length, page.total)}
          </span>
          <button type="button" class="secondary" disabled={skip === 0 || loading} onClick={() => setSkip(Math.max(0, skip - PAGE_SIZE))}>
            Previous
          </button>
          <button
            type="button"
            class="secondary"
            disabled={skip + items.length >= page.total || loading}
            onClick={() => setSkip(skip + PAGE_SIZE)}
          >
            Next
          </button>
        </nav>
      )}
    </section>
  );
}
