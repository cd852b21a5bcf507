// server.mjs - runs the real ktpel for the browser test: a temp folder with a fresh
// database (ktpel init, demo-data, a SIAK import of known residents, one account per role, a
// registered kiosk), then `ktpel serve` on a free loopback port with the SOP's loket layout
// and a backup folder. Everything is removed by stop().
// start({ tls: true }) serves HTTPS with a certificate made by `ktpel tls self-signed`; the
// tests' own requests (srv.request) trust exactly that certificate.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE = path.resolve(here, '../..');
export const BIN = process.env.KTPEL_BIN || path.join(SOURCE, 'build', 'ktpel');
export const PASSWORD = 'Rahasia-uji-123';

// Residents the test knows. NIK = kecamatan 367110 + birth date (day + 40 for women) + serial.
export const PEOPLE = {
  odd: { nik: '3671101203910001', name: 'BUDI SANTOSO', birth_date: '1991-03-12', sex: 'L', marital: 2 },
  even: { nik: '3671105508940002', name: 'SITI AMINAH', birth_date: '1994-08-15', sex: 'P', marital: 1 },
  change: { nik: '3671102010880003', name: 'AGUS SALIM', birth_date: '1988-10-20', sex: 'L', marital: 1 },
};

const USERS = [
  ['petugas1', 'intake', 1], ['operator1', 'operator', 0], ['penyerah1', 'handover', 3], ['camat', 'supervisor', 0],
  ['admin1', 'admin', 0],
];
// The SOP's counters: 1 intake (A-D), 2 the operator's recording desk, 3 handover (E).
export const LOKETS = '1:intake,2:operator,3:handover';

export function ktpel(args, input) {
  const r = spawnSync(BIN, args, { input: input || '', encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`ktpel ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function siakCsv() {
  const head = 'nik,kk_number,name,birth_place,birth_date,sex,agama,marital_status,pekerjaan,address,rt,rw,kelurahan_code,kecamatan_code,ktp_status,card_valid';
  const rows = Object.values(PEOPLE).map((p, i) => [p.nik, '367110010109000' + (i + 1), p.name, 'TANGERANG', p.birth_date, p.sex, 1, p.marital, 15,
    `JL. UJI COBA NO. ${i + 1}`, '001', '002', '3671101001', '367110', 'UNREGISTERED', 0].join(','));
  return [head, ...rows].join('\n') + '\n';
}

// One HTTP(S) request from the test itself: { status, headers, body (Buffer), json() }.
function requestWith(ca) {
  return (url, { method = 'GET', headers = {}, body } = {}) => new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const rq = mod.request(u, { method, headers, ca }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => {
        const b = Buffer.concat(parts);
        resolve({ status: res.statusCode, headers: res.headers, body: b, json: () => JSON.parse(b.toString('utf8')) });
      });
    });
    rq.on('error', reject);
    if (body !== undefined) rq.write(body);
    rq.end();
  });
}

// opts.tls: serve HTTPS with a self-signed pair. opts.publicListen: also serve the citizens'
// pages alone on a second port (serve --public-listen); its base is then `pub`.
// opts.extra: more `ktpel serve` arguments.
export async function start(opts = {}) {
  const tls = !!opts.tls;
  if (!fs.existsSync(BIN)) throw new Error(`ktpel binary not found at ${BIN} (set KTPEL_BIN)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktpel-e2e-'));
  const db = path.join(dir, 'ktpel.db');
  ktpel(['init', '--db', db]);
  ktpel(['demo-data', '--people', '200', '--seed', '7', '--db', db]);
  const csv = path.join(dir, 'siak.csv');
  fs.writeFileSync(csv, siakCsv());
  ktpel(['import-siak', csv, '--db', db]);
  for (const [name, role, loket] of USERS) {
    const args = ['user', 'add', name, '--role', role, '--full-name', name.toUpperCase(), '--db', db];
    if (loket) args.push('--loket', String(loket));
    ktpel(args, PASSWORD + '\n');
  }
  // the office's kiosk, registered as the admin does (its secret is paired in the test)
  const kiosk = JSON.parse(ktpel(['kiosk', 'add', 'Kios lobi', '--db', db])).token;
  fs.mkdirSync(path.join(dir, 'backup')); // the "external disk" of the backups
  const port = await freePort();
  const base = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const args = ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, '--web', path.join(SOURCE, 'web'),
    '--data', path.join(dir, 'data'), '--lokets', LOKETS, '--backup-dir', path.join(dir, 'backup')];
  let cert = null, key = null;
  if (tls) {
    cert = path.join(dir, 'cert.pem');
    key = path.join(dir, 'key.pem');
    ktpel(['tls', 'self-signed', '--cert', cert, '--key', key]);
    args.push('--tls-cert', cert, '--tls-key', key);
  }
  const pport = opts.publicListen ? await freePort() : 0;
  const pub = pport ? `${tls ? 'https' : 'http'}://127.0.0.1:${pport}` : null;
  if (pport) args.push('--public-listen', `127.0.0.1:${pport}`);
  args.push(...(opts.extra || []));
  const request = requestWith(cert ? fs.readFileSync(cert) : undefined);
  const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  // Wait until it answers (bounded: 100 tries).
  for (let i = 0; i < 100; i++) {
    try {
      const r = await request(base + '/api/queue/board');
      if (r.status === 200) break;
    } catch (e) { /* not up yet */ }
    if (proc.exitCode !== null) throw new Error('ktpel serve exited: ' + log);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base, pub, dir, db, proc, kiosk, request, cert, key, port, log: () => log,
    async stop() {
      proc.kill('SIGTERM');
      // Bounded: a server that does not stop within 20 s is killed and reported.
      let stuck = false;
      await new Promise((r) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return r();
        const t = setTimeout(() => { stuck = true; proc.kill('SIGKILL'); }, 20000);
        proc.on('exit', () => { clearTimeout(t); r(); });
      });
      fs.rmSync(dir, { recursive: true, force: true });
      // A sanitized server (make test runs one) reports memory errors and leaks at exit.
      if (stuck) throw new Error(`ktpel serve did not stop within 20 s of SIGTERM; its log:\n${log.slice(-4000)}`);
      const bad = /(AddressSanitizer|LeakSanitizer|runtime error:)[^\n]*/.exec(log);
      if (bad) throw new Error(`ktpel serve: ${bad[0]}\n${log.slice(bad.index, bad.index + 4000)}`);
    },
  };
}

