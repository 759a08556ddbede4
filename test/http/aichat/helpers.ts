import assert from 'node:assert/strict';
import type { Client, HttpResult } from '../../support/http.ts';

export const SESSION_KEYS = ['session_id', 'user_id', 'title', 'message_count', 'created_at', 'updated_at', 'is_deleted'];
export const MESSAGE_KEYS = ['message_id', 'session_id', 'role', 'content', 'created_at', 'updated_at', 'is_deleted'];
export const BRIEF_MESSAGE_KEYS = ['message_id', 'content', 'role', 'created_at'];

export const keysOf = (o: object) => Object.keys(o).sort();
export const sameKeys = (o: object, keys: string[]) => assert.deepEqual(keysOf(o), [...keys].sort());

/** Asserts the success envelope and returns its data. */
export function ok(res: HttpResult): any {
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(keysOf(res.body), ['code', 'data', 'message']);
  assert.equal(res.body.code, 200);
  assert.equal(res.body.message, 'success');
  return res.body.data;
}

/** Asserts an error envelope with the HTTP status equal to its code. */
export function fails(res: HttpResult, status: number): any {
  assert.equal(res.status, status, res.text);
  assert.deepEqual(keysOf(res.body), ['code', 'data', 'message']);
  assert.equal(res.body.code, status);
  assert.equal(typeof res.body.message, 'string');
  assert.ok(res.body.message.length > 0);
  return res.body;
}

export async function createSession(api: Client, token: string, body: Record<string, unknown> = {}) {
  return ok(await api.post('/api/chat/session', body, { token }));
}

export async function addMessage(api: Client, token: string, sessionId: string, content: string, role = 'user') {
  return ok(await api.post('/api/chat/message', { session_id: sessionId, content, role }, { token }));
}
