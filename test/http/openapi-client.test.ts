import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import openapiTS from 'openapi-typescript';
import { useTestServer } from '../support/fixture.ts';

const run = promisify(execFile);

/**
 * A program written against the generated types. Each `@ts-expect-error` must meet an error, so
 * types that were too loose (`any`, `unknown`) fail the check as surely as missing ones.
 */
const USAGE = `import type { operations, paths } from './parley-api.ts';

type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

type CreateConversation = NonNullable<paths['/api/v1/conversations/']['post']['requestBody']>['content']['application/json'];
export const create: CreateConversation = { title: 'Trip to Lisbon', model: 'echo', system_prompt: null };
// @ts-expect-error a title is a string
export const badCreate: CreateConversation = { title: 42 };

type Conversation = Json<paths['/api/v1/conversations/']['post']['responses'][201]>;
export const conversationTitle = (c: Conversation): string | null => c.title;
export const conversationPath = (id: operations['getConversation']['parameters']['path']['id']) => \`/api/v1/conversations/\${id}\`;

type SendMessage = operations['sendMessage']['requestBody']['content']['application/json'];
export const send: SendMessage = { content: 'Plan three days in Lisbon.' };
// @ts-expect-error content is required
export const badSend: SendMessage = { model: 'echo' };
export const replyText = (turn: Json<operations['sendMessage']['responses'][200]>): string => turn.assistant_message.content;

type Login = operations['login']['requestBody']['content']['application/json'];
export const login: Login = { email: 'ada@example.com', password: 'correct horse battery staple' };
export const accessToken = (session: Json<operations['login']['responses'][200]>): string => session.access_token;

type Completion = Json<operations['openaiCreateChatCompletion']['responses'][200]>;
export const firstChoice = (c: Completion): string | null => c.choices[0].message.content;
// @ts-expect-error a completion's id is a string
export const badId: number = ({} as Completion).id;

type Upload = operations['uploadSessionFile']['requestBody']['content']['multipart/form-data'];
export const upload: Upload = { file: '%PDF-1.7' };

type Envelope = Json<operations['createSession']['responses'][200]>;
export const sessionId = (e: Envelope): string => e.data.session_id;
`;

describe('a client generated from the OpenAPI document', () => {
  const fx = useTestServer({ user: false });
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-client-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('type-checks a program that calls typed paths', async () => {
    const doc = (await fx.api.get('/openapi.json')).body;
    const types = await openapiTS(doc, { silent: true });
    assert.match(types, /export interface paths/);
    writeFileSync(path.join(dir, 'parley-api.ts'), types);
    writeFileSync(path.join(dir, 'usage.ts'), USAGE);
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'esnext',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          allowImportingTsExtensions: true,
          types: [],
          lib: ['esnext'],
        },
        files: ['parley-api.ts', 'usage.ts'],
      }),
    );
    const tsc = path.resolve('node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '--noEmit', '-p', path.join(dir, 'tsconfig.json')]).then(
      () => ({ code: 0, output: '' }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code, output: `${err.stdout}${err.stderr}` }),
    );
    assert.deepEqual(result, { code: 0, output: '' });
  });
});
