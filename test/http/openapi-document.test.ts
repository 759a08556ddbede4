import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { useTestServer } from '../support/fixture.ts';

const run = promisify(execFile);
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

interface Operation {
  method: string;
  path: string;
  op: any;
}

/** Every operation of the document, with its method and path. */
function operationsOf(doc: any): Operation[] {
  return Object.entries<any>(doc.paths).flatMap(([p, item]) =>
    Object.entries<any>(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ method, path: p, op })),
  );
}

const name = ({ method, path: p }: Operation) => `${method.toUpperCase()} ${p}`;

describe('the OpenAPI document', () => {
  const fx = useTestServer({ user: false });
  let doc: any;
  let dir: string;
  before(async () => {
    const res = await fx.api.get('/openapi.json');
    assert.equal(res.status, 200);
    doc = res.body;
    dir = mkdtempSync(path.join(tmpdir(), 'parley-openapi-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes Redocly’s recommended rules with no errors', async () => {
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    // The recommended rules, but a trailing slash on a path is a warning: `/api/v1/conversations/`,
    // `/api/v1/assistants/` and `/api/chat/prompts/` are the paths the matched APIs' clients call.
    const config = path.join(dir, 'redocly.yaml');
    writeFileSync(config, 'extends:\n  - recommended\nrules:\n  no-path-trailing-slash: warn\n');
    const cli = path.resolve('node_modules/@redocly/cli/bin/cli.js');
    const args = [cli, 'lint', '--config', config, '--extends', 'recommended', file, '--format', 'json'];
    // Exits 1 when there are errors: the report is read either way.
    const out = await run(process.execPath, args, {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      maxBuffer: 64 * 1024 * 1024,
    }).catch((err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '' }));
    const report = JSON.parse(out.stdout);
    const errors = report.problems
      .filter((p: { severity: string }) => p.severity === 'error')
      .map((p: { ruleId: string; message: string; location: Array<{ pointer: string }> }) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    assert.deepEqual(errors, []);
    assert.equal(report.totals.errors, 0);
  });

  it('gives every operation a unique camelCase operationId, a summary and a description', () => {
    const operations = operationsOf(doc);
    assert.ok(operations.length >= 90, `${operations.length} operations`);
    const seen = new Map<string, string>();
    for (const operation of operations) {
      const { operationId, summary, description } = operation.op;
      assert.match(operationId ?? '', /^[a-z][a-zA-Z0-9]+$/, `${name(operation)} has a camelCase operationId`);
      assert.equal(seen.get(operationId), undefined, `${name(operation)} and ${seen.get(operationId)} share ${operationId}`);
      seen.set(operationId, name(operation));
      assert.ok(summary?.trim(), `${name(operation)} has a summary`);
      assert.ok(description?.trim(), `${name(operation)} has a description`);
    }
    // Stable names that clients are generated with.
    assert.equal(doc.paths['/api/v1/conversations/'].post.operationId, 'createConversation');
    assert.equal(doc.paths['/api/v1/conversations/{id}/messages'].get.operationId, 'listConversationMessages');
    assert.equal(doc.paths['/v1/chat/completions'].post.operationId, 'openaiCreateChatCompletion');
  });

  it('describes every response: no “Default Response”, and each success with its content', () => {
    for (const operation of operationsOf(doc)) {
      for (const [status, response] of Object.entries<any>(operation.op.responses)) {
        assert.ok(response.description && response.description !== 'Default Response', `${name(operation)} ${status} is described`);
        if (status.startsWith('2') && status !== '204') assert.ok(response.content, `${name(operation)} ${status} has content`);
      }
    }
  });

  it('names its tags by what they are, each with a description, and uses only those', () => {
    const tags = new Map<string, string>(doc.tags.map((t: { name: string; description: string }) => [t.name, t.description]));
    for (const tag of ['Accounts', 'Conversations', 'Messages and branches', 'Assistants', 'Chat sessions (SSE)', 'Sessions (enveloped)', 'OpenAI-compatible']) {
      assert.ok(tags.get(tag), `${tag} is defined with a description`);
    }
    const used = new Set<string>();
    for (const operation of operationsOf(doc)) {
      assert.equal(operation.op.tags?.length, 1, `${name(operation)} has one tag`);
      for (const tag of operation.op.tags) {
        assert.ok(tags.has(tag), `${name(operation)}: tag ${tag} is defined`);
        used.add(tag);
      }
    }
    assert.deepEqual([...tags.keys()].filter((t) => !used.has(t)), [], 'every defined tag has operations');
    assert.equal(doc.paths['/api/chat/session'].post.tags[0], 'Sessions (enveloped)');
    assert.equal(doc.paths['/v1/chat/stream'].post.tags[0], 'Chat sessions (SSE)');
    assert.equal(doc.paths['/api/v1/chat/stream'].post.tags[0], 'Assistant chat (SSE)');
  });

  it('never speaks of seeds', () => {
    const text = JSON.stringify({ info: doc.info, tags: doc.tags, paths: doc.paths });
    assert.equal(/seed\s*\d/i.exec(text)?.[0], undefined);
  });

  it('describes the uploads as multipart forms with a binary `file`, without changing what they accept', () => {
    for (const [p, method] of [
      ['/api/chat/sessions/{session_id}/upload', 'post'],
      ['/api/v1/assistants/{assistant_id}/files', 'post'],
      ['/api/v1/import', 'post'],
    ]) {
      const form = doc.paths[p][method].requestBody?.content?.['multipart/form-data']?.schema;
      assert.ok(form, `${p} documents a multipart body`);
      assert.deepEqual(form.required, ['file'], p);
      assert.deepEqual({ type: form.properties.file.type, format: form.properties.file.format }, { type: 'string', format: 'binary' }, p);
    }
    // The import also takes JSON, shown with an example.
    assert.ok(doc.paths['/api/v1/import'].post.requestBody.content['application/json'].example.messages.length > 0);
  });

  it('shows an example of each main request', () => {
    const bodies: Array<[string, string]> = [
      ['/api/v1/auth/register', 'post'],
      ['/api/v1/auth/login', 'post'],
      ['/api/v1/conversations/', 'post'],
      ['/api/v1/conversations/{id}/messages', 'post'],
      ['/v1/chat/stream', 'post'],
      ['/v1/chat/completions', 'post'],
      ['/v1/responses', 'post'],
      ['/api/chat/prompts/', 'post'],
    ];
    for (const [p, method] of bodies) {
      const media = doc.paths[p][method].requestBody.content['application/json'];
      const example = media.example ?? Object.values<{ value: unknown }>(media.examples ?? {})[0]?.value;
      assert.ok(example && typeof example === 'object', `${p} has an example`);
      // Each example names only fields its schema has.
      for (const field of Object.keys(example)) assert.ok(media.schema.properties[field], `${p}: example field ${field} is in the schema`);
    }
  });
});