// ---- images the server accepts (it decodes every upload and checks the photo's backdrop) ----
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
// An RGB PNG of w x h: pixel(x, y) -> [r, g, b].
export function png(w, h, pixel) {
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) raw.set(pixel(x, y), y * (w * 3 + 1) + 1 + x * 3);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}
// A portrait on the backdrop the SOP wants for the NIK's birth year (red odd, blue even): a
// face-coloured oval on the backdrop, 300 x 400.
export function facePng(nik) {
  const odd = Number(nik[11]) % 2 !== 0;
  const bg = odd ? [198, 40, 40] : [21, 101, 192];
  return png(300, 400, (x, y) => (((x - 150) / 80) ** 2 + ((y - 180) / 110) ** 2 <= 1 ? [224, 172, 105] : bg));
}
// A signature pad's output: dark strokes on white, 400 x 150.
export function signaturePng() {
  return png(400, 150, (x, y) => ((x / 7 + y / 5) % 9 < 1 ? [30, 30, 30] : [245, 245, 245]));
}

// launchBrowser: Debian's chromium (or $CHROMIUM) in a fresh profile folder, headless, with
// the office's locale and time zone, as every browser test runs it. Returns { ctx, profile };
// the caller closes ctx and removes profile (its after()).
export async function launchBrowser({ prefix = 'ktpel-chromium-', viewport = { width: 1366, height: 768 },
  timeout = 10000, ignoreHTTPSErrors = false, extraArgs = [] } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport,
    ignoreHTTPSErrors,
    locale: 'id-ID',
    timezoneId: 'Asia/Jakarta',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', ...extraArgs],
  });
  ctx.setDefaultTimeout(timeout);
  return { ctx, profile };
}
