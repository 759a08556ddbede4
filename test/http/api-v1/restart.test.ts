import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConversation, registerUser } from '../../support/factories.ts';
import { client } from '../../support/http.ts';
import { startTestServer } from '../../support/server.ts';

describe('restart', () => {
  it('keeps accounts, tokens, conversations, messages and usage across a restart', async () => {
    const first = await startTestServer();
    const api = client(first.url);
    const user = await registerUser(api);
    const id = await createConversation(api, user.token, { title: 'Durable' });
    const sent = await api.post(`/api/v1/conversations/${id}/messages`, { content: 'remember me' }, { token: user.token });
    assert.equal(sent.status, 200);
    await first.stop();

    const second = await startTestServer({ reuse: first });
    try {
      const again = client(second.url);
      // The access token still verifies: the signing secret was kept with the data.
      const conversation = await again.get(`/api/v1/conversations/${id}`, { token: user.token });
      assert.equal(conversation.status, 200);
      assert.equal(conversation.body.title, 'Durable');
      assert.equal(conversation.body.message_count, 2);
      const messages = await again.get(`/api/v1/conversations/${id}/messages`, { token: user.token });
      assert.deepEqual(
        messages.body.map((m: any) => m.content),
        ['remember me', 'Echo: remember me'],
      );
      const login = await again.post('/api/v1/auth/login', { email: user.email, password: user.password });
      assert.equal(login.status, 200);
      const refreshed = await again.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken });
      assert.equal(refreshed.status, 200);
      const usage = await again.get('/api/v1/tokens/usage', { token: user.token });
      assert.equal(usage.body.requests, 1);
    } finally {
      await second.close();
    }
  });
});
