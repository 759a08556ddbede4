import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import type { Client } from './http.ts';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
  role: string;
}

export const randomEmail = () => `user-${randomBytes(5).toString('hex')}@example.test`;

/** Registers a user with random credentials and returns its tokens. */
export async function registerUser(api: Client, overrides: { email?: string; password?: string } = {}): Promise<TestUser> {
  const email = overrides.email ?? randomEmail();
  const password = overrides.password ?? `pw-${randomBytes(6).toString('hex')}`;
  const res = await api.post('/api/v1/auth/register', { email, password });
  assert.equal(res.status, 201, res.text);
  return {
    id: res.body.user.id,
    email,
    password,
    token: res.body.access_token,
    refreshToken: res.body.refresh_token,
    role: res.body.user.role,
  };
}

/** Creates a conversation through seed 000 and returns its id. */
export async function createConversation(api: Client, token: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await api.post('/api/v1/conversations', body, { token });
  assert.equal(res.status, 201, res.text);
  return res.body.id;
}
