// accounts.test.mjs - accounts, sessions and the audit trail through the real pages of a real
// ktpel server, in Debian's chromium (playwright-core, as sop.test.mjs). A demo account must
// change its published password before any page works; the rules' refusals are shown and
// change nothing. The admin page lists each account's state and disables, enables and resets
// (the one-time temporary password shown once), lists the active sessions and ends one (that
// browser is sent to the login page). Five wrong passwords lock an account and the login page
// says how long to wait. The supervisor's records page verifies the audit chain and shows who
// read a resident's data; an event edited in the database behind the server (sqlite3) turns
// the records page's check, KONSOLIDASI and then the dashboard's banner red.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { start, PEOPLE, PASSWORD, BIN } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, 'out');

let srv, browser;

before(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  srv = await start();
  // the demo accounts of `make run`, with their published passwords
  execFileSync(BIN, ['demo-users', '--db', srv.db], { stdio: 'ignore' });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

// Each officer in a browser of their own (separate cookies), Jakarta time, Indonesian.
async function desk() {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'id-ID', timezoneId: 'Asia/Jakarta' });
  ctx.setDefaultTimeout(10000);
  const page = await ctx.newPage();
  page.on('dialog', (d) => d.accept());
  return page;
}

const shot = (page, name) => page.screenshot({ path: path.join(OUT, name + '.png'), fullPage: true });

// Wait for the page's error message to say re (the previous message may still be shown).
async function errorShown(page, re) {
  const m = page.locator('#msg.msg-error', { hasText: re });
  await m.waitFor({ state: 'visible' });
  return m.textContent();
}

// Log in; resolves once the browser left the login page (to wherever the server sends it).
async function login(page, user, password, loket) {
  await page.goto(srv.base + '/index.html');
  await page.waitForSelector('#login-form');
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.selectOption('#loket', loket ? String(loket) : '');
  await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('index.html')), page.click('#login-btn')]);
}

