import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { registerUser, type TestUser } from '../../support/factories.ts';
import { client, type Client } from '../../support/http.ts';
import { makePdf } from '../../support/pdf.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { uploadFile } from '../../support/uploads.ts';
import { addMessage, createSession, fails, ok } from './helpers.ts';

describe('deleted sessions within the retention period', () => {
  let server: TestServer;
  let api: Client;
  let admin: TestUser;
  before(async () => {
    server = await startTestServer();
    api = client(server.url);
    admin = await registerUser(api);
    assert.equal(admin.role, 'admin');
  });
  after(() => server.close());

  it('an admin restores a deleted session with what was deleted with it; a user cannot', async () => {
    const user = await registerUser(api);
    const session = await createSession(api, user.token, { title: 'to restore' });
    const kept = await addMessage(api, user.token, session.session_id, 'kept');
    const earlier = await addMessage(api, user.token, session.session_id, 'deleted on its own');
    await addMessage(api, user.token, session.session_id, 'also kept', 'assistant');
    ok(await api.delete(`/api/chat/messages/${earlier.message_id}`, { token: user.token }));
    ok(await api.delete(`/api/chat/sessions/${session.session_id}`, { token: user.token }));

    const path = `/api/v1/admin/conversations/${session.session_id}/restore`;
    const refused = await api.post(path, undefined, { token: user.token });
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body, { detail: 'Access denied' });
    fails(await api.get(`/api/chat/sessions/${session.session_id}`, { token: user.token }), 404);

    const restored = await api.post(path, undefined, { token: admin.token });
    assert.equal(restored.status, 200, restored.text);
    assert.equal(restored.body.id, session.session_id);
    assert.equal(restored.body.user_id, user.id);
    assert.equal(restored.body.title, 'to restore');
    assert.equal(restored.body.message_count, 2);

    const data = ok(await api.get(`/aichat/sessions/${session.session_id}`, { token: user.token }));
    assert.equal(data.is_deleted, false);
    assert.deepEqual(
      data.messages.map((m: any) => m.content),
      ['kept', 'also kept'],
    );
    ok(await api.get(`/api/chat/sessions/${session.session_id}/messages/${kept.message_id}`, { token: user.token }));

    // Restoring a live conversation changes nothing; a missing one is a 404; bad ids a 422.
    assert.equal((await api.post(path, undefined, { token: admin.token })).status, 200);
    const missing = await api.post(`/api/v1/admin/conversations/${randomUUID()}/restore`, undefined, { token: admin.token });
    assert.equal(missing.status, 404);
    assert.equal(typeof missing.body.detail, 'string');
    assert.equal((await api.post('/api/v1/admin/conversations/nope/restore', undefined, { token: admin.token })).status, 422);
    assert.equal((await api.post(path)).status, 401);
  });

  it('a purge keeps what is younger than the retention period', async () => {
    const user = await registerUser(api);
    const session = await createSession(api, user.token);
    await addMessage(api, user.token, session.session_id, 'x');
    ok(await api.delete(`/api/chat/sessions/${session.session_id}`, { token: user.token }));
    const result = await server.purge.runNow();
    assert.deepEqual(result, { conversations: 0, messages: 0, files: 0 });
    const restored = await api.post(`/api/v1/admin/conversations/${session.session_id}/restore`, undefined, { token: admin.token });
    assert.equal(restored.status, 200);
  });
});

describe('the purge after DELETE_RETENTION_DAYS=0', () => {
  let server: TestServer;
  let api: Client;
  let admin: TestUser;
  before(async () => {
    server = await startTestServer({ env: { DELETE_RETENTION_DAYS: '0' } });
    api = client(server.url);
    admin = await registerUser(api);
  });
  after(() => server.close());

  it('removes deleted sessions, messages and files for good; live ones stay whole', async () => {
    const user = await registerUser(api);
    const doomed = await createSession(api, user.token);
    for (const text of ['a', 'b', 'c']) await addMessage(api, user.token, doomed.session_id, text);
    const upload = await uploadFile(api, `/api/chat/sessions/${doomed.session_id}/upload`, user.token, makePdf(['a page to purge']));
    assert.ok(upload.status < 300, upload.text);
    const live = await createSession(api, user.token, { title: 'live' });
    const stay = await addMessage(api, user.token, live.session_id, 'stays');
    const single = await addMessage(api, user.token, live.session_id, 'deleted alone');
    ok(await api.delete(`/api/chat/messages/${single.message_id}`, { token: user.token }));
    ok(await api.delete(`/api/chat/sessions/${doomed.session_id}`, { token: user.token }));

    const result = await server.purge.runNow();
    assert.equal(result.conversations, 1);
    // The three of the deleted session and the one deleted on its own.
    assert.equal(result.messages, 4);
    assert.equal(result.files, 1);

    const gone = await api.post(`/api/v1/admin/conversations/${doomed.session_id}/restore`, undefined, { token: admin.token });
    assert.equal(gone.status, 404);
    const detail = ok(await api.get(`/aichat/sessions/${live.session_id}`, { token: user.token }));
    assert.equal(detail.message_count, 1);
    assert.deepEqual(
      detail.messages.map((m: any) => m.message_id),
      [stay.message_id],
    );
    // Nothing is left to purge.
    assert.deepEqual(await server.purge.runNow(), { conversations: 0, messages: 0, files: 0 });
  });
});
