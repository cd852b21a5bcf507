// uploads.test.mjs - what the server makes of biometric uploads, through the real pages and
// Debian's chromium (issue 9 items 3 and 7, issue 10 "Bad input"):
// - the face photo's backdrop is checked by the server, not only by the page: the operator's
//   "latar sudah benar" reaches the server and is recorded in the application's history;
// - an SVG with script or an HTML page sent to the face slot from an operator's session is
//   refused (the stored-script attack of the security review), as is text declared image/png;
// - the photo the page stored comes back with the type the server decoded.
// Run by ctest (e2e/uploads) beside sop.test.mjs; the server is server.mjs's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { start, PEOPLE, PASSWORD, launchBrowser } from './server.mjs';

let srv, ctx, profile, page;

before(async () => {
  srv = await start();
  ({ ctx, profile } = await launchBrowser({ viewport: { width: 1366, height: 768 } }));
  page = await ctx.newPage();
});

after(async () => {
  if (ctx) await ctx.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
  if (srv) await srv.stop();
});

async function login(user, loket) {
  if (await page.locator('#logout').count()) { // the previous officer logs out first
    await page.click('#logout');
    await page.waitForURL(/index\.html/);
  }
  await page.goto(srv.base + '/index.html');
  await page.waitForSelector('#login-form');
  await page.fill('#username', user);
  await page.fill('#password', PASSWORD);
  await page.selectOption('#loket', loket ? String(loket) : '');
  await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('index.html')), page.click('#login-btn')]);
  await page.waitForSelector('#logout');
}

// Each API call below runs in the page with the pages' own api.js (same origin, same session
// and headers as the pages) and answers {ok, value} or {ok: false, status, code, message}.

// A 400x500 portrait on a solid backdrop, drawn by the browser as a PNG.
async function portrait(color) {
  const b64 = await page.evaluate((c) => {
    const cv = document.createElement('canvas');
    cv.width = 400; cv.height = 500;
    const g = cv.getContext('2d');
    g.fillStyle = c; g.fillRect(0, 0, 400, 500);
    g.fillStyle = '#e0b090'; g.beginPath(); g.ellipse(200, 230, 110, 150, 0, 0, Math.PI * 2); g.fill();
    return cv.toDataURL('image/png').split(',')[1];
  }, color);
  return { name: 'foto.png', mimeType: 'image/png', buffer: Buffer.from(b64, 'base64') };
}

test('the server decides what an upload is', async () => {
  // Intake: a ticket, its call, the application of the odd-year resident (1991: red) checked.
  await login('petugas1', 1);
  const opened = await page.evaluate(async (nik) => {
    const api = await import('/js/api.js');
    try {
      const t = await api.post('/api/tickets', { service: 'rekam_baru' });
      await api.post('/api/tickets/next', { services: ['rekam_baru'] });
      const a = await api.post('/api/applications', { ticket_id: t.id, nik, kind: 'baru' });
      await api.post(`/api/applications/${a.id}/check`, { documents: a.documents_required });
      return { ok: true, value: a.id };
    } catch (e) { return { ok: false, status: e.status, code: e.code, message: e.message }; }
  }, PEOPLE.odd.nik);
  assert.ok(opened.ok, JSON.stringify(opened));
  const id = opened.value;

  // Operator: the recording desk, the red backdrop required.
  await login('operator1');
  await page.waitForSelector('#worklist [data-app]');
  await page.click(`#worklist button:has-text("${PEOPLE.odd.name}"), #worklist button:has-text("${PEOPLE.odd.nik}")`);
  await page.waitForSelector('#bg-required.bg-merah');

  // A script in the face slot, an HTML page, text declared as a PNG: refused by the server.
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\'/api/me\')"><script>alert(1)</script></svg>';
  for (const [body, type] of [[svg, 'image/svg+xml'], ['<html><script>alert(1)</script></html>', 'text/html'],
    ['bukan gambar', 'image/png']]) {
    const r = await page.evaluate(async ([appId, b, t]) => {
      const api = await import('/js/api.js');
      try {
        return { ok: true, value: await api.putBytes(`/api/applications/${appId}/bio/face`, new Blob([b], { type: t }), t) };
      } catch (e) { return { ok: false, status: e.status, code: e.code, message: e.message }; }
    }, [id, body, type]);
    assert.equal(r.ok, false, `${type} stored`);
    assert.equal(r.status, 400);
    assert.equal(r.code, 'image_invalid');
  }

  // A blue backdrop for a 1991 birth: the page warns; the server refuses it as well when the
  // page's check is bypassed (a direct upload).
  const blue = await portrait('#1565c0');
  const direct = await page.evaluate(async ([appId, b64]) => {
    const api = await import('/js/api.js');
    const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
    try {
      return { ok: true, value: await api.putBytes(`/api/applications/${appId}/bio/face`, new Blob([bytes], { type: 'image/png' }), 'image/png') };
    } catch (e) { return { ok: false, status: e.status, code: e.code, message: e.message }; }
  }, [id, blue.buffer.toString('base64')]);
  assert.equal(direct.ok, false);
  assert.equal(direct.status, 422);
  assert.equal(direct.code, 'photo_background');
  assert.match(direct.message, /merah/i);

  // Through the page: refused until the operator states the backdrop is right; then stored,
  // and the statement is in the application's history.
  await page.setInputFiles('#photo-file', blue);
  await page.waitForSelector('#bg-verdict.msg-error');
  await page.click('#btn-photo-save');
  await page.waitForSelector('#msg.msg-error');
  assert.match(await page.textContent('#msg'), /MERAH/);
  await page.check('#bg-override');
  await page.click('#btn-photo-save');
  await page.waitForSelector('#msg.msg-ok');
  const events = await page.evaluate(async (appId) => {
    const api = await import('/js/api.js');
    try {
      return { ok: true, value: await api.get(`/api/applications/${appId}/events`) };
    } catch (e) { return { ok: false, status: e.status, code: e.code, message: e.message }; }
  }, id);
  assert.ok(events.ok, JSON.stringify(events));
  const list = Array.isArray(events.value) ? events.value : events.value.events;
  const put = list.filter((e) => e.action === 'bio_put' && e.note === 'face');
  assert.equal(put.length, 1, JSON.stringify(list));
  assert.equal(put[0].reason, 'background_confirmed');

  // The stored photo (the page sends a JPEG of its canvas) comes back as the server decoded it.
  const r = await page.request.get(`${srv.base}/api/applications/${id}/bio/face`);
  assert.equal(r.status(), 200);
  assert.match(r.headers()['content-type'], /^image\/jpeg/);
  const b = await r.body();
  assert.equal(b[0], 0xff);
  assert.equal(b[1], 0xd8);
});
