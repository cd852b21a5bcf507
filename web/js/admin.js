// admin.js - the administrator's page: staff accounts (list with their state, add, disable /
// enable, reset a password), the active sessions (end one), the registered kiosks (add,
// revoke; the pairing address shown once), the loket layout (which loket is intake, the
// recording desk or handover), the appointment slots and holidays, the SMS outbox and "backup
// now". Every check is the service's; the page only refuses what is plainly empty, and shows
// the server's message (what, where, why) otherwise. Nothing changes on a refused form.
// Never: keep or show a password after it was sent (the one-time temporary password of a
// reset is shown once, in the page, until the next action).
import { get, post, api, enc } from './api.js';
import { $, h, clear, showError, showInfo, hideMsg, fmtDateTime, fmtTime } from './ui.js';
import { ROLES, WEEKDAYS, INTAKE_SERVICES } from './labels.js';
import { requireRole } from './session.js';

const msg = $('#msg');
const me = await requireRole(['admin']);

function state(u) {
  if (!u.active) return h('span', { class: 'badge badge-red' }, 'nonaktif');
  if (u.locked_until) return h('span', { class: 'badge badge-amber' }, `terkunci s.d. ${fmtTime(u.locked_until)} WIB`);
  if (u.must_change_password) return h('span', { class: 'badge badge-amber' }, 'wajib ganti sandi');
  return h('span', { class: 'badge badge-green' }, 'aktif');
}

async function act(path, done) {
  hideMsg(msg);
  clear($('#reset-result'));
  try {
    const r = await post(path);
    done(r);
    loadUsers();
    loadSessions();
  } catch (e) { showError(msg, e); }
}

function actions(u) {
  const b = [];
  if (u.active) {
    if (u.username !== me.username) {
      b.push(h('button', { class: 'btn btn-small btn-warn', type: 'button', dataset: { disable: u.username },
        onclick: () => act(`/api/users/${enc(u.username)}/disable`, (r) => showInfo(msg, `Akun ${r.username} dinonaktifkan${r.sessions_ended ? `; ${r.sessions_ended} sesi diakhiri` : ''}.`, 'warn')) }, 'Nonaktifkan'));
    }
    if (u.locked_until) {
      b.push(h('button', { class: 'btn btn-small', type: 'button', dataset: { unlock: u.username },
        onclick: () => act(`/api/users/${enc(u.username)}/enable`, (r) => showInfo(msg, `Akun ${r.username} dibuka kembali.`)) }, 'Buka kunci'));
    }
  } else {
    b.push(h('button', { class: 'btn btn-small btn-ok', type: 'button', dataset: { enable: u.username },
      onclick: () => act(`/api/users/${enc(u.username)}/enable`, (r) => showInfo(msg, `Akun ${r.username} diaktifkan kembali.`)) }, 'Aktifkan'));
  }
  b.push(h('button', { class: 'btn btn-small btn-ghost', type: 'button', dataset: { reset: u.username },
    onclick: () => {
      if (!window.confirm(`Reset kata sandi ${u.username}? Sesinya diakhiri dan ia wajib mengganti kata sandi sementara saat masuk.`)) return;
      act(`/api/users/${enc(u.username)}/reset-password`, (r) => {
        showInfo(msg, `Kata sandi ${r.username} direset.`);
        $('#reset-result').append(h('div', { class: 'msg msg-warn', id: 'temp-password' },
          'Kata sandi sementara untuk ', h('strong', {}, r.username), ': ',
          h('span', { class: 'mono big' }, r.temporary_password),
          ' — tampil sekali saja; berikan langsung kepada pemiliknya. Ia wajib menggantinya saat masuk.'));
      });
    } }, 'Reset sandi'));
  return h('td', { class: 'row' }, b);
}

async function loadUsers() {
  try {
    const users = await get('/api/users');
    clear($('#user-list')).append(h('table', { id: 'user-table' },
      h('thead', {}, h('tr', {}, ['Nama pengguna', 'Nama lengkap', 'Peran', 'Loket', 'Status', 'Terakhir masuk', 'Dibuat', 'Tindakan'].map((t) => h('th', {}, t)))),
      h('tbody', {}, users.map((u) => h('tr', { dataset: { user: u.username } }, h('td', {}, u.username), h('td', {}, u.full_name),
        h('td', {}, ROLES[u.role] || u.role), h('td', {}, u.loket ? String(u.loket) : '-'), h('td', { class: 'state' }, state(u)),
        h('td', {}, u.last_login_at ? fmtDateTime(u.last_login_at) : '-'),
        h('td', {}, fmtDateTime(u.created_at)), actions(u))))));
  } catch (e) { showError(msg, e); }
}

