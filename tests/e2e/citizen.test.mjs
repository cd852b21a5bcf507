// citizen.test.mjs - the citizen's side in the browser (Debian's chromium driven by
// playwright-core) against the real ktpel server, whose citizens' pages are served on their own
// public listener (serve --public-listen): the admin sets the appointment slots; a citizen
// books an appointment (bad NIK and bad number first: a clear message, nothing booked), opens
// it by its QR address and cancels it; another books today's slot and checks in at the kiosk
// with the code; a walk-in follows their ticket on the phone page from the kiosk's QR, which
// updates live when the booked ticket and then theirs are called; the handover officer offers
// the satisfaction survey on the loket's tablet, answered there (a missing answer first), the
// receipt's survey QR then says it was answered; the card's status page (a wrong birth date
// first) shows where the card is and takes a phone number for the "siap diambil" SMS; the
// published IKM shows the answer. Screenshots go to tests/e2e/out/citizen-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { start, PEOPLE, PASSWORD, launchBrowser } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, 'out');
let srv, ctx, profile;

before(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  // Limits as high as a whole waiting room behind one address: this test is one client making
  // every citizen's requests (tests/api/test_public.c tests the limits).
  srv = await start({ publicListen: true, extra: ['--public-rate', '1000'] });
  ({ ctx, profile } = await launchBrowser({ viewport: { width: 1280, height: 800 } }));
});

after(async () => {
  if (ctx) await ctx.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
  if (srv) await srv.stop();
});

const shot = (page, name) => page.screenshot({ path: path.join(OUT, `citizen-${name}.png`), fullPage: true });

