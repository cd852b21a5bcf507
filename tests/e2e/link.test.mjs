// link.test.mjs - the browser test of the link to Disdukcapil (issue 11): a city on loopback
// (the central `ktpel serve --role pusat` on a throwaway PostgreSQL from tests/pg/pg_tmp.sh,
// two kecamatan nodes on SQLite, enrolled with one-time codes). People are recorded through
// the API (the SOP's own pages are sop.test.mjs's); the browser drives what is new:
//   - node A's "Kiriman ke Disdukcapil" page: the packet waiting, "Kirim sekarang", sent;
//   - the central's print page: the administrator restocks blanko and ribbon, the card of the
//     person recorded at node A is queued, printed with its serial (the stock goes down) and
//     shipped to Neglasari; node A's Kiriman page receives the shipment (the card printed there);
//   - the central's page: the overview per kecamatan, the adjudication of a person recorded at
//     node B with node A's fingers (side by side, decided with a note), and the decision
//     reaching node B (its application rejected).
// Skipped (not failed) when the PostgreSQL server binaries are absent, as the pg suites are.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import { ktpel, freePort, BIN, SOURCE, launchBrowser } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, 'out');
const PASSWORD = 'Rahasia-uji-123';
const A1 = '3671101203900001';
const B1 = '3671051505910007';
const HEAD = 'nik,kk_number,name,birth_place,birth_date,sex,agama,marital_status,pekerjaan,address,rt,rw,kelurahan_code,kecamatan_code,ktp_status,card_valid';
const ROW_A = `${A1},3671100101090001,AHMAD FAUZI,TANGERANG,1990-03-12,L,1,2,15,JL. SITANALA NO. 5,002,005,3671101001,367110,UNREGISTERED,0`;
const ROW_B = `${B1},3671050101090001,RUDI HERMAWAN,TANGERANG,1991-05-15,L,1,2,15,JL. CIPONDOH NO. 7,001,002,3671051001,367105,UNREGISTERED,0`;

let dir, pgdir, pgbase, central, pin, na, nb, ctx, profile, synth, skipped = '';
const img = {}; // PNGs drawn by the browser: faces with the backdrop the birth year needs, grey
const procs = [];