async function loadSessions() {
  try {
    const list = await get('/api/sessions');
    clear($('#session-list')).append(list.length === 0 ? h('p', { class: 'muted' }, 'Tidak ada sesi aktif.') : h('table', { id: 'session-table' },
      h('thead', {}, h('tr', {}, ['Akun', 'Peran', 'Loket', 'Komputer', 'Masuk', 'Terakhir aktif', 'Berakhir', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, list.map((x) => h('tr', { dataset: { session: x.id, user: x.username } }, h('td', {}, x.username),
        h('td', {}, ROLES[x.role] || x.role), h('td', {}, x.loket ? String(x.loket) : '-'), h('td', { class: 'mono' }, x.client || '-'),
        h('td', {}, fmtDateTime(x.created_at)), h('td', {}, fmtDateTime(x.last_seen_at)), h('td', {}, `${fmtTime(x.idle_expires_at)} WIB`),
        h('td', {}, x.current ? h('span', { class: 'muted' }, 'sesi ini') : h('button', { class: 'btn btn-small btn-warn', type: 'button', dataset: { revoke: x.id },
          onclick: () => act(`/api/sessions/${enc(x.id)}/revoke`, (r) => showInfo(msg, `Sesi ${r.username} diakhiri.`, 'warn')) }, 'Akhiri')))))));
  } catch (e) { showError(msg, e); }
}
$('#btn-sessions').addEventListener('click', loadSessions);

$('#user-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  clear($('#reset-result'));
  const body = {
    username: $('#u-username').value.trim(), full_name: $('#u-full').value.trim(),
    role: $('#u-role').value, password: $('#u-password').value,
    must_change_password: $('#u-must-change').checked,
  };
  for (const [f, label] of [['username', 'Nama pengguna'], ['full_name', 'Nama lengkap'], ['role', 'Peran'], ['password', 'Kata sandi']]) {
    if (!body[f]) return showError(msg, { message: `${label} wajib diisi`, field: f });
  }
  const l = $('#u-loket').value.trim();
  if (l) {
    if (!/^\d{1,2}$/.test(l)) return showError(msg, { message: `Loket "${l}" tidak sah: nomor 1..99 atau kosong`, field: 'loket' });
    body.loket = Number(l);
  }
  try {
    const u = await post('/api/users', body);
    $('#u-password').value = '';
    showInfo(msg, `Akun ${u.username} (${ROLES[u.role] || u.role}) dibuat${u.must_change_password ? '; wajib ganti kata sandi saat pertama masuk' : ''}.`);
    $('#user-form').reset();
    loadUsers();
  } catch (e) { $('#u-password').value = ''; showError(msg, e); }
});

// ---- loket layout
// A loket added here exists as soon as the layout is saved: officers log in at it, it calls,
// and the board shows it (no restart).
let layout = null;
const loketRow = (l) => h('tr', {}, h('td', {}, h('label', { for: `loket-${l.loket}` }, `Loket ${l.loket}`)),
  h('td', {}, h('select', { id: `loket-${l.loket}`, name: `lokets[${l.loket - 1}]`, dataset: { loket: l.loket } },
    [['intake', 'Loket Penerima Berkas'], ['operator', 'Perekaman (operator)'], ['handover', 'Loket Penyerahan Dokumen']]
      .map(([v, t]) => h('option', { value: v, selected: v === l.role }, t)))));
async function loadLokets() {
  try {
    layout = await get('/api/lokets');
    const rows = clear($('#loket-rows'));
    rows.append(h('table', { id: 'loket-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'Loket'), h('th', {}, 'Peran'))),
      h('tbody', { id: 'loket-body' }, layout.lokets.map(loketRow))),
      h('button', { class: 'btn btn-ghost btn-small', type: 'button', id: 'btn-loket-add', onclick: () => {
        const n = document.querySelectorAll('#loket-rows select').length + 1;
        if (n > 99) return showError(msg, { message: 'Paling banyak 99 loket', field: 'lokets' });
        $('#loket-body').append(loketRow({ loket: n, role: 'intake' }));
        return null;
      } }, 'Tambah loket'));
    rows.append(h('p', { class: 'muted', id: 'lokets-state' }, layout.configured ? 'Susunan sudah ditetapkan (dipakai untuk pemanggilan).' : 'Susunan bawaan (belum ditetapkan).'));
  } catch (e) { showError(msg, e); }
}
$('#lokets-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const lokets = [...document.querySelectorAll('#loket-rows select')].map((s) => ({ loket: Number(s.dataset.loket), role: s.value }));
  if (!lokets.some((l) => l.role === 'intake') || !lokets.some((l) => l.role === 'handover')) {
    return showError(msg, { message: 'Susunan loket perlu paling sedikit satu Loket Penerima Berkas dan satu Loket Penyerahan Dokumen', field: 'lokets[0]' });
  }
  try {
    await api('PUT', '/api/lokets', { lokets });
    showInfo(msg, 'Susunan loket disimpan.');
    loadLokets();
  } catch (e) { showError(msg, e); }
});

// ---- registered kiosks: the secret is shown once, as the pairing address for the device
async function loadKiosks() {
  try {
    const ks = await get('/api/kiosks');
    clear($('#kiosk-list')).append(ks.length === 0 ? h('p', { class: 'muted' }, 'Belum ada kios terdaftar.')
      : h('table', { id: 'kiosk-table' },
        h('thead', {}, h('tr', {}, ['Kios', 'Didaftarkan', 'Nomor hari ini', 'Status', ''].map((t) => h('th', {}, t)))),
        h('tbody', {}, ks.map((k) => h('tr', { dataset: { kiosk: k.id } }, h('td', {}, k.name), h('td', {}, fmtDateTime(k.created_at)),
          h('td', {}, String(k.tickets_today)), h('td', {}, k.revoked_at ? `dicabut ${fmtDateTime(k.revoked_at)}` : 'aktif'),
          h('td', {}, k.revoked_at ? '' : h('button', { class: 'btn btn-warn btn-small', type: 'button', onclick: () => revokeKiosk(k) }, 'Cabut')))))));
  } catch (e) { showError(msg, e); }
}
async function revokeKiosk(k) {
  hideMsg(msg);
  try {
    await post(`/api/kiosks/${encodeURIComponent(k.id)}/revoke`);
    showInfo(msg, `Kios ${k.name} dicabut: perangkatnya tidak lagi dikenal sebagai kios.`, 'warn');
    loadKiosks();
  } catch (e) { showError(msg, e); }
}
$('#kiosk-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const name = $('#k-name').value.trim();
  if (!name) return showError(msg, { message: 'Nama kios wajib diisi', field: 'name' });
  try {
    const k = await post('/api/kiosks', { name });
    const link = `${location.origin}/kiosk.html#pasang=${k.token}`;
    clear($('#kiosk-pair')).append(h('div', { class: 'msg msg-warn', id: 'kiosk-pair-info' },
      h('p', {}, `Kios ${k.name} terdaftar. Buka alamat ini sekali di perangkat kios (hanya ditampilkan sekarang):`),
      h('p', { class: 'mono', id: 'kiosk-pair-link' }, link)));
    $('#kiosk-form').reset();
    loadKiosks();
  } catch (e) { showError(msg, e); }
});

