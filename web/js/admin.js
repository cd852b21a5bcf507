// admin.js - the administrator's page: staff accounts (list, add), the loket layout (which
// loket is intake, the recording desk or handover) and "backup now". Every check is the
// service's; the page only refuses what is plainly empty, and shows the server's message
// (what, where, why) otherwise. Nothing changes on a refused form.
// Never: keep or show a password after it was sent.
import { get, post, api } from './api.js';
import { $, h, clear, showError, showInfo, hideMsg, fmtDateTime } from './ui.js';
import { ROLES } from './labels.js';
import { requireRole } from './session.js';

const msg = $('#msg');
await requireRole(['admin']);

async function loadUsers() {
  try {
    const users = await get('/api/users');
    clear($('#user-list')).append(h('table', { id: 'user-table' },
      h('thead', {}, h('tr', {}, ['Nama pengguna', 'Nama lengkap', 'Peran', 'Loket', 'Aktif', 'Dibuat'].map((t) => h('th', {}, t)))),
      h('tbody', {}, users.map((u) => h('tr', { dataset: { user: u.username } }, h('td', {}, u.username), h('td', {}, u.full_name),
        h('td', {}, ROLES[u.role] || u.role), h('td', {}, u.loket ? String(u.loket) : '-'), h('td', {}, u.active ? 'ya' : 'tidak'),
        h('td', {}, fmtDateTime(u.created_at)))))));
  } catch (e) { showError(msg, e); }
}

$('#user-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const body = {
    username: $('#u-username').value.trim(), full_name: $('#u-full').value.trim(),
    role: $('#u-role').value, password: $('#u-password').value,
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
    showInfo(msg, `Akun ${u.username} (${ROLES[u.role] || u.role}) dibuat.`);
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

// ---- backup now
$('#btn-backup').addEventListener('click', async () => {
  hideMsg(msg);
  const box = clear($('#backup-result'));
  $('#btn-backup').disabled = true;
  try {
    const r = await post('/api/admin/backup');
    box.append(h('dl', { class: 'kv', id: 'backup-info' }, h('dt', {}, 'Folder'), h('dd', { class: 'mono' }, r.path),
      h('dt', {}, 'Basis data'), h('dd', {}, `${Math.round(r.db_bytes / 1024)} KB`),
      h('dt', {}, 'Berkas'), h('dd', {}, `${r.files} (${Math.round(r.file_bytes / 1024)} KB)`),
      h('dt', {}, 'Waktu'), h('dd', {}, `${r.ms} ms`)));
    showInfo(msg, 'Cadangan selesai.');
  } catch (e) { showError(msg, e); } finally { $('#btn-backup').disabled = false; }
});

loadUsers();
loadLokets();