// Submit the login form and wait for the server's answer (the previous message may look alike).
async function tryLogin(page, user, password) {
  await page.fill('#username', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/login')), page.click('#login-btn')]);
}

async function changePassword(page, current, next) {
  await page.fill('#current_password', current);
  await page.fill('#new_password', next);
  await page.fill('#confirm_password', next);
  await page.click('#btn-password');
}

test('accounts, sessions and the audit trail in the browser', async (t) => {
  let failed = false;
  const pages = [];
  const step = (name, fn) => t.test(name, async (st) => {
    if (failed) return st.skip('an earlier step failed');
    try { await fn(); } catch (e) { failed = true; for (const [n, p] of pages) await shot(p, `accounts-failure-${n}`).catch(() => {}); throw e; }
  });
  const admin = await desk(), demo = await desk(), other = await desk(), camat = await desk(), loket = await desk();
  pages.push(['admin', admin], ['demo', demo], ['other', other], ['camat', camat], ['loket', loket]);

  await step('a demo account changes its published password before anything else', async () => {
    await login(demo, 'intake', 'intake-demo-123', 1);
    await demo.waitForURL(/password\.html/);
    await demo.waitForSelector('#why.msg-warn');
    // another page sends it back
    await demo.goto(srv.base + '/intake.html');
    await demo.waitForURL(/password\.html/);
    // the rules, refused with the reason; nothing changes
    await changePassword(demo, 'intake-demo-123', '1234567890123');
    await errorShown(demo, /hanya angka/);
    await changePassword(demo, 'intake-demo-123', 'intake-demo-123');
    await errorShown(demo, /berbeda|umum/);
    await demo.fill('#current_password', 'intake-demo-123');
    await demo.fill('#new_password', 'Loket satu buka jam 8');
    await demo.fill('#confirm_password', 'Loket satu buka jam 9');
    await demo.click('#btn-password');
    await errorShown(demo, /tidak sama/);
    await shot(demo, 'accounts-01-forced-change');
    await changePassword(demo, 'intake-demo-123', 'Loket satu buka jam 8');
    await demo.waitForURL(/intake\.html/);
    await demo.waitForSelector('#logout');
    // the published password is gone
    const r = await fetch(srv.base + '/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'intake', password: 'intake-demo-123' }) });
    assert.equal(r.status, 401);
  });

  await step('five wrong passwords lock an account; the login page says how long to wait', async () => {
    await other.goto(srv.base + '/index.html');
    for (let i = 0; i < 5; i++) {
      await tryLogin(other, 'penyerah1', 'salah-sekali');
      await errorShown(other, i < 4 ? /salah/ : /dikunci/);
    }
    await tryLogin(other, 'penyerah1', PASSWORD);
    await errorShown(other, /dikunci sementara.*Coba lagi dalam 5 menit/);
    await shot(other, 'accounts-02-locked');
  });

  await step('admin: account states, unlock, disable and enable', async () => {
    await login(admin, 'admin1', PASSWORD);
    await admin.goto(srv.base + '/admin.html');
    await admin.waitForSelector('#user-table tr[data-user=penyerah1] .badge-amber');
    assert.match(await admin.textContent('#user-table tr[data-user=penyerah1] .state'), /terkunci/);
    assert.match(await admin.textContent('#user-table tr[data-user=operator] .state'), /wajib ganti sandi/);
    await admin.click('#user-table tr[data-user=penyerah1] [data-unlock]');
    await admin.waitForSelector('#msg.msg-ok:has-text("dibuka kembali")');
    await admin.waitForSelector('#user-table tr[data-user=penyerah1] .badge-green');
    // disable camat's colleague: the login is refused with a clear message
    await admin.click('#user-table tr[data-user=penyerah1] [data-disable]');
    await admin.waitForSelector('#user-table tr[data-user=penyerah1] .badge-red');
    await other.goto(srv.base + '/index.html');
    await tryLogin(other, 'penyerah1', PASSWORD);
    await errorShown(other, /dinonaktifkan/);
    // the admin's own account has no disable button
    assert.equal(await admin.locator('#user-table tr[data-user=admin1] [data-disable]').count(), 0);
    await admin.click('#user-table tr[data-user=penyerah1] [data-enable]');
    await admin.waitForSelector('#user-table tr[data-user=penyerah1] .badge-green');
    await login(other, 'penyerah1', PASSWORD, 3);
    await other.waitForURL(/handover\.html/);
  });

  await step('admin: the active sessions, one ended', async () => {
    await admin.click('#btn-sessions');
    await admin.waitForSelector('#session-table tr[data-user=penyerah1]');
    assert.match(await admin.textContent('#session-table tr[data-user=penyerah1]'), /127\.0\.0\.1/);
    assert.match(await admin.textContent('#session-table tr[data-user=admin1]'), /sesi ini/);
    await shot(admin, 'accounts-03-sessions');
    await admin.click('#session-table tr[data-user=penyerah1] [data-revoke]');
    await admin.waitForSelector('#msg.msg-warn:has-text("diakhiri")');
    await admin.locator('#session-table tr[data-user=penyerah1]').waitFor({ state: 'detached' });
    // that browser is logged out at its next page
    await other.goto(srv.base + '/handover.html');
    await other.waitForURL(/index\.html/);
  });

  await step('admin: reset a password; the temporary one is shown once and must be changed', async () => {
    await admin.click('#user-table tr[data-user=operator1] [data-reset]');
    const temp = (await admin.textContent('#temp-password .mono')).trim();
    assert.match(temp, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    await shot(admin, 'accounts-04-reset');
    await admin.reload();
    await admin.waitForSelector('#user-table tr[data-user=operator1]');
    assert.equal(await admin.locator('#temp-password').count(), 0, 'shown once');
    await login(other, 'operator1', temp);
    await other.waitForURL(/password\.html/);
    await changePassword(other, temp, 'Sidik jari sepuluh');
    await other.waitForURL(/operator\.html/);
  });

  await step('supervisor: who read a resident, the audit chain intact', async () => {
    // the intake officer looks a resident up
    await login(loket, 'petugas1', PASSWORD, 1);
    await loket.waitForURL(/intake\.html/);
    const r = await loket.request.get(`${srv.base}/api/residents/${PEOPLE.odd.nik}`);
    assert.equal(r.status(), 200);
    await login(camat, 'camat', PASSWORD);
    await camat.goto(srv.base + '/records.html');
    await camat.click('#btn-audit-verify');
    await camat.waitForSelector('#audit-status.msg-ok');
    assert.match(await camat.textContent('#audit-status'), /utuh/);
    await camat.fill('#reads-nik', '123');
    await camat.click('#btn-reads');
    await errorShown(camat, /16 digit/);
    await camat.fill('#reads-nik', PEOPLE.odd.nik);
    await camat.click('#btn-reads');
    await camat.waitForSelector('#reads-table');
    const row = await camat.textContent('#reads-table tbody tr:first-child');
    assert.match(row, /petugas1/);
    assert.match(row, /Cari NIK/);
    await shot(camat, 'accounts-05-reads');
  });

  await step('an event edited behind the server: the check, KONSOLIDASI and the dashboard turn red', async () => {
    execFileSync('sqlite3', [srv.db, "UPDATE events SET note = 'disunting' WHERE action = 'login' AND username = 'petugas1'"]);
    await camat.goto(srv.base + '/records.html');
    await camat.click('#btn-audit-verify');
    await camat.waitForSelector('#audit-status.msg-error');
    assert.match(await camat.textContent('#audit-status'), /RUSAK/);
    assert.match(await camat.textContent('#audit-problems'), /diubah setelah dicatat/);
    await camat.click('#btn-konsolidasi');
    await camat.waitForSelector('[data-check=audit_chain]');
    assert.match(await camat.textContent('[data-check=audit_chain] summary'), /Jejak audit rusak.*: [1-9]/);
    // the dashboard shows the last verification (at most 10 minutes old)
    await camat.goto(srv.base + '/dashboard.html');
    await camat.waitForSelector('#audit-alert:not([hidden])');
    assert.match(await camat.textContent('#audit-alert'), /Jejak audit rusak.*diubah setelah dicatat/);
    await shot(camat, 'accounts-06-dashboard-broken');
  });

  for (const [, p] of pages) await p.context().close();
});
