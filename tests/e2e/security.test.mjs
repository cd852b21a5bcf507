// security.test.mjs - issue 9's browser-side findings in Debian's chromium against the real
// ktpel over HTTPS (docs/security.md "HTTP and browser"):
//  - a page on another port of the same host (the same "site", so the SameSite=Strict cookie
//    goes along) tries to create an admin account while the admin is logged in: a no-cors
//    text/plain fetch, a form posted as text/plain that spells JSON, and a CORS fetch. None
//    may change anything;
//  - the session cookie is Secure, HttpOnly, SameSite=Strict, the replies carry HSTS, and no
//    page of web/ violates its Content-Security-Policy;
//  - the public event stream the display board listens to carries no person while an
//    application is opened and decided;
//  - the kiosk: a browser that is no registered kiosk gets a few numbers and then a clear
//    message; paired by its address, the kiosk takes numbers and says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import { chromium } from 'playwright-core';
import { start, PEOPLE, PASSWORD } from './server.mjs';

let srv, browser, evil;
const evilPort = { port: 0 };

before(async () => {
  srv = await start({ tls: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync'],
  });
  // The attacker's page: HTTPS on another port of the same host (same site as ktpel).
  const page = fs.readFileSync(new URL('./csrf-page.html', import.meta.url), 'utf8');
  evil = https.createServer({ cert: fs.readFileSync(srv.cert), key: fs.readFileSync(srv.key) }, (rq, rs) => {
    rs.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    rs.end(page.replaceAll('__KTPEL__', srv.base));
  });
  await new Promise((r) => evil.listen(0, '127.0.0.1', r));
  evilPort.port = evil.address().port;
});

after(async () => {
  if (browser) await browser.close();
  if (evil) await new Promise((r) => evil.close(r));
  if (srv) await srv.stop();
});

async function newContext() {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'id-ID', timezoneId: 'Asia/Jakarta',
    viewport: { width: 1280, height: 800 } });
  ctx.setDefaultTimeout(10000);
  return ctx;
}

async function login(page, user, loket) {
  // a person already logged in would be sent on: end any session first
  await page.request.post(srv.base + '/api/logout', { data: {} }).catch(() => {});
  await page.goto(srv.base + '/index.html');
  await page.waitForSelector('#login-form');
  await page.fill('#username', user);
  await page.fill('#password', PASSWORD);
  await page.selectOption('#loket', loket ? String(loket) : '');
  await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('index.html')), page.click('#login-btn')]);
}

