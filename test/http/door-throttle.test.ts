import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomEmail } from '../support/factories.ts';
import { client, type Client, type HttpResult } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const FAILURES = 10;
const REGISTRATIONS = 3;
const REFRESHES = 4;

// Every client here comes through a trusted proxy, so each test picks addresses of its own.
let lastAddress = 0;
const newAddress = () => {
  lastAddress += 1;
  return `198.51.${lastAddress >> 8}.${lastAddress & 255}`;
};
const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

/** A 429 in seed 000's shape, with Retry-After and X-RateLimit-* telling when to come back. */
function assertThrottled(res: HttpResult, limit: number, windowSeconds: number, detail: RegExp) {
  assert.equal(res.status, 429, res.text);
  assert.deepEqual(Object.keys(res.body), ['detail']);
  assert.match(res.body.detail, detail);
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= windowSeconds, `Retry-After ${retryAfter}`);
  assert.equal(res.headers.get('x-ratelimit-limit'), String(limit));
  assert.equal(res.headers.get('x-ratelimit-remaining'), '0');
  assert.equal(res.headers.get('x-ratelimit-reset'), String(retryAfter));
}

describe('throttled doors: login, registration, refresh', () => {
  let server: TestServer;
  let api: Client;

  before(async () => {
    server = await startTestServer({
      env: {
        TRUST_PROXY: 'true',
        THROTTLE_LOGIN_FAILURES: String(FAILURES),
        THROTTLE_REGISTRATIONS_PER_HOUR: String(REGISTRATIONS),
        THROTTLE_REFRESH_PER_MINUTE: String(REFRESHES),
      },
    });
    api = client(server.url);
  });
  after(() => server.close());

  /** Registers from an address of its own, so registrations are not what a test throttles. */
  async function newUser() {
    const email = randomEmail();
    const password = `secret-${lastAddress}-${Math.random().toString(36).slice(2)}`;
    const res = await api.post('/api/v1/auth/register', { email, password }, from(newAddress()));
    assert.equal(res.status, 201, res.text);
    return { email, password, refreshToken: res.body.refresh_token as string };
  }

  const login = (email: string, password: string, address: string) => api.post('/api/v1/auth/login', { email, password }, from(address));

  it('refuses the 11th login to an account, even with the right password, once it has had 10 failures', async () => {
    const user = await newUser();
    // Each failure from another address: only the account's own count can be what refuses.
    for (let i = 0; i < FAILURES; i++) {
      assert.equal((await login(user.email, 'wrong password', newAddress())).status, 401);
    }
    const refused = await login(user.email, user.password, newAddress());
    assertThrottled(refused, FAILURES, 900, /^Too many failed login attempts; try again in \d+ seconds$/);
    // The account is found by its normalised email, whatever case or spacing is sent.
    const disguised = await login(`  ${user.email.toUpperCase()} `, user.password, newAddress());
    assert.equal(disguised.status, 429);

    // Other accounts, from any address, are not affected.
    const other = await newUser();
    assert.equal((await login(other.email, other.password, newAddress())).status, 200);
  });

  it('refuses every login from an address that has had 10 failures, across different emails', async () => {
    const address = newAddress();
    const victims = [await newUser(), await newUser()];
    for (let i = 0; i < FAILURES; i++) {
      const email = [victims[0].email, victims[1].email, randomEmail()][i % 3];
      assert.equal((await login(email, 'guess-123456', address)).status, 401);
    }
    const user = await newUser();
    assertThrottled(await login(user.email, user.password, address), FAILURES, 900, /Too many failed login attempts/);
    // The accounts themselves had fewer than 10 failures each: from elsewhere they log in.
    for (const victim of [...victims, user]) {
      assert.equal((await login(victim.email, victim.password, newAddress())).status, 200);
    }
  });

  it('throttles unknown emails like known ones, so answers do not tell which accounts exist', async () => {
    const unknown = randomEmail();
    const known = await newUser();
    for (let i = 0; i < FAILURES; i++) {
      const a = await login(unknown, 'wrong password', newAddress());
      const b = await login(known.email, 'wrong password', newAddress());
      assert.equal(a.status, 401);
      assert.deepEqual(a.body, b.body);
    }
    const forUnknown = await login(unknown, 'wrong password', newAddress());
    const forKnown = await login(known.email, 'wrong password', newAddress());
    assertThrottled(forUnknown, FAILURES, 900, /Too many failed login attempts/);
    assertThrottled(forKnown, FAILURES, 900, /Too many failed login attempts/);
    assert.equal(forUnknown.body.detail.replace(/\d+/g, 'N'), forKnown.body.detail.replace(/\d+/g, 'N'));
  });

  it('never counts successful logins, and counts failures across them', async () => {
    const user = await newUser();
    const address = newAddress();
    for (let i = 0; i < FAILURES - 1; i++) assert.equal((await login(user.email, 'wrong password', address)).status, 401);
    for (let i = 0; i < FAILURES + 5; i++) {
      const res = await login(user.email, user.password, address);
      assert.equal(res.status, 200, `success ${i + 1}: ${res.text}`);
    }
    // The tenth failure is still allowed (and refused as wrong); only then is the door shut.
    assert.equal((await login(user.email, 'wrong password', address)).status, 401);
    assertThrottled(await login(user.email, user.password, address), FAILURES, 900, /Too many failed login attempts/);
  });

  it('does not count requests refused for bad input as failed guesses', async () => {
    const address = newAddress();
    for (let i = 0; i < FAILURES + 2; i++) {
      assert.equal((await api.post('/api/v1/auth/login', { email: randomEmail() }, from(address))).status, 422);
    }
    const user = await newUser();
    assert.equal((await login(user.email, user.password, address)).status, 200);
  });

  it('limits registrations per address and per hour, refused attempts included', async () => {
    const address = newAddress();
    const emails: string[] = [];
    for (let i = 0; i < REGISTRATIONS; i++) {
      emails.push(randomEmail());
      const res = await api.post('/api/v1/auth/register', { email: emails[i], password: 'a fine passphrase' }, from(address));
      assert.equal(res.status, 201, res.text);
    }
    const refused = await api.post('/api/v1/auth/register', { email: randomEmail(), password: 'a fine passphrase' }, from(address));
    assertThrottled(refused, REGISTRATIONS, 3600, /^Too many registrations from this address; try again in \d+ seconds$/);
    // Nothing was created by the refused attempt: the email is still free elsewhere.
    assert.equal((await api.post('/api/v1/auth/register', { email: emails[0], password: 'another passphrase' }, from(newAddress()))).status, 409);

    // Attempts that fail count too: probing which emails exist is throttled the same way.
    const prober = newAddress();
    for (let i = 0; i < REGISTRATIONS; i++) {
      const dup = await api.post('/api/v1/auth/register', { email: emails[i], password: 'a fine passphrase' }, from(prober));
      assert.equal(dup.status, 409);
    }
    const probe = await api.post('/api/v1/auth/register', { email: emails[0], password: 'a fine passphrase' }, from(prober));
    assertThrottled(probe, REGISTRATIONS, 3600, /Too many registrations/);

    // Another address registers freely.
    const elsewhere = await api.post('/api/v1/auth/register', { email: randomEmail(), password: 'a fine passphrase' }, from(newAddress()));
    assert.equal(elsewhere.status, 201);
  });

  it('limits refreshes per address and per minute, before the token is used', async () => {
    const user = await newUser();
    const address = newAddress();
    let token = user.refreshToken;
    for (let i = 0; i < REFRESHES; i++) {
      const res = await api.post('/api/v1/auth/refresh', { refresh_token: token }, from(address));
      assert.equal(res.status, 200, res.text);
      token = res.body.refresh_token;
    }
    const refused = await api.post('/api/v1/auth/refresh', { refresh_token: token }, from(address));
    assertThrottled(refused, REFRESHES, 60, /^Too many token refreshes from this address; try again in \d+ seconds$/);
    // The refused refresh did not spend the token: from another address it still rotates once.
    const elsewhere = await api.post('/api/v1/auth/refresh', { refresh_token: token }, from(newAddress()));
    assert.equal(elsewhere.status, 200, elsewhere.text);
    assert.notEqual(elsewhere.body.refresh_token, token);
  });
});

describe('door throttles shared by instances through Redis', () => {
  const shared = Boolean(process.env.REDIS_URL && process.env.DATABASE_URL);

  it('refuses a login on one instance after failures on another', { skip: !shared && 'needs REDIS_URL and DATABASE_URL' }, async () => {
    const first = await startTestServer({ env: { THROTTLE_LOGIN_FAILURES: '3' } });
    const second = await startTestServer({ reuse: first });
    try {
      const a = client(first.url);
      const b = client(second.url);
      const email = randomEmail();
      const password = 'shared counters please';
      assert.equal((await a.post('/api/v1/auth/register', { email, password })).status, 201);
      for (const api of [a, b, a]) assert.equal((await api.post('/api/v1/auth/login', { email, password: 'wrong guess' })).status, 401);
      assertThrottled(await b.post('/api/v1/auth/login', { email, password }), 3, 900, /Too many failed login attempts/);
      assertThrottled(await a.post('/api/v1/auth/login', { email, password }), 3, 900, /Too many failed login attempts/);
    } finally {
      await second.stop();
      await first.close();
    }
  });
});