// The API as an officer: a session cookie from POST /api/login.
async function session(user, loket) {
  const r = await fetch(srv.base + '/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: user, password: PASSWORD, loket: loket || 0 }) });
  assert.equal(r.status, 200, `login ${user}`);
  return r.headers.get('set-cookie').split(';')[0];
}
async function call(cookie, method, p, body, raw) {
  const headers = { Cookie: cookie };
  let data;
  if (raw) { headers['Content-Type'] = raw.type; data = raw.bytes; } else if (body !== undefined) { headers['Content-Type'] = 'application/json'; data = JSON.stringify(body); }
  const r = await fetch(srv.base + p, { method, headers, body: data });
  const j = await r.json().catch(() => null);
  assert.ok(r.ok, `${method} ${p}: ${r.status} ${JSON.stringify(j)}`);
  return j;
}

async function errorShown(page, re) {
  const m = page.locator('#msg.msg-error');
  await m.waitFor({ state: 'visible' });
  const text = await m.textContent();
  assert.match(text, re);
  return text;
}

// Log a page in as an officer (the browser keeps one session: log out whoever is in first).
async function loginPage(p, user, loket) {
  await p.goto(srv.base + '/index.html');
  await p.waitForSelector('#login-form, #logout'); // a session goes on to its page
  if (await p.locator('#logout').count()) await p.click('#logout');
  await p.waitForSelector('#login-form');
  await p.fill('#username', user);
  await p.fill('#password', PASSWORD);
  await p.selectOption('#loket', loket ? String(loket) : '');
  await Promise.all([p.waitForURL((u) => !u.pathname.endsWith('index.html')), p.click('#login-btn')]);
  await p.waitForSelector('#logout');
}

// Jakarta time now: minutes of the day, ISO weekday, YYYY-MM-DD.
function jakarta(plusDays = 0) {
  const d = new Date(Date.now() + 7 * 3600e3 + plusDays * 86400e3);
  return { min: d.getUTCHours() * 60 + d.getUTCMinutes(), wd: d.getUTCDay() || 7, day: d.toISOString().slice(0, 10) };
}
const hhmm = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

// Pick the first open day and its first slot with room on a booking form.
// A 400x500 PNG drawn by the browser: a backdrop colour and an oval face.
async function png(page, color) {
  const b64 = await page.evaluate((c) => {
    const cv = document.createElement('canvas');
    cv.width = 400; cv.height = 500;
    const g = cv.getContext('2d');
    g.fillStyle = c; g.fillRect(0, 0, 400, 500);
    g.fillStyle = '#e0b090'; g.beginPath(); g.ellipse(200, 230, 110, 150, 0, 0, Math.PI * 2); g.fill();
    return cv.toDataURL('image/png').split(',')[1];
  }, color);
  return Buffer.from(b64, 'base64');
}

async function pickSlot(page, daySel, slotSel, day) {
  const d = day ? page.locator(`${daySel} button[data-day="${day}"]`) : page.locator(`${daySel} button:not([disabled])`).first();
  await d.click();
  const s = page.locator(`${slotSel} button:not([disabled])`).first();
  await s.waitFor();
  await s.click();
}

test('the citizen\'s side: booking, check-in, queue on the phone, survey, card status', async (t) => {
  const state = {};
  let failed = false;
  const step = (name, fn) => t.test(name, async (st) => {
    if (failed) return st.skip('an earlier step failed');
    try { await fn(st); } catch (e) { failed = true; throw e; }
  });
  const admin = await session('admin1');
  const page = await ctx.newPage();
  page.on('dialog', (d) => d.accept());

  await step('admin: appointment slots and a holiday on the admin page', async () => {
    // Every day 08:00-09:00 for rekam_baru; today another slot starting in 10 minutes (the
    // kiosk's check-in opens 30 minutes before a slot), when it fits today.
    const now = jakarta();
    const slots = [1, 2, 3, 4, 5, 6, 7].map((wd) => ({ weekday: wd, start: '08:00', end: '09:00', capacity: { rekam_baru: 3 } }));
    const s = now.min + 10;
    state.near = s + 60 < 24 * 60 && (s + 60 <= 8 * 60 || s >= 9 * 60) ? hhmm(s) : null;
    if (state.near) slots.push({ weekday: now.wd, start: state.near, end: hhmm(s + 60), capacity: { rekam_baru: 2 } });
    await call(admin, 'PUT', '/api/appointments/config', { slots });
    // the admin page shows them and adds a holiday
    await loginPage(page, 'admin1');
    await page.goto(srv.base + '/admin.html');
    await page.waitForFunction(() => document.querySelectorAll('#slot-rows tr').length >= 7);
    await page.click('#btn-holiday-add');
    state.holiday = jakarta(25).day;
    await page.fill('#holiday-rows tr:last-child .hol-day', state.holiday);
    await page.fill('#holiday-rows tr:last-child .hol-name', 'Libur uji');
    await page.click('#btn-appt-save');
    await page.waitForSelector('#msg.msg-ok');
    assert.match(await page.textContent('#msg'), /1 hari libur/);
    await shot(page, '01-admin-slots');
    const c = await call(admin, 'GET', '/api/appointments/config');
    assert.equal(c.holidays[0].name, 'Libur uji');
  });

  await step('booking page (public listener): bad input first, then a booking with its code and QR', async () => {
    await page.goto(srv.pub + '/janji.html');
    await page.selectOption('#service', 'rekam_baru');
    await page.waitForSelector('#days button');
    // the holiday is closed: not offered
    assert.equal(await page.locator(`#days button[data-day="${state.holiday}"]`).count(), 0);
    await pickSlot(page, '#days', '#slots');
    await page.fill('#nik', '12345');
    await page.click('#btn-book');
    await errorShown(page, /NIK harus 16 angka/);
    await page.fill('#nik', PEOPLE.odd.nik);
    await page.fill('#phone', '0812-abc');
    await page.check('#consent');
    await page.click('#btn-book');
    await errorShown(page, /Nomor HP/);
    const none = await call(admin, 'GET', `/api/appointments?date=${jakarta().day}`);
    assert.equal(none.appointments.length, 0, 'nothing booked on bad input');
    await page.fill('#phone', '0812-3456-7890');
    await page.click('#btn-book');
    await page.waitForSelector('#booked:not([hidden])');
    state.code = (await page.textContent('#code-shown')).trim();
    assert.match(state.code, /^[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}$/);
    await page.waitForFunction(() => document.querySelector('#code-qr').naturalWidth > 0);
    assert.match(await page.textContent('#booked-info'), /367110\*{6}0001/);
    assert.doesNotMatch(await page.content(), new RegExp(PEOPLE.odd.nik));
    await shot(page, '02-booked');
  });

  await step('the booking by its QR address: opened and cancelled', async () => {
    await page.goto(`${srv.pub}/janji.html#kode=${state.code.replace(/-/g, '')}`);
    await page.waitForSelector('#appt:not([hidden])');
    assert.match(await page.textContent('#appt-state'), /Terjadwal/);
    await page.click('#btn-cancel');
    await page.waitForFunction(() => /Dibatalkan/.test(document.querySelector('#appt-state').textContent));
    // a code that does not exist
    await page.fill('#code', '000-000-000');
    await page.click('#btn-find');
    await errorShown(page, /tidak terdaftar/);
    await shot(page, '03-cancelled');
  });

  const kiosk = await ctx.newPage();
  await step('kiosk: a booked citizen checks in with the code (a wrong code first)', async (st) => {
    // the office's kiosk: registered by the admin (server.mjs), paired once by its address
    await kiosk.goto(`${srv.base}/kiosk.html#pasang=${srv.kiosk}`);
    await kiosk.waitForSelector('#kiosk-device:has-text("Kios terdaftar")');
    if (!state.near) return st.skip('no slot fits in today\'s remaining hours');
    await page.bringToFront();
    await page.goto(srv.pub + '/janji.html');
    await page.selectOption('#service', 'rekam_baru');
    await pickSlot(page, '#days', '#slots', jakarta().day);
    await page.fill('#nik', PEOPLE.even.nik);
    await page.click('#btn-book');
    await page.waitForSelector('#booked:not([hidden])');
    const code = (await page.textContent('#code-shown')).trim();
    await kiosk.bringToFront();
    await kiosk.fill('#checkin-code', 'ABC-DEF');
    await kiosk.click('#btn-checkin');
    await errorShown(kiosk, /9 huruf/);
    await kiosk.fill('#checkin-code', code.toLowerCase());
    await kiosk.press('#checkin-code', 'Enter'); // a scanner types and presses Enter
    await kiosk.waitForSelector('#ticket-number');
    state.booked = (await kiosk.textContent('#ticket-number')).trim();
    assert.match(state.booked, /^A\d{3}$/);
    assert.match(await kiosk.textContent('#ticket'), /JANJI TEMU/);
    await kiosk.waitForFunction(() => document.querySelector('#ticket-qr').naturalWidth > 0);
    await shot(kiosk, '04-kiosk-checkin');
    await kiosk.click('#done');
  });

  const phone = await ctx.newPage();
  await step('the phone queue page follows the ticket live from the kiosk\'s QR', async () => {
    await kiosk.click('[data-service=rekam_baru]');
    await kiosk.waitForSelector('#ticket-qr');
    state.walkin = (await kiosk.textContent('#ticket-number')).trim();
    const src = await kiosk.getAttribute('#ticket-qr', 'src');
    const token = /tickets\/([^/]+)\/qr\.svg/.exec(src)[1];
    const qr = await (await fetch(srv.base + src)).text();
    assert.match(qr, /^<svg/);
    await phone.setViewportSize({ width: 390, height: 800 });
    await phone.bringToFront();
    await phone.goto(`${srv.pub}/antrian.html#${token}`);
    await phone.waitForSelector('#ticket:not([hidden])');
    assert.equal((await phone.textContent('#t-number')).trim(), state.walkin);
    const ahead = state.booked ? 1 : 0;
    await phone.waitForFunction((n) => document.querySelector('#t-ahead').textContent.includes(n ? `${n} orang` : 'berikutnya'), ahead);
    assert.match(await phone.textContent('#t-wait'), /Perkiraan waktu tunggu: ± \d+ menit/);
    await phone.waitForSelector('#live.live-on');
    // SMS with a bad number: refused, clearly
    await phone.fill('#phone', '021-555-1234');
    await phone.check('#consent');
    await phone.click('#btn-sms');
    await errorShown(phone, /seluler/);
    await shot(phone, '05-phone-waiting');
    // intake calls: the booked ticket first, then this one; the page changes by itself
    const intake = await session('petugas1', 1);
    if (state.booked) {
      const first = await call(intake, 'POST', '/api/tickets/next', { loket: 1 });
      assert.equal(first.number, state.booked, 'the booked ticket is called first');
      await phone.waitForFunction(() => /berikutnya/.test(document.querySelector('#t-ahead').textContent));
    }
    const second = await call(intake, 'POST', '/api/tickets/next', { loket: 1 });
    assert.equal(second.number, state.walkin);
    await phone.waitForFunction(() => /DIPANGGIL ke Loket 1/.test(document.querySelector('#t-callout').textContent));
    await shot(phone, '06-phone-called');
    state.intake = intake;
    state.walkinTicket = second.id;
  });

  await step('survey on the handover loket\'s tablet, offered by the officer', async () => {
    // The walk-in goes through intake and recording (API), then handover issues the receipt.
    const intake = state.intake;
    const app = await call(intake, 'POST', '/api/applications', { ticket_id: state.walkinTicket, nik: PEOPLE.change.nik, kind: 'baru' });
    await call(intake, 'POST', `/api/applications/${app.id}/check`, { documents: ['pengantar_rt_rw', 'f107', 'kk_copy', 'ijazah_akta'] });
    const op = await session('operator1');
    // real pictures (the server decodes them): the face on blue, the backdrop of an even birth
    // year (1988); the signature on white
    for (const [slot, bg] of [['face', '#1f5fbf'], ['signature', '#ffffff']]) {
      await call(op, 'PUT', `/api/applications/${app.id}/bio/${slot}`, undefined, { type: 'image/png', bytes: await png(page, bg) });
    }
    for (let i = 1; i <= 10; i++) await call(op, 'POST', `/api/applications/${app.id}/bio/finger_${i}/exception`, { reason: 'alat tidak tersedia (uji)' });
    for (const slot of ['iris_left', 'iris_right']) await call(op, 'POST', `/api/applications/${app.id}/bio/${slot}/exception`, { reason: 'alat tidak tersedia (uji)' });
    await call(op, 'POST', `/api/applications/${app.id}/record`);
    state.app = app.id;

    const tablet = await ctx.newPage();
    await tablet.goto(srv.base + '/survei.html?loket=3');
    await tablet.waitForSelector('#waiting:not([hidden])');
    await tablet.waitForSelector('#live.live-on');
    const staff = await ctx.newPage();
    await loginPage(staff, 'penyerah1', 3);
    await staff.goto(srv.base + '/handover.html');
    await staff.click(`#recorded button[data-app="${app.id}"]`);
    await staff.waitForSelector('#receipt-box:not([hidden])');
    state.receipt = (await staff.textContent('#receipt-no')).trim();
    await staff.click('#btn-survey-receipt');
    await staff.waitForSelector('#msg.msg-ok');
    assert.match(await staff.textContent('#msg'), /tablet Loket 3/);
    // the tablet shows the survey at once (the offer's live event)
    await tablet.waitForSelector('#survey:not([hidden])');
    await tablet.bringToFront(); // a background tab renders slowly (throttled animation frames)
    for (const [i, q] of ['persyaratan', 'prosedur', 'waktu', 'biaya', 'produk', 'kompetensi', 'perilaku', 'pengaduan', 'sarana'].entries()) {
      if (q === 'sarana') continue; // left out first
      await tablet.check(`input[name=${q}][value="${i % 2 ? 3 : 4}"]`);
    }
    await tablet.fill('#age', '34');
    await tablet.check('input[name=sex][value=L]');
    await tablet.selectOption('#education', 'sma');
    await tablet.selectOption('#occupation', 'swasta');
    await tablet.fill('#suggestion', 'Petugas ramah, antrian jelas.');
    await tablet.click('#btn-survey');
    await errorShown(tablet, /Sarana dan Prasarana/);
    await tablet.check('input[name=sarana][value="4"]');
    await shot(tablet, '07-tablet-survey');
    await tablet.click('#btn-survey');
    await tablet.waitForSelector('#thanks:not([hidden])');
    // the receipt's own survey QR now says it was answered: one survey per application
    const pdf = Buffer.from(await (await fetch(`${srv.base}/api/applications/${app.id}/receipt.pdf`, { headers: { Cookie: await session('penyerah1', 3) } })).arrayBuffer());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktpel-receipt-'));
    try {
      fs.writeFileSync(path.join(dir, 'r.pdf'), pdf);
      execFileSync('pdftoppm', ['-r', '150', '-png', '-singlefile', path.join(dir, 'r.pdf'), path.join(dir, 'r')]);
      const texts = execFileSync('zbarimg', ['--raw', '-q', path.join(dir, 'r.png')]).toString().split('\n');
      const url = texts.find((x) => x.startsWith('http'));
      assert.ok(url && url.includes('/survei.html#'), `survey QR on the receipt: ${texts}`);
      const mine = await ctx.newPage();
      await mine.goto(srv.pub + url.slice(url.indexOf('/survei.html')));
      await mine.waitForSelector('#closed:not([hidden])');
      assert.match(await mine.textContent('#closed-text'), /sudah diisi/);
      await mine.close();
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
    // the published result
    await phone.goto(srv.pub + '/ikm.html');
    await phone.waitForSelector('#ikm-elements');
    assert.match(await phone.textContent('#latest'), /1 responden/);
    assert.doesNotMatch(await phone.textContent('body'), /Petugas ramah/);
    await shot(phone, '08-ikm');
    await tablet.close();
    await staff.close();
  });

  await step('the card\'s status page: both values or nothing; where the card is; SMS when ready', async () => {
    await call(await session('camat'), 'POST', `/api/applications/${state.app}/actions/send`, {});
    await phone.bringToFront();
    await phone.goto(srv.pub + '/status.html');
    await phone.fill('#receipt_no', state.receipt.toLowerCase());
    await phone.fill('#birth_date', '1988-10-21');
    await phone.click('#btn-status');
    await errorShown(phone, /tidak cocok/);
    assert.equal(await phone.isHidden('#result'), true);
    await phone.fill('#birth_date', PEOPLE.change.birth_date);
    await phone.click('#btn-status');
    await phone.waitForSelector('#result:not([hidden])');
    assert.match(await phone.textContent('#stage-label'), /Dikirim ke Disdukcapil/);
    assert.equal(await phone.locator('#steps li.done').count(), 2);
    assert.doesNotMatch(await phone.textContent('body'), new RegExp(PEOPLE.change.name));
    await phone.fill('#phone', '0812');
    await phone.check('#consent');
    await phone.click('#btn-sms');
    await errorShown(phone, /Nomor HP/);
    await phone.fill('#phone', '0878-1111-2222');
    await phone.click('#btn-sms');
    await phone.waitForSelector('#msg.msg-ok');
    assert.equal(await phone.isHidden('#sms'), true);
    await shot(phone, '09-status');
    // the lookup is a read of the person's data: in the access log, with the whole NIK
    const reads = await call(await session('camat'), 'GET', `/api/audit/reads?nik=${PEOPLE.change.nik}`);
    assert.ok(reads.reads.some((x) => x.action === 'card_status' && x.application_id === state.app && x.username === 'publik'));
    // the number given there is a change: an event
    const evs = await call(await session('camat'), 'GET', `/api/applications/${state.app}/events`);
    assert.ok(evs.some((e) => e.action === 'phone_given'));
  });
  await phone.close();
  await kiosk.close();
  await page.close();
});