// ---- backup now
$('#btn-backup').addEventListener('click', async () => {
  hideMsg(msg);
  const box = clear($('#backup-result'));
  $('#btn-backup').disabled = true;
  try {
    const r = await post('/api/admin/backup');
    box.append(h('dl', { class: 'kv', id: 'backup-info' }, h('dt', {}, 'Berkas cadangan'), h('dd', { class: 'mono' }, r.path),
      h('dt', {}, 'Terenkripsi'), h('dd', {}, `${Math.round(r.archive_bytes / 1024)} KB`),
      h('dt', {}, 'Basis data'), h('dd', {}, `${Math.round(r.db_bytes / 1024)} KB`),
      h('dt', {}, 'Berkas'), h('dd', {}, `${r.files} (${Math.round(r.file_bytes / 1024)} KB)`),
      h('dt', {}, 'Waktu'), h('dd', {}, `${r.ms} ms`)));
    showInfo(msg, 'Cadangan selesai.');
  } catch (e) { showError(msg, e); } finally { $('#btn-backup').disabled = false; }
});

// ---- appointments: the weekly slots (a capacity per service) and the holidays
function slotRow(sl) {
  const cap = sl.capacity || {};
  return h('tr', { class: 'slot-row' },
    h('td', {}, h('select', { class: 'slot-wd' }, Object.entries(WEEKDAYS).map(([v, t]) => h('option', { value: v, selected: Number(v) === sl.weekday }, t)))),
    h('td', {}, h('input', { class: 'slot-start', value: sl.start || '', placeholder: '08:00', size: 5 })),
    h('td', {}, h('input', { class: 'slot-end', value: sl.end || '', placeholder: '09:00', size: 5 })),
    INTAKE_SERVICES.map((svc) => h('td', {}, h('input', { class: 'slot-cap', type: 'number', min: 0, max: 1000, dataset: { service: svc }, value: cap[svc] ?? '', size: 3 }))),
    h('td', {}, h('button', { class: 'btn btn-small btn-ghost', type: 'button', onclick: (ev) => ev.currentTarget.closest('tr').remove() }, 'Hapus')));
}
function holidayRow(hd) {
  return h('tr', { class: 'holiday-row' }, h('td', {}, h('input', { class: 'hol-day', type: 'date', value: hd.day || '' })),
    h('td', {}, h('input', { class: 'hol-name', value: hd.name || '', maxlength: 80 })),
    h('td', {}, h('button', { class: 'btn btn-small btn-ghost', type: 'button', onclick: (ev) => ev.currentTarget.closest('tr').remove() }, 'Hapus')));
}
async function loadAppointments() {
  try {
    const c = await get('/api/appointments/config');
    clear($('#slot-rows')).append(...c.slots.map(slotRow));
    clear($('#holiday-rows')).append(...c.holidays.map(holidayRow));
  } catch (e) { showError(msg, e); }
}
$('#btn-slot-add').addEventListener('click', () => $('#slot-rows').append(slotRow({ weekday: 1 })));
$('#btn-holiday-add').addEventListener('click', () => $('#holiday-rows').append(holidayRow({})));
// A kecamatan's usual week: Monday-Thursday 08:00-12:00 and 13:00-15:00, Friday 08:00-11:00
// (Friday prayers), an hour a slot, 4 places for each intake service.
$('#btn-slot-default').addEventListener('click', () => {
  const rows = clear($('#slot-rows'));
  const cap = Object.fromEntries(INTAKE_SERVICES.map((svc) => [svc, 4]));
  for (let wd = 1; wd <= 5; wd++) {
    const hours = wd === 5 ? [8, 9, 10] : [8, 9, 10, 11, 13, 14];
    for (const hr of hours) rows.append(slotRow({ weekday: wd, start: `${String(hr).padStart(2, '0')}:00`, end: `${String(hr + 1).padStart(2, '0')}:00`, capacity: cap }));
  }
});
$('#appt-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const slots = [...document.querySelectorAll('#slot-rows tr')].map((tr) => ({
    weekday: Number($('.slot-wd', tr).value), start: $('.slot-start', tr).value.trim(), end: $('.slot-end', tr).value.trim(),
    capacity: Object.fromEntries([...tr.querySelectorAll('.slot-cap')].filter((i) => i.value !== '').map((i) => [i.dataset.service, Number(i.value)])),
  }));
  const holidays = [...document.querySelectorAll('#holiday-rows tr')].map((tr) => ({ day: $('.hol-day', tr).value, name: $('.hol-name', tr).value.trim() }));
  try {
    await api('PUT', '/api/appointments/config', { slots, holidays });
    showInfo(msg, `Jadwal janji temu disimpan: ${slots.length} slot, ${holidays.length} hari libur.`);
    loadAppointments();
  } catch (e) { showError(msg, e); }
});

// ---- the SMS outbox
$('#btn-sms-load').addEventListener('click', async () => {
  hideMsg(msg);
  try {
    const r = await get('/api/sms/outbox');
    clear($('#sms-view')).append(h('p', { id: 'sms-counts' }, Object.entries(r.counts).map(([k, v]) => `${k}: ${v}`).join(' · ')),
      h('table', { id: 'sms-table' }, h('thead', {}, h('tr', {}, ['Dibuat', 'Jenis', 'Nomor', 'Status', 'Percobaan', 'Keterangan'].map((t) => h('th', {}, t)))),
        h('tbody', {}, r.recent.map((m) => h('tr', {}, h('td', {}, fmtDateTime(m.created_at)), h('td', {}, m.kind), h('td', { class: 'mono' }, m.phone),
          h('td', {}, m.state), h('td', {}, String(m.attempts)), h('td', {}, m.last_error))))));
  } catch (e) { showError(msg, e); }
});

loadUsers();
loadSessions();
loadLokets();
loadKiosks();
loadAppointments();
