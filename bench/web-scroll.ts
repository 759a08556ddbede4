// A 1,000-message conversation in the web app: how long it takes to show, and how smoothly it
// scrolls, against a reference measured in the same run: the same messages as plain static
// HTML (no framework, no Markdown) in the same browser. Frame times come from
// requestAnimationFrame while the page scrolls a fixed distance every frame from the bottom to
// the top; the ratios say what the app costs over the cheapest possible page.
//
//   npm run bench:web-scroll                   (needs Debian's chromium at /usr/bin/chromium)
//
// Knobs: BENCH_MESSAGES=1000 messages; BENCH_ROUNDS=3 scroll passes per page, alternating;
// BENCH_CPU_THROTTLE=4 slows Chromium's CPU that many times (a slow laptop or a phone);
// BENCH_WEB_DIST=<folder> serves another build of the app (to measure a version before a change).

import { chromium, type Page } from 'playwright-core';
import { ensureWebBuild } from '../test/browser/support/browser.ts';
import { registerUser } from '../test/support/factories.ts';
import { client } from '../test/support/http.ts';
import { startTestServer } from '../test/support/server.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STEP_PX = 120;

/** A reply as models write them: prose, a list, a code block, now and then a table. */
function reply(i: number): string {
  const table = i % 5 === 0 ? '\n\n| n | square |\n|---|---|\n| 2 | 4 |\n| 3 | 9 |\n' : '';
  return [
    `Answer ${i}: here is how it works, step by step, with **emphasis** and \`inline code\`.`,
    '\n\n- first, read the input\n- then, sort it\n- finally, print it\n\n',
    '```python\ndef solve(items):\n    items.sort()\n    return items[0]\n```',
    table,
  ].join('');
}

function conversation() {
  const messages = [];
  for (let i = 0; i < MESSAGES / 2; i++) {
    messages.push({ role: 'user', content: `Question ${i}: how would you solve problem number ${i}?` });
    messages.push({ role: 'assistant', content: reply(i) });
  }
  return { title: 'A long conversation', messages };
}

/** The same messages as the cheapest page that could show them. */
function staticPage(conv: ReturnType<typeof conversation>): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const body = conv.messages.map((m) => `<div class="m ${m.role}"><pre>${esc(m.content)}</pre></div>`).join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><style>
    body{margin:0;font:15px/1.55 system-ui} #s{height:100vh;overflow-y:auto} .m{max-width:46rem;margin:1rem auto;padding:0 1rem}
    pre{white-space:pre-wrap;font:inherit} .user pre{background:#eee;border-radius:12px;padding:.5rem .8rem}
    </style></head><body><div id="s">${body}</div></body></html>`;
}

interface Scroll {
  frames: number[];
}

/** Scrolls the scroller from the bottom to the top, a fixed step per frame; answers the frame times. */
async function scrollPass(page: Page, selector: string): Promise<Scroll> {
  return page.evaluate(
    ({ selector, step }) =>
      new Promise<Scroll>((resolve) => {
        // Runs in the page; the benchmark's own types know no DOM.
        const page = globalThis as unknown as {
          document: { querySelector(s: string): { scrollTop: number; scrollHeight: number } };
          requestAnimationFrame(cb: (now: number) => void): void;
        };
        const { requestAnimationFrame } = page;
        const el = page.document.querySelector(selector);
        el.scrollTop = el.scrollHeight;
        const frames: number[] = [];
        let last = performance.now();
        const tick = (now: number) => {
          frames.push(now - last);
          last = now;
          // At the top, or bounded: a page that keeps growing as it scrolls still ends.
          if (el.scrollTop <= 0 || frames.length > 20_000) return resolve({ frames: frames.slice(1) });
          el.scrollTop -= step;
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
    { selector, step: STEP_PX },
  );
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function main() {
  ensureWebBuild();
  const dist = process.env.BENCH_WEB_DIST;
  const server = await startTestServer({ env: { IMPORT_MAX_BYTES: String(50 * 1024 * 1024), ...(dist ? { WEB_DIST_DIR: dist } : {}) } });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const api = client(server.url);
    const user = await registerUser(api);
    const conv = conversation();
    const imported = await api.post('/api/v1/import', conv, { token: user.token });
    if (imported.status !== 201) throw new Error(`import failed: ${imported.status} ${imported.text.slice(0, 300)}`);
    const [id] = imported.body.conversation_ids as string[];
    const html = staticPage(conv);

    const context = await browser.newContext({ viewport: { width: 1280, height: 820 } });
    const app = await context.newPage();
    app.on('crash', () => console.error('the app page crashed'));
    app.on('pageerror', (err) => console.error(`page error: ${err.message}`));
    await app.goto(`${server.url}/login`);
    await app.getByLabel('Email').fill(user.email);
    await app.getByLabel('Password', { exact: true }).fill(user.password);
    await app.getByRole('button', { name: 'Sign in' }).click();
    await app.getByRole('textbox', { name: 'Message' }).waitFor();
    const reference = await context.newPage();
    const throttle = Number(process.env.BENCH_CPU_THROTTLE ?? 1);
    if (throttle > 1) {
      for (const page of [app, reference]) await (await context.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate: throttle });
    }

    const results = { app: { show: [] as number[], frames: [] as number[] }, reference: { show: [] as number[], frames: [] as number[] } };
    for (let round = 0; round < ROUNDS; round++) {
      // Only the page in front gets animation frames.
      await app.bringToFront();
      let started = performance.now();
      await app.goto(`${server.url}/c/${id}`);
      await app.getByText(`Answer ${MESSAGES / 2 - 1}:`).waitFor({ timeout: 60_000 });
      results.app.show.push(performance.now() - started);
      results.app.frames.push(...(await scrollPass(app, '.chat-scroll')).frames);

      await reference.bringToFront();
      started = performance.now();
      await reference.setContent(html);
      await reference.getByText(`Answer ${MESSAGES / 2 - 1}:`).waitFor();
      results.reference.show.push(performance.now() - started);
      results.reference.frames.push(...(await scrollPass(reference, '#s')).frames);
    }
    const row = (name: string, r: { show: number[]; frames: number[] }) => ({
      name,
      show: quantile(r.show, 0.5),
      p50: quantile(r.frames, 0.5),
      p95: quantile(r.frames, 0.95),
      p99: quantile(r.frames, 0.99),
      long: r.frames.filter((f) => f > 50).length / r.frames.length,
    });
    const a = row('web app', results.app);
    const ref = row('static HTML', results.reference);
    const f = (n: number) => n.toFixed(1);
    console.log(`${MESSAGES} messages, ${ROUNDS} passes each, ${STEP_PX} px per frame${throttle > 1 ? `, CPU ${throttle}× slower` : ''}`);
    console.log('page         | shown (ms) | frame p50 | p95 | p99 | frames > 50 ms');
    for (const r of [a, ref]) console.log(`${r.name.padEnd(12)} | ${f(r.show).padStart(10)} | ${f(r.p50).padStart(9)} | ${f(r.p95)} | ${f(r.p99)} | ${(r.long * 100).toFixed(1)}%`);
    console.log(
      `ratios app/reference: shown ${(a.show / ref.show).toFixed(2)}x, frame p50 ${(a.p50 / ref.p50).toFixed(2)}x, p95 ${(a.p95 / ref.p95).toFixed(2)}x, p99 ${(a.p99 / ref.p99).toFixed(2)}x`,
    );
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
