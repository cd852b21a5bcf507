// afis.test.mjs - the AFIS person-level decision in the browser: a resident is recorded with
// ten fingers, then the same ten fingers come back under another NIK with the hands swapped
// (each slot holds the other hand's finger): the recording is held as a duplicate, and the
// supervisor's side-by-side view on the dashboard shows the fused evidence (the threshold,
// how many fingers matched, the chance among the records) and warns that the fingers matched
// in other slots. The steps before the supervisor go through the real HTTP API (the SOP's
// pages for them are sop.test.mjs's); the fingers are the project's own synthetic ones
// (`ktpel afis synth --templates-only`: a scanner's ISO 19794-2 records), so no ../shared.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { start, PEOPLE, PASSWORD, BIN, facePng, signaturePng, launchBrowser } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, 'out');

let srv, ctx, profile, page, fingers;

before(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  srv = await start();
  fingers = fs.mkdtempSync(path.join(os.tmpdir(), 'ktpel-afis-e2e-'));
  execFileSync(BIN, ['afis', 'synth', '--out', fingers, '--fingers', '10', '--impressions', '2', '--seed', '12', '--templates-only']);
  ({ ctx, profile } = await launchBrowser({ viewport: { width: 1366, height: 900 }, timeout: 15000 }));
  page = ctx.pages()[0] || await ctx.newPage();
});

after(async () => {
  if (ctx) await ctx.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
  if (fingers) fs.rmSync(fingers, { recursive: true, force: true });
  if (srv) await srv.stop();
});

// A session cookie of the API for user at loket (0: none).
async function session(user, loket) {
  const r = await fetch(srv.base + '/api/login', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user, password: PASSWORD, loket: loket || 0 }),
  });
  assert.equal(r.status, 200, `login ${user}: ${await r.text()}`);
  return r.headers.get('set-cookie').split(';')[0];
}

async function call(method, cookie, p, body, type) {
  const headers = {};
  if (cookie) headers.cookie = cookie;
  if (p === '/api/tickets') headers['x-ktpel-kiosk'] = srv.kiosk; // the office's registered kiosk
  if (body !== undefined) headers['content-type'] = type || 'application/json';
  const r = await fetch(srv.base + p, { method, headers, body: body === undefined ? undefined : (type ? body : JSON.stringify(body)) });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${p}: ${r.status} ${text}`);
  return JSON.parse(text);
}

// Ticket, call, open, documents, face, signature, ten fingers (slot i holds synthetic finger
// perm[i], touch `touch`), irises excused, record: the record step's answer.
async function enrol(cookies, nik, perm, touch) {
  const t = await call('POST', null, '/api/tickets', { service: 'rekam_baru' });
  await call('POST', cookies.intake, '/api/tickets/next');
  const a = await call('POST', cookies.intake, '/api/applications', { ticket_id: t.id, nik, kind: 'baru' });
  await call('POST', cookies.intake, `/api/applications/${a.id}/check`, { documents: a.documents_required });
  await call('PUT', cookies.operator, `/api/applications/${a.id}/bio/face`, facePng(nik), 'image/png');
  await call('PUT', cookies.operator, `/api/applications/${a.id}/bio/signature`, signaturePng(), 'image/png');
  for (let i = 0; i < 10; i++) {
    const iso = fs.readFileSync(path.join(fingers, `f${String(perm[i]).padStart(5, '0')}_${touch}.iso`));
    await call('PUT', cookies.operator, `/api/applications/${a.id}/bio/finger_${i + 1}`, iso, 'application/octet-stream');
  }
  for (const slot of ['iris_left', 'iris_right']) {
    await call('POST', cookies.operator, `/api/applications/${a.id}/bio/${slot}/exception`, { reason: 'tidak diambil dalam uji' });
  }
  return call('POST', cookies.operator, `/api/applications/${a.id}/record`);
}

test('a swapped-hand second enrolment is held, and the supervisor sees the fused evidence', async () => {
  const cookies = { intake: await session('petugas1', 1), operator: await session('operator1', 0) };
  const first = await enrol(cookies, PEOPLE.odd.nik, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 0);
  assert.equal(first.state, 'recorded');
  assert.equal(first.afis.duplicate, false);
  const second = await enrol(cookies, PEOPLE.change.nik, [5, 6, 7, 8, 9, 0, 1, 2, 3, 4], 1);
  assert.equal(second.state, 'duplicate');
  assert.equal(second.afis.persons.length, 1);
  // the operator learns that the fingers match someone else, not whom: the NIK is masked
  assert.equal(second.afis.persons[0].matched_nik, PEOPLE.odd.nik.slice(0, 6) + '******' + PEOPLE.odd.nik.slice(12));
  assert.equal(second.afis.persons[0].swapped, true);
  assert.ok(second.afis.persons[0].evidence >= second.afis.threshold);

  // The supervisor's dashboard: the duplicate, side by side, with the fused evidence.
  await page.goto(srv.base + '/index.html');
  await page.waitForSelector('#login-form');
  await page.fill('#username', 'camat');
  await page.fill('#password', PASSWORD);
  await page.selectOption('#loket', '');
  await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('index.html')), page.click('#login-btn')]);
  await page.goto(srv.base + '/dashboard.html');
  await page.waitForSelector(`#duplicates tr:has-text("${PEOPLE.change.nik}") [data-compare]`);
  await page.click(`#duplicates tr:has-text("${PEOPLE.change.nik}") [data-compare]`);
  await page.waitForSelector('#dup-view:not([hidden]) #dup-evidence');
  const ev = await page.textContent('#dup-evidence');
  assert.match(ev, /Bukti gabungan \d+,\d/);
  assert.match(ev, /ambang \d+,\d/);
  assert.match(ev, new RegExp(`\\d+ dari 10 jari cocok dengan rekaman NIK ${PEOPLE.odd.nik}`));
  assert.match(ev, /Peluang rekaman orang lain sekuat ini di antara 1 rekaman/);
  assert.match(await page.textContent('#dup-swapped'), /slot lain/);
  // every matched finger pair names its evidence, and the other slot
  const pairs = await page.locator('#dup-view .finger-pair').allTextContents();
  assert.ok(pairs.length >= 5, `${pairs.length} finger pairs shown`);
  for (const p of pairs) assert.match(p, /skor \d+,\d · bukti \d+,\d · slot lain/);
  await page.screenshot({ path: path.join(OUT, 'afis-duplicate-evidence.png'), fullPage: true });
});