async function serve(args, tls) {
  const port = await freePort();
  const base = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const proc = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--web', path.join(SOURCE, 'web'), '--quiet', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  procs.push({ proc, log: () => log });
  for (let i = 0; i < 200; i++) {
    if (tls) { // Node's fetch does not take a self-signed certificate: wait for the port
      const up = await new Promise((r) => { const c = net.connect(port, '127.0.0.1', () => { c.end(); r(true); }); c.on('error', () => r(false)); });
      if (up) return base;
    } else {
      try { const r = await fetch(base + '/index.html'); if (r.ok) return base; } catch (e) { /* not up yet */ }
    }
    if (proc.exitCode !== null) throw new Error('ktpel serve exited: ' + log);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('ktpel serve did not answer: ' + log);
}

// A staff session through the API (cookie string).
async function session(base, user, loket) {
  const r = await fetch(base + '/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: user, password: PASSWORD, loket: loket || 0 }) });
  assert.equal(r.status, 200, `login ${user}: ${await r.text()}`);
  return r.headers.get('set-cookie').split(';')[0];
}

async function call(base, cookie, method, p, body, type, extra) {
  const headers = { Cookie: cookie || '', ...(extra || {}) };
  let data;
  if (body instanceof Uint8Array) { headers['Content-Type'] = type; data = body; } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    data = JSON.stringify(body);
  }
  const r = await fetch(base + p, { method, headers, body: data });
  const j = await r.json().catch(() => null);
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(j)}`);
  return j;
}

async function node(csvRow, kec, name) {
  const d = fs.mkdtempSync(path.join(dir, 'node-'));
  const db = path.join(d, 'ktpel.db');
  ktpel(['init', '--db', db]);
  fs.writeFileSync(path.join(d, 'siak.csv'), `${HEAD}\n${csvRow}\n`);
  ktpel(['import-siak', path.join(d, 'siak.csv'), '--db', db]);
  for (const [u, role, loket] of [['petugas1', 'intake', 1], ['operator1', 'operator', 0], ['penyerah1', 'handover', 3], ['camat', 'supervisor', 0]]) {
    const args = ['user', 'add', u, '--role', role, '--full-name', u.toUpperCase(), '--db', db];
    if (loket) args.push('--loket', String(loket));
    ktpel(args, PASSWORD + '\n');
  }
  const reg = JSON.parse(ktpel(['pusat', 'node', 'add', '--kecamatan', kec, '--name', name, '--db', `${pgbase}/ktpel`, '--data', path.join(dir, 'central')]));
  // Over HTTPS, the central's TLS key pinned (no certificate authority is trusted).
  ktpel(['link', 'enrol', '--central', central, '--pin', pin, '--node-id', reg.node_id, '--code', reg.code, '--db', db]);
  const base = await serve(['--db', db, '--data', path.join(d, 'data'), '--link-interval', '3600000']);
  const kiosk = JSON.parse(ktpel(['kiosk', 'add', 'Kios lobi', '--db', db])).token;
  const c = {};
  for (const [u, l] of [['petugas1', 1], ['operator1', 0], ['penyerah1', 3], ['camat', 0]]) c[u] = await session(base, u, l);
  return { base, db, c, kiosk };
}

// SOP steps 1-4 through the API: three fingers from the synthetic set at impression imp.
async function record(n, nik, imp) {
  await call(n.base, '', 'POST', '/api/tickets', { service: 'rekam_baru' }, undefined, { 'X-Ktpel-Kiosk': n.kiosk });
  const t = await call(n.base, n.c.petugas1, 'POST', '/api/tickets/next', {});
  const a = await call(n.base, n.c.petugas1, 'POST', '/api/applications', { ticket_id: t.id, nik, kind: 'baru' });
  await call(n.base, n.c.petugas1, 'POST', `/api/applications/${a.id}/check`, { documents: a.documents_required });
  const odd = Number(nik[11]) % 2 === 1; // the NIK's birth year: red backdrop odd, blue even
  await call(n.base, n.c.operator1, 'PUT', `/api/applications/${a.id}/bio/face`, odd ? img.red : img.blue, 'image/png');
  for (const s of ['signature', 'iris_left', 'iris_right']) await call(n.base, n.c.operator1, 'PUT', `/api/applications/${a.id}/bio/${s}`, img.grey, 'image/png');
  for (let f = 1; f <= 10; f++) {
    if (f > 3) { await call(n.base, n.c.operator1, 'POST', `/api/applications/${a.id}/bio/finger_${f}/exception`, { reason: 'jari terluka' }); continue; }
    const png = fs.readFileSync(path.join(synth, `f0000${f - 1}_${imp}.png`));
    await call(n.base, n.c.operator1, 'PUT', `/api/applications/${a.id}/bio/finger_${f}`, new Uint8Array(png), 'image/png');
  }
  await call(n.base, n.c.operator1, 'POST', `/api/applications/${a.id}/record`);
  await call(n.base, n.c.penyerah1, 'POST', `/api/applications/${a.id}/receipt`);
  return a.id;
}

async function waitState(n, app, state) {
  let last = '';
  for (let i = 0; i < 100; i++) {
    await call(n.base, n.c.camat, 'POST', '/api/kiriman/sync');
    last = (await call(n.base, n.c.camat, 'GET', `/api/applications/${app}`)).state;
    if (last === state) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  assert.fail(`application ${app} stayed ${last}, want ${state}`);
}

async function login(page, base, user, next) {
  await page.goto(`${base}/index.html${next ? '?next=' + next : ''}`);
  await page.waitForSelector('#login-form');
  await page.fill('#username', user);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('index.html')), page.click('#login-btn')]);
  await page.waitForSelector('#logout');
}

before(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktpel-e2e-city-'));
  pgdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktpel-pg-'));
  const pg = spawnSync('sh', [path.join(SOURCE, 'tests/pg/pg_tmp.sh'), 'start', pgdir, String(await freePort()), String(process.pid)], { encoding: 'utf8' });
  if (pg.status === 77) { skipped = pg.stdout.trim() || 'SKIP: PostgreSQL not available'; return; }
  assert.equal(pg.status, 0, pg.stderr);
  pgbase = pg.stdout.trim();
  const cdata = path.join(dir, 'central');
  const cdb = `${pgbase}/ktpel`;
  ktpel(['init', '--db', cdb, '--data', cdata]);
  fs.writeFileSync(path.join(dir, 'siak.csv'), `${HEAD}\n${ROW_A}\n${ROW_B}\n`);
  ktpel(['import-siak', path.join(dir, 'siak.csv'), '--db', cdb, '--data', cdata]);
  ktpel(['user', 'add', 'petugas_pusat', '--role', 'supervisor', '--full-name', 'PETUGAS DISDUKCAPIL', '--db', cdb, '--data', cdata], PASSWORD + '\n');
  ktpel(['user', 'add', 'admin_pusat', '--role', 'admin', '--full-name', 'ADMIN DISDUKCAPIL', '--db', cdb, '--data', cdata], PASSWORD + '\n');
  // The central serves HTTPS with a certificate made by ktpel; the nodes pin its public key:
  // sha256// + base64 of the SHA-256 of its SubjectPublicKeyInfo (libcurl's pin format).
  const cert = path.join(dir, 'cert.pem'), key = path.join(dir, 'key.pem');
  ktpel(['tls', 'self-signed', '--cert', cert, '--key', key]);
  const spki = new crypto.X509Certificate(fs.readFileSync(cert)).publicKey.export({ type: 'spki', format: 'der' });
  pin = 'sha256//' + crypto.createHash('sha256').update(spki).digest('base64');
  central = await serve(['--role', 'pusat', '--db', cdb, '--data', cdata, '--tls-cert', cert, '--tls-key', key], true);
  synth = fs.mkdtempSync(path.join(os.tmpdir(), 'ktpel-synth-'));
  ktpel(['afis', 'synth', '--out', synth, '--fingers', '3', '--impressions', '2', '--seed', '4242', '--format', 'png']);
  na = await node(ROW_A, '367110', 'Kecamatan Neglasari');
  nb = await node(ROW_B, '367105', 'Kecamatan Cipondoh');
  ({ ctx, profile } = await launchBrowser({ viewport: { width: 1366, height: 900 }, timeout: 15000, ignoreHTTPSErrors: true }));
  const p = await ctx.newPage();
  const draw = (kind) => p.evaluate((k) => {
    const cv = document.createElement('canvas');
    cv.width = 300; cv.height = 400;
    const g = cv.getContext('2d');
    if (k === 'grey') {
      g.fillStyle = '#c8c8c8'; g.fillRect(0, 0, 300, 400);
      g.strokeStyle = '#202020'; g.lineWidth = 4;
      for (let i = 0; i < 6; i++) { g.beginPath(); g.moveTo(20 + i * 40, 80); g.lineTo(60 + i * 35, 320); g.stroke(); }
    } else {
      g.fillStyle = k === 'red' ? 'rgb(198,40,40)' : 'rgb(21,101,192)'; g.fillRect(0, 0, 300, 400);
      g.fillStyle = '#e0b090'; g.beginPath(); g.ellipse(150, 190, 85, 115, 0, 0, Math.PI * 2); g.fill();
    }
    return cv.toDataURL('image/png').split(',')[1];
  }, kind);
  for (const k of ['red', 'blue', 'grey']) img[k] = new Uint8Array(Buffer.from(await draw(k), 'base64'));
  await p.close();
});

after(async () => {
  if (ctx) await ctx.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
  for (const p of procs.reverse()) {
    p.proc.kill('SIGTERM');
    await new Promise((r) => {
      if (p.proc.exitCode !== null || p.proc.signalCode !== null) return r();
      const t = setTimeout(() => { p.proc.kill('SIGKILL'); }, 20000);
      p.proc.on('exit', () => { clearTimeout(t); r(); });
    });
    const bad = /(AddressSanitizer|LeakSanitizer|runtime error:)[^\n]*/.exec(p.log());
    if (bad) throw new Error(`ktpel serve: ${bad[0]}`);
  }
  if (pgdir) spawnSync('sh', [path.join(SOURCE, 'tests/pg/pg_tmp.sh'), 'stop', pgdir]);
  if (synth) fs.rmSync(synth, { recursive: true, force: true });
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('a node refuses a central whose TLS key is not the pinned one', (t) => {
  if (skipped) return t.skip(skipped);
  const db = path.join(dir, 'stranger.db');
  ktpel(['init', '--db', db]);
  const wrong = 'sha256//' + crypto.createHash('sha256').update('another key').digest('base64');
  const r = spawnSync(BIN, ['link', 'enrol', '--central', central, '--pin', wrong, '--node-id', '367199-01',
    '--code', 'AAAAA-BBBBB-CCCCC-DDDDD', '--db', db], { encoding: 'utf8', timeout: 60000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /tidak dapat dihubungi/); // the handshake is refused: nothing sent
});

test('the node sends its packet from the Kiriman page', async (t) => {
  if (skipped) return t.skip(skipped);
  const app = await record(na, A1, 0);
  const page = await ctx.newPage();
  await login(page, na.base, 'camat', 'kiriman.html');
  await page.waitForSelector('#packet-table tbody tr');
  // Committed with the recording; the file is built by the next round (pending -> ready).
  assert.match(await page.locator('#packet-table tbody tr').first().getAttribute('data-state'), /^(pending|ready)$/);
  await page.click('#btn-send-now');
  await page.waitForSelector('#msg:not([hidden])');
  assert.match(await page.textContent('#msg'), /Terkirim 1/);
  await page.waitForSelector('#packet-table tbody tr[data-state="sent"]');
  await waitState(na, app, 'print_ready');
  await page.reload();
  await page.waitForSelector('#packet-table tbody tr[data-state="sent"]');
  assert.match(await page.textContent('#packet-table'), /Siap cetak|Diterima Disdukcapil/);
  await page.screenshot({ path: path.join(OUT, 'link-kiriman.png'), fullPage: true });
  // The dashboard: linked, so no manual "Kirim ke Disdukcapil" buttons.
  await page.goto(na.base + '/dashboard.html');
  await page.waitForSelector('#link-summary');
  assert.equal(await page.locator('#central button[data-action="send"]').count(), 0);
  await page.close();
});

test('the central prints and ships the card; node A receives the shipment', async (t) => {
  if (skipped) return t.skip(skipped);
  const apps = await call(na.base, na.c.camat, 'GET', '/api/applications?state=print_ready');
  const app = apps.find((a) => a.nik === A1);
  assert.ok(app, 'A1 is print ready at node A');
  const page = await ctx.newPage();
  await login(page, central, 'admin_pusat', 'pusat-cetak.html');
  await page.waitForSelector('#stock-table');
  assert.match(await page.textContent('#stock-alert'), /habis/);
  // The administrator restocks: blanko and ribbon.
  for (const [item, qty] of [['blanko', '10'], ['ribbon', '10']]) {
    await page.selectOption('#restock-item', item);
    await page.fill('#restock-qty', qty);
    await page.click('#btn-restock');
    await page.waitForFunction((it) => document.querySelector(`#stock-table tr[data-item="${it}"] .qty`)?.textContent === '10', item);
  }
  // PRR -> the print queue -> printed with its serial: one blanko fewer.
  await page.waitForSelector('#ready-table tbody tr');
  await page.check('#ready-table tbody tr input[type=checkbox]');
  await page.click('#btn-enqueue');
  await page.waitForSelector('#queue-table tbody tr');
  await page.fill('#queue-table tbody tr input.serial', '3671-0000001');
  await page.click('#queue-table button[data-print]');
  await page.waitForFunction(() => /tercetak/.test(document.querySelector('#msg').textContent));
  await page.waitForFunction(() => document.querySelector('#stock-table tr[data-item="blanko"] .qty')?.textContent === '9');
  // Shipped to Neglasari.
  await page.click('#ship-table button[data-ship="367110"]');
  await page.waitForFunction(() => /Kiriman KRM-367110-/.test(document.querySelector('#msg').textContent));
  await page.waitForSelector('#shipment-table tbody tr');
  await page.screenshot({ path: path.join(OUT, 'link-cetak.png'), fullPage: true });
  await page.click('#logout'); // the officer's session at the central is the next test's
  await page.waitForURL((u) => u.pathname.endsWith('index.html'));
  await page.close();
  // Node A learns the shipment and its officer receives it on the Kiriman page.
  await call(na.base, na.c.camat, 'POST', '/api/kiriman/sync');
  const np = await ctx.newPage();
  await login(np, na.base, 'camat', 'kiriman.html');
  await np.waitForSelector('table.shipment tbody tr[data-state="shipped"]');
  assert.match(await np.textContent('table.shipment'), /3671-0000001/);
  await np.click('button[data-receive]');
  await np.waitForFunction(() => /1 kartu diterima/.test(document.querySelector('#msg').textContent));
  await np.waitForSelector('table.shipment tbody tr[data-state="received"]');
  await np.screenshot({ path: path.join(OUT, 'link-kiriman-kartu.png'), fullPage: true });
  await np.close();
  assert.equal((await call(na.base, na.c.camat, 'GET', `/api/applications/${app.id}`)).state, 'printed');
});

test('the central adjudicates a duplicate and node B learns it', async (t) => {
  if (skipped) return t.skip(skipped);
  const app = await record(nb, B1, 1); // node A's fingers under another NIK
  await waitState(nb, app, 'duplicate');
  const page = await ctx.newPage();
  await login(page, central, 'petugas_pusat', 'pusat.html');
  await page.waitForSelector('#overview-table tbody tr');
  assert.match(await page.textContent('#overview-table'), /367110/);
  await page.waitForSelector('#adj-table tbody tr');
  await page.click('#adj-table button[data-compare]');
  await page.waitForSelector('#adj-view:not([hidden]) h3');
  assert.match(await page.textContent('#adj-view'), new RegExp(A1));
  assert.match(await page.textContent('#adj-view'), new RegExp(B1));
  await page.screenshot({ path: path.join(OUT, 'link-adjudication.png'), fullPage: true });
  await page.fill('#adj-note', 'Sidik jari sama dengan rekaman Neglasari');
  await page.click('#btn-dup');
  await page.waitForSelector('#msg:not([hidden])');
  assert.match(await page.textContent('#msg'), /Terindikasi ganda/);
  await page.waitForSelector('#adjudications p.muted');
  await waitState(nb, app, 'rejected');
  await page.close();
});