// A session for the test's own API calls (Node, trusting the made certificate).
async function session(user, loket) {
  const r = await srv.request(srv.base + '/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: user, password: PASSWORD, loket }) });
  assert.equal(r.status, 200, r.body.toString());
  return r.headers['set-cookie'][0].split(';')[0];
}

async function call(method, p, cookie, body, extra = {}) {
  const headers = { ...extra };
  if (cookie) headers.Cookie = cookie;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await srv.request(srv.base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: r.body.length ? r.json() : null, headers: r.headers };
}

test('a page on another port cannot act with the admin\'s session', async () => {
  const ctx = await newContext();
  try {
    const admin = await ctx.newPage();
    await login(admin, 'admin1', 0);
    const users = async () => (await (await admin.request.get(srv.base + '/api/users')).json()).map((u) => u.username);
    const before = await users();
    const cookies = await ctx.cookies(srv.base);
    assert.ok(cookies.some((c) => c.name === 'ktpel_session'), 'logged in');

    const attacker = await ctx.newPage();
    await attacker.goto(`https://127.0.0.1:${evilPort.port}/`);
    // the page reports when its three attempts are done
    await attacker.waitForFunction(() => document.body.dataset.done === '3', null, { timeout: 15000 });
    const report = await attacker.evaluate(() => document.body.dataset.report);
    await new Promise((r) => setTimeout(r, 500)); // the form's request has landed by now
    const after = await users();
    assert.deepEqual(after, before, `no account was created (attacker saw: ${report})`);
    assert.ok(!after.includes('penyusup'));
  } finally { await ctx.close(); }
});

test('HTTPS: a Secure cookie, HSTS, and no page breaks its Content-Security-Policy', async () => {
  const ctx = await newContext();
  try {
    const page = await ctx.newPage();
    const violations = [];
    await page.exposeFunction('cspViolation', (v) => violations.push(v));
    await ctx.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => window.cspViolation(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const resp = page.waitForResponse((r) => r.url().endsWith('/api/login'));
    await login(page, 'camat', 0);
    const lr = await resp;
    assert.match(lr.headers()['strict-transport-security'] || '', /max-age=\d+/);
    const c = (await ctx.cookies(srv.base)).find((k) => k.name === 'ktpel_session');
    assert.ok(c, 'session cookie set');
    assert.equal(c.secure, true, 'Secure');
    assert.equal(c.httpOnly, true, 'HttpOnly');
    assert.equal(c.sameSite, 'Strict');
    // every page of the office, as its role sees it
    for (const p of ['dashboard.html', 'records.html', 'display.html', 'kiosk.html']) {
      await page.goto(`${srv.base}/${p}`);
      await page.waitForLoadState('networkidle').catch(() => {});
    }
    await login(page, 'admin1', 0);
    await page.goto(`${srv.base}/admin.html`);
    await page.waitForSelector('#kiosk-table');
    for (const [u, l, p] of [['petugas1', 1, 'intake.html'], ['operator1', 0, 'operator.html'], ['penyerah1', 3, 'handover.html']]) {
      await login(page, u, l);
      assert.match(page.url(), new RegExp(p));
      await page.waitForLoadState('networkidle').catch(() => {});
    }
    assert.deepEqual(violations, [], 'no Content-Security-Policy violation');
    // an API reply opened directly is sandboxed, a page is not framed by anyone
    const me = await page.request.get(srv.base + '/api/me');
    assert.match(me.headers()['content-security-policy'], /default-src 'none'.*sandbox/);
    const idx = await page.request.get(srv.base + '/index.html');
    assert.match(idx.headers()['content-security-policy'], /frame-ancestors 'none'/);
  } finally { await ctx.close(); }
});

test('the display board\'s public stream carries no person', async () => {
  const ctx = await newContext();
  try {
    const display = await ctx.newPage();
    await display.goto(srv.base + '/display.html');
    // listen to the same public stream the board uses, keeping every message
    await display.evaluate(() => {
      window.seen = [];
      const es = new EventSource('/api/events');
      es.onmessage = (e) => window.seen.push(e.data);
      for (const t of ['ticket_taken', 'ticket_called', 'ticket_served', 'application_changed', 'application_opened'])
        es.addEventListener(t, (e) => window.seen.push(e.data));
    });
    await new Promise((r) => setTimeout(r, 500));
    const intake = await session('petugas1', 1);
    const take = await call('POST', '/api/tickets', null, { service: 'rekam_baru', priority: true, priority_reason: 'disabilitas' },
      { 'X-Ktpel-Kiosk': srv.kiosk });
    assert.equal(take.status, 201);
    const called = await call('POST', '/api/tickets/next', intake, { loket: 1 });
    assert.equal(called.status, 200, JSON.stringify(called.body));
    const opened = await call('POST', '/api/applications', intake, { ticket_id: called.body.id, nik: PEOPLE.odd.nik, kind: 'baru' });
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    await display.waitForFunction(() => window.seen.some((d) => d.includes('"ticket_called"')));
    await new Promise((r) => setTimeout(r, 800));
    const seen = await display.evaluate(() => window.seen.join('\n'));
    assert.match(seen, /"number":"A\d{3}"/);
    assert.doesNotMatch(seen, /\d{16}/, 'no NIK');
    assert.doesNotMatch(seen, new RegExp(PEOPLE.odd.name), 'no name');
    assert.doesNotMatch(seen, /application|disabilitas|priority|petugas1/);
  } finally { await ctx.close(); }
});

test('the kiosk: a stray browser gets a few numbers, the paired kiosk takes them', async () => {
  const ctx = await newContext();
  try {
    const page = await ctx.newPage();
    await page.goto(srv.base + '/kiosk.html');
    await page.waitForSelector('#kiosk-device:has-text("belum terdaftar")');
    let refused = null;
    for (let i = 0; i < 6 && !refused; i++) {
      await page.click('[data-service=hilang_rusak]');
      const r = await Promise.race([
        page.waitForSelector('#ticket-number').then(() => 'ticket'),
        page.waitForSelector('#msg.msg-error').then(() => 'error'),
      ]);
      if (r === 'ticket') await page.click('#done');
      else refused = await page.textContent('#msg');
    }
    assert.ok(refused, 'the budget ran out');
    assert.match(refused, /bukan kios terdaftar/);
    // paired by the address the admin got: numbers again, and the page says it is the kiosk
    await page.goto(`${srv.base}/kiosk.html#pasang=${srv.kiosk}`);
    await page.waitForSelector('#kiosk-device:has-text("Kios terdaftar")');
    assert.equal(new URL(page.url()).hash, '');
    await page.click('[data-service=hilang_rusak]');
    await page.waitForSelector('#ticket-number');
    assert.match(await page.textContent('#ticket-number'), /^C\d{3}$/);
  } finally { await ctx.close(); }
});
