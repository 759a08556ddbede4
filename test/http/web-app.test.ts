import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { useTestServer } from '../support/fixture.ts';
import { killMainProcess, type MainProcess, startMainProcess } from '../support/main-process.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const COMPRESS_SCRIPT = path.join(root, 'web', 'scripts', 'compress.ts');
const APP_PATHS = ['/', '/login', '/register', '/usage', '/settings', '/prompts', '/admin', '/login/', '/admin/'];
const CONVERSATION = '/c/0b8e1f7e-1111-4222-8333-944455556666';
const CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
];
const YEAR = 'public, max-age=31536000, immutable';

/** A build like Vite's (a page, hashed assets, a top-level file), compressed by the project's own script. */
function fixtureBuild() {
  const dist = mkdtempSync(path.join(tmpdir(), 'parley-web-'));
  mkdirSync(path.join(dist, 'assets'));
  const files = {
    index: '<!doctype html><html lang="en"><head><title>Parley</title><script type="module" src="/assets/app-3f2a1b9c.js"></script></head><body><div id="app"></div></body></html>\n',
    // Text above 1 KB: compressed.
    script: Array.from({ length: 200 }, (_, i) => `export const value${i} = ${i} * 2;\n`).join(''),
    // Text below 1 KB and a binary file: sent as they are.
    style: 'body { margin: 0 }\n',
    image: randomBytes(4096),
    robots: 'User-agent: *\nDisallow:\n',
  };
  writeFileSync(path.join(dist, 'index.html'), files.index);
  writeFileSync(path.join(dist, 'assets', 'app-3f2a1b9c.js'), files.script);
  writeFileSync(path.join(dist, 'assets', 'style-77aa01bc.css'), files.style);
  writeFileSync(path.join(dist, 'assets', 'logo-5d6e7f80.png'), files.image);
  writeFileSync(path.join(dist, 'robots.txt'), files.robots);
  const run = spawnSync(process.execPath, [COMPRESS_SCRIPT, dist], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  return { dist, files, output: run.stdout };
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * A request whose path is sent as written (a URL would resolve `%2e%2e`) and whose body is read
 * as sent (fetch would decompress it and choose Accept-Encoding itself).
 */
function raw(url: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const target = url.slice(url.indexOf('/', url.indexOf('//') + 2));
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: target, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the web app', () => {
  let build: ReturnType<typeof fixtureBuild>;
  const app = useTestServer({
    user: false,
    env: () => {
      build = fixtureBuild();
      return { WEB_DIST_DIR: build.dist };
    },
  });
  const apiOnly = useTestServer({ user: false, env: { WEB_APP: 'false' } });
  after(() => {
    if (build) rmSync(build.dist, { recursive: true, force: true });
  });

  const assertPageHeaders = (res: RawResponse, where: string) => {
    assert.match(String(res.headers['content-type']), /^text\/html/, where);
    const csp = String(res.headers['content-security-policy']).split(/;\s*/);
    assert.deepEqual(csp.toSorted(), CSP_DIRECTIVES.toSorted(), where);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', where);
    assert.equal(res.headers['referrer-policy'], 'same-origin', where);
  };

  it('answers index.html at every app path, revalidated on each use', async () => {
    for (const p of [...APP_PATHS, CONVERSATION, `${CONVERSATION}/`, CONVERSATION.toUpperCase().replace('/C/', '/c/')]) {
      const res = await raw(app.server.url + p);
      assert.equal(res.status, 200, p);
      assert.equal(res.body.toString(), build.files.index, p);
      assertPageHeaders(res, p);
      assert.equal(res.headers['cache-control'], 'no-cache', p);
      assert.ok(res.headers.etag, p);
      assert.ok(res.headers['last-modified'], p);
      const head = await raw(app.server.url + p, { method: 'HEAD' });
      assert.equal(head.status, 200, p);
      assert.equal(head.body.length, 0, p);
      assert.equal(head.headers.etag, res.headers.etag, p);
    }
  });

  it('answers 304 to a revalidation of the page, by ETag or by date', async () => {
    const first = await raw(`${app.server.url}/login`);
    const byTag = await raw(`${app.server.url}/login`, { headers: { 'if-none-match': String(first.headers.etag) } });
    assert.equal(byTag.status, 304);
    assert.equal(byTag.body.length, 0);
    assert.equal(byTag.headers['cache-control'], 'no-cache');
    const byDate = await raw(`${app.server.url}/`, { headers: { 'if-modified-since': String(first.headers['last-modified']) } });
    assert.equal(byDate.status, 304);
    const stale = await raw(`${app.server.url}/`, { headers: { 'if-none-match': 'W/"0-0"' } });
    assert.equal(stale.status, 200);
  });

  it('compresses text files above 1 KB only, with brotli and gzip', () => {
    const asset = (name: string) => path.join(build.dist, 'assets', name);
    const script = asset('app-3f2a1b9c.js');
    assert.equal(brotliDecompressSync(readFileSync(`${script}.br`)).toString(), build.files.script);
    assert.equal(gunzipSync(readFileSync(`${script}.gz`)).toString(), build.files.script);
    for (const file of [asset('style-77aa01bc.css'), asset('logo-5d6e7f80.png'), path.join(build.dist, 'index.html'), path.join(build.dist, 'robots.txt')]) {
      assert.ok(!existsSync(`${file}.br`) && !existsSync(`${file}.gz`), file);
    }
    assert.match(build.output, /compressed 1 files/);
  });

  it('serves hashed assets for a year, in brotli or gzip as the client accepts', async () => {
    const url = `${app.server.url}/assets/app-3f2a1b9c.js`;
    const cases: Array<[string | undefined, string | undefined, (b: Buffer) => Buffer]> = [
      ['br, gzip, deflate', 'br', brotliDecompressSync],
      ['gzip, deflate', 'gzip', gunzipSync],
      [undefined, undefined, (b) => b],
    ];
    for (const [accept, encoding, decode] of cases) {
      const res = await raw(url, { headers: accept ? { 'accept-encoding': accept } : {} });
      assert.equal(res.status, 200, accept);
      assert.equal(res.headers['content-encoding'], encoding, accept);
      assert.equal(decode(res.body).toString(), build.files.script, accept);
      assert.match(String(res.headers['content-type']), /^(application|text)\/javascript/, accept);
      assert.equal(res.headers['cache-control'], YEAR, accept);
      assert.match(String(res.headers.vary), /accept-encoding/i, accept);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', accept);
      const again = await raw(url, { headers: { ...(accept ? { 'accept-encoding': accept } : {}), 'if-none-match': String(res.headers.etag) } });
      assert.equal(again.status, 304, accept);
    }
  });

  it('sends small and binary assets as they are', async () => {
    for (const [name, content] of [
      ['style-77aa01bc.css', Buffer.from(build.files.style)],
      ['logo-5d6e7f80.png', build.files.image],
    ] as const) {
      const res = await raw(`${app.server.url}/assets/${name}`, { headers: { 'accept-encoding': 'br, gzip' } });
      assert.equal(res.status, 200, name);
      assert.equal(res.headers['content-encoding'], undefined, name);
      assert.deepEqual(res.body, content, name);
      assert.equal(res.headers['cache-control'], YEAR, name);
    }
  });

  it('serves the build’s other top-level files, revalidated on each use', async () => {
    const res = await raw(`${app.server.url}/robots.txt`);
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), build.files.robots);
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.ok(res.headers.etag);
  });

  it('never serves a file from outside the assets folder', async () => {
    for (const p of ['/assets/', '/assets/%2e%2e/index.html', '/assets/..%2f..%2fpackage.json', '/assets/%2e%2e/%2e%2e/package.json', '/assets//app-3f2a1b9c.js']) {
      const res = await raw(app.server.url + p);
      assert.ok(res.status === 403 || res.status === 404, `${p} → ${res.status}`);
      assert.deepEqual(Object.keys(JSON.parse(res.body.toString())), ['detail'], p);
    }
  });

  it('leaves every other path as it is without the app: API routes, unknown paths, each surface’s 404', async () => {
    const requests: Array<[string, string]> = [
      ['GET', '/c/not-a-conversation'],
      ['GET', '/c/'],
      ['GET', `${CONVERSATION}/more`],
      ['GET', '/login/more'],
      ['GET', '/login//'],
      ['GET', '/index.html'],
      ['GET', '/Login'],
      ['GET', '/favicon.ico'],
      ['GET', '/assets'],
      ['GET', '/assets/missing-0000.js'],
      ['HEAD', '/assets/missing-0000.js'],
      ['POST', '/assets/app-3f2a1b9c.js'],
      ['POST', '/'],
      ['POST', '/login'],
      ['DELETE', CONVERSATION],
      ['GET', '/api/v1/nothing-here'],
      ['GET', '/api/v1/auth/me'],
      ['GET', '/api/v1/conversations/'],
      ['GET', '/api/chat/prompts/x'],
      ['GET', '/v1/nothing-here'],
      ['GET', '/v1/models'],
      ['GET', '/v1/chat/history/x'],
      ['GET', '/aichat/nothing-here'],
      ['GET', '/ws/x'],
      ['GET', '/s/unknown-share'],
      ['GET', '/healthz'],
      ['GET', '/openapi.json'],
      ['GET', '/docs/'],
      ['GET', '/docs'],
    ];
    for (const [method, p] of requests) {
      const [withApp, without] = await Promise.all([raw(app.server.url + p, { method }), raw(apiOnly.server.url + p, { method })]);
      const what = `${method} ${p}`;
      assert.equal(withApp.status, without.status, what);
      assert.equal(withApp.headers['content-type'], without.headers['content-type'], what);
      assert.equal(withApp.headers['content-security-policy'], without.headers['content-security-policy'], what);
      assert.equal(withApp.headers['cache-control'], without.headers['cache-control'], what);
      assert.equal(withApp.headers.location, without.headers.location, what);
      assert.equal(withApp.body.toString(), without.body.toString(), what);
    }
    // The app's routes are not part of the API's description.
    const doc = JSON.parse((await raw(`${app.server.url}/openapi.json`)).body.toString());
    assert.ok(!Object.keys(doc.paths).some((p) => p === '/' || p.startsWith('/c/') || p.startsWith('/assets') || p === '/login'));
    // Unknown paths still answer in their surface's JSON shape.
    assert.deepEqual(JSON.parse((await raw(`${app.server.url}/nothing-here`)).body.toString()), { detail: 'Not Found' });
    assert.equal(JSON.parse((await raw(`${app.server.url}/v1/nothing-here`)).body.toString()).error.code, 'not_found');
    assert.equal(JSON.parse((await raw(`${app.server.url}/aichat/nothing-here`)).body.toString()).code, 404);
  });

  it('serves no app with WEB_APP=false', async () => {
    for (const p of ['/', '/login', CONVERSATION, '/assets/app-3f2a1b9c.js', '/robots.txt']) {
      const res = await raw(apiOnly.server.url + p);
      assert.equal(res.status, 404, p);
      assert.deepEqual(JSON.parse(res.body.toString()), { detail: 'Not Found' }, p);
    }
  });
});

describe('the web app before it is built', () => {
  it('starts, logs one line saying how to build, answers 503 at app paths, then serves a build made later', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-test-'));
    const dist = mkdtempSync(path.join(tmpdir(), 'parley-web-'));
    let server: MainProcess | undefined;
    try {
      server = await startMainProcess({ DATA_DIR: dataDir, HOST: '127.0.0.1', WEB_DIST_DIR: dist, LOG_LEVEL: 'info' });
      for (const p of ['/', '/login', CONVERSATION]) {
        const res = await raw(server.url + p);
        assert.equal(res.status, 503, p);
        assertMissingPage(res, p);
      }
      assert.equal((await raw(`${server.url}/healthz`)).status, 200);
      const api = await raw(`${server.url}/api/v1/nothing-here`);
      assert.deepEqual(JSON.parse(api.body.toString()), { detail: 'Not Found' });
      assert.equal((await raw(`${server.url}/assets/app.js`)).status, 404);
      const hints = server.output().split('\n').filter((line) => line.includes('npm run build:web'));
      assert.equal(hints.length, 1, server.output());
      assert.equal(JSON.parse(hints[0]).level, 40, hints[0]);

      writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Parley</title>\n');
      const built = await raw(`${server.url}/`);
      assert.equal(built.status, 200);
      assert.equal(built.body.toString(), '<!doctype html><title>Parley</title>\n');
    } finally {
      if (server) await killMainProcess(server, 'SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(dist, { recursive: true, force: true });
    }
  });
});

function assertMissingPage(res: RawResponse, where: string) {
  assert.match(String(res.headers['content-type']), /^text\/html/, where);
  assert.match(res.body.toString(), /npm run build:web/, where);
  assert.equal(res.headers['cache-control'], 'no-store', where);
  assert.ok(String(res.headers['content-security-policy']).includes("default-src 'self'"), where);
}
