// records.js - the supervisor's records page (Camat / Kasi Pelayanan): daily and monthly
// service reports (viewed, PDF, CSV), the pickup register (KTP-el handed over, with CSV), the
// archive rack (search by NIK, receipt or day; box labels as PDF), the audit trail (its chain
// verified; who read whose data) and KONSOLIDASI, the data consistency checks. Everything is
// the service's JSON or documents (docs/api.md, "Records", "Audit trail").
// Never: compute figures here (the service's report is the one truth).
import { get, enc } from './api.js';
import { $, h, clear, showError, showInfo, hideMsg, fmtDuration, fmtDateTime } from './ui.js';
import { KINDS, STATES, CHECKS, CONFIRMED_BY, USED_VIA, GRADES, APPT_STATES, EDUCATION, OCCUPATION, ACCESS } from './labels.js';
import { requireRole } from './session.js';

const msg = $('#msg');
await requireRole(['supervisor']);

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
const table = (id, heads, rows) => h('table', { id }, h('thead', {}, h('tr', {}, heads.map((t) => h('th', {}, t)))), h('tbody', {}, rows));

// ---- reports: the links follow the inputs; "Lihat" shows the key figures
function reportLinks() {
  const d = $('#report-date').value;
  const q = d ? `?date=${enc(d)}` : '';
  $('#daily-pdf').href = `/api/reports/daily.pdf${q}`;
  $('#daily-csv').href = `/api/reports/daily.csv${q}`;
  const m = $('#report-month').value.trim();
  const mq = m && MONTH_RE.test(m) ? `?month=${enc(m)}` : '';
  $('#monthly-pdf').href = `/api/reports/monthly.pdf${mq}`;
  $('#monthly-csv').href = `/api/reports/monthly.csv${mq}`;
}
$('#report-date').addEventListener('input', reportLinks);
$('#report-month').addEventListener('input', reportLinks);
reportLinks();

function showReport(r, title) {
  const v = clear($('#report-view'));
  const tot = r.total || {};
  const tk = r.tickets || {};
  v.append(h('h3', {}, title), h('dl', { class: 'kv', id: 'report-figures' },
    h('dt', {}, 'Permohonan'), h('dd', {}, String(r.applications ?? 0)),
    r.tickets ? [h('dt', {}, 'Tiket diambil / dilayani / tidak hadir'), h('dd', {}, `${tk.taken} / ${tk.served} / ${tk.no_show}`)] : null,
    h('dt', {}, 'KTP-el diserahkan'), h('dd', {}, String((r.by_state || {}).handed_over || 0)),
    h('dt', {}, 'Total layanan rata-rata'), h('dd', {}, fmtDuration(tot.mean_ms)),
    h('dt', {}, 'Dalam standar 15 mnt'), h('dd', {}, tot.count ? `${Math.round((tot.share_within || 0) * 100)}%` : '-')));
}

$('#daily-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const d = $('#report-date').value;
  if (d && !DATE_RE.test(d)) return showError(msg, { message: `Tanggal "${d}" tidak sah (YYYY-MM-DD)`, field: 'date' });
  try { showReport(await get('/api/reports/daily' + (d ? `?date=${enc(d)}` : '')), `Laporan harian ${d || 'hari ini'}`); } catch (e) { showError(msg, e); }
});
$('#monthly-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const m = $('#report-month').value.trim();
  if (m && !MONTH_RE.test(m)) {
    clear($('#report-view'));
    return showError(msg, { message: `Bulan "${m}" tidak sah: tulis tahun-bulan, mis. 2025-03`, field: 'month' });
  }
  try { showReport(await get('/api/reports/monthly' + (m ? `?month=${enc(m)}` : '')), `Laporan bulanan ${m || 'bulan ini'}`); } catch (e) { showError(msg, e); }
});

// ---- pickup register
function registerQuery() {
  const f = $('#reg-from').value;
  const t = $('#reg-to').value;
  return [f ? `from=${enc(f)}` : '', t ? `to=${enc(t)}` : ''].filter(Boolean).join('&');
}
const registerLink = () => { const q = registerQuery(); $('#register-csv').href = '/api/register.csv' + (q ? `?${q}` : ''); };
$('#reg-from').addEventListener('input', registerLink);
$('#reg-to').addEventListener('input', registerLink);
registerLink();
$('#register-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const f = $('#reg-from').value;
  const t = $('#reg-to').value;
  if (f && t && f > t) {
    clear($('#register-view'));
    return showError(msg, { message: `Tanggal awal ${f} sesudah tanggal akhir ${t}`, field: 'from' });
  }
  try {
    const q = registerQuery();
    const r = await get('/api/register' + (q ? `?${q}` : ''));
    const v = clear($('#register-view'));
    v.append(h('p', {}, `${r.count} KTP-el diserahkan.`),
      table('register-table', ['Waktu', 'Nama', 'NIK', 'No. tanda terima', 'Tanda terima dibaca dengan', 'Identitas dicocokkan dengan', 'Petugas'],
        (r.entries || []).map((e) => h('tr', {}, h('td', {}, fmtDateTime(e.at)), h('td', {}, e.name || '-'),
          h('td', { class: 'mono' }, e.nik), h('td', { class: 'mono' }, e.receipt_no || '-'),
          h('td', {}, USED_VIA[e.used_via] || e.used_via || '-'), h('td', {}, CONFIRMED_BY[e.confirmed_by] || e.confirmed_by || '-'),
          h('td', {}, e.officer_name || e.officer || '-')))));
  } catch (e) { showError(msg, e); }
});

// ---- archive
$('#archive-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const by = $('#archive-by').value;
  const q = $('#archive-q').value.trim();
  const v = clear($('#archive-view'));
  if (!q) return showError(msg, { message: 'Isi yang dicari: NIK, nomor tanda terima, atau tanggal', field: 'q' });
  if (by === 'nik' && !/^\d{16}$/.test(q)) return showError(msg, { message: `NIK harus 16 digit angka, bukan "${q}"`, field: 'q' });
  if (by === 'date' && !DATE_RE.test(q)) return showError(msg, { message: `Tanggal "${q}" tidak sah (YYYY-MM-DD)`, field: 'q' });
  try {
    const r = await get(`/api/archive?${by}=${enc(q)}`);
    if (!r.count) { v.append(h('p', { class: 'muted', id: 'archive-none' }, 'Tidak ada berkas yang cocok.')); return; }
    v.append(table('archive-table', ['No.', 'Nama', 'NIK', 'Jenis', 'Status', 'Diarsipkan', 'Letak', ''],
      r.files.map((f) => h('tr', { dataset: { app: f.application_id } }, h('td', {}, `#${f.application_id}`), h('td', {}, f.name || '-'),
        h('td', { class: 'mono' }, f.nik), h('td', {}, KINDS[f.kind] || f.kind), h('td', {}, STATES[f.state] || f.state),
        h('td', {}, f.filed_day || fmtDateTime(f.filed_at)),
        h('td', { class: 'place' }, f.box_id ? `Rak ${f.rack} · Kotak ${f.box} · No. ${f.position}` : 'belum mendapat kotak (arsip penuh)'),
        h('td', {}, f.box_id ? h('a', { class: 'btn btn-small', href: `/api/archive/boxes/${enc(f.box_id)}/label.pdf`, target: '_blank', rel: 'noopener' }, 'Label kotak') : '')))));
  } catch (e) { showError(msg, e); }
});

$('#btn-boxes').addEventListener('click', async () => {
  hideMsg(msg);
  try {
    const boxes = await get('/api/archive/boxes');
    const list = Array.isArray(boxes) ? boxes : (boxes.boxes || []);
    const v = clear($('#boxes'));
    if (!list.length) { v.append(h('p', { class: 'muted' }, 'Belum ada kotak terisi.')); return; }
    v.append(table('boxes-table', ['Rak', 'Kotak', 'Berkas', 'Dari', 'Sampai', ''],
      list.map((b) => h('tr', {}, h('td', {}, String(b.rack)), h('td', {}, String(b.box)), h('td', {}, String(b.count)),
        h('td', {}, b.from || '-'), h('td', {}, b.to || '-'),
        h('td', {}, h('a', { class: 'btn btn-small', href: `/api/archive/boxes/${enc(b.id)}/label.pdf`, target: '_blank', rel: 'noopener', dataset: { box: b.id } }, 'Label PDF'))))));
  } catch (e) { showError(msg, e); }
});

// ---- KONSOLIDASI: every check and finding in words (the server writes them: check.label,
// item.text; dates as people read them).
$('#btn-konsolidasi').addEventListener('click', async () => {
  hideMsg(msg);
  try {
    const r = await get('/api/konsolidasi');
    const v = clear($('#konsolidasi-view'));
    v.append(h('p', { id: 'konsolidasi-total' }, `${r.findings} temuan · diperiksa ${fmtDateTime(r.generated_at)}`));
    for (const [id, c] of Object.entries(r.checks || {})) {
      const items = (c.items || []).slice(0, 20);
      v.append(h('details', { dataset: { check: id }, open: c.count > 0 && c.count <= 5 },
        h('summary', {}, `${c.label || CHECKS[id] || id}: `, h('strong', {}, String(c.count))),
        items.length ? h('ul', {}, items.map((it) => h('li', {}, typeof it === 'object' ? (it.text || it.nik || '') : String(it)))) : null));
    }
    showInfo(msg, r.findings ? `KONSOLIDASI: ${r.findings} temuan perlu ditindaklanjuti.` : 'KONSOLIDASI: data konsisten.', r.findings ? 'warn' : 'ok');
  } catch (e) { showError(msg, e); }
});

// ---- the satisfaction survey (IKM, PermenPANRB 14/2017): the service's exact figures
const PERIOD_RE = /^\d{4}(-(0[1-9]|1[0-2]|[Qq][1-4]|[Ss][12]))?$/;
function ikmLinks() {
  const p = $('#ikm-period').value.trim();
  const q = `?period=${enc(p)}`;
  $('#ikm-pdf').href = `/api/ikm/report.pdf${q}`;
  $('#ikm-csv').href = `/api/ikm/report.csv${q}`;
}
$('#ikm-period').addEventListener('input', ikmLinks);
{
  const now = new Date();
  $('#ikm-period').value = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  ikmLinks();
}
$('#ikm-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const p = $('#ikm-period').value.trim();
  const v = clear($('#ikm-view'));
  if (!PERIOD_RE.test(p)) return showError(msg, { message: `Periode "${p}" tidak sah: bulan 2026-03, triwulan 2026-Q1, semester 2026-S1 atau tahun 2026`, field: 'period' });
  try {
    const r = await get(`/api/ikm/report?period=${enc(p)}`);
    const weak = new Set(r.weakest || []);
    const count = (o, labels) => Object.entries(o || {}).map(([k, n]) => `${(labels && labels[k]) || k}: ${n}`).join(', ') || '-';
    v.append(h('h3', {}, `Survei Kepuasan Masyarakat ${r.label}`),
      h('dl', { class: 'kv', id: 'ikm-figures' },
        h('dt', {}, 'IKM'), h('dd', { id: 'ikm-value' }, r.ikm ? `${r.ikm.replace('.', ',')} (${r.grade}, ${GRADES[r.grade]})` : 'belum ada responden'),
        h('dt', {}, 'Responden'), h('dd', {}, `${r.respondents} dari ${r.population} penerima layanan (sampel minimal ${r.sample_required}: ${r.sample_met ? 'terpenuhi' : 'belum terpenuhi'})`),
        h('dt', {}, 'Jenis kelamin'), h('dd', {}, count(r.profile.sex, { L: 'Laki-laki', P: 'Perempuan' })),
        h('dt', {}, 'Umur'), h('dd', {}, count(r.profile.age)),
        h('dt', {}, 'Pendidikan'), h('dd', {}, count(r.profile.education, EDUCATION)),
        h('dt', {}, 'Pekerjaan'), h('dd', {}, count(r.profile.occupation, OCCUPATION))),
      r.elements.length ? table('ikm-table', ['Unsur', 'NRR', 'Nilai', 'Mutu'], r.elements.map((e) => h('tr', {},
        h('td', {}, e.label, weak.has(e.id) ? h('span', { class: 'badge badge-amber' }, ' terlemah') : null), h('td', {}, e.nrr.replace('.', ',')), h('td', {}, e.value.replace('.', ',')), h('td', {}, e.grade)))) : null,
      h('h3', {}, `Saran (${r.suggestions.length})`),
      h('ul', { id: 'ikm-suggestions' }, r.suggestions.map((x) => h('li', {}, `${x.month}: ${x.text}`))));
  } catch (e) { showError(msg, e); }
});

// ---- the day's appointments: who came, who did not (no-shows)
$('#appt-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const d = $('#appt-date').value;
  const v = clear($('#appt-view'));
  try {
    const r = await get('/api/appointments' + (d ? `?date=${enc(d)}` : ''));
    const c = r.counts;
    v.append(h('p', { id: 'appt-counts' }, `Terjadwal ${c.booked} · check-in ${c.checked_in} · dibatalkan ${c.cancelled} · tidak hadir ${c.no_show}`),
      table('appt-table', ['Jam', 'Layanan', 'NIK', 'Status'], r.appointments.map((a) => h('tr', {},
        h('td', {}, `${a.start}–${a.end}`), h('td', {}, a.service_label), h('td', { class: 'mono' }, a.nik_masked), h('td', {}, APPT_STATES[a.state] || a.state)))));
  } catch (e) { showError(msg, e); }
});

// ---- the audit trail: its chain verified, who read whose data
$('#btn-audit-verify').addEventListener('click', async () => {
  hideMsg(msg);
  try {
    const r = await get('/api/audit/verify');
    const v = clear($('#audit-verify-view'));
    const ch = r.chains || {};
    const n = (c) => (ch[c] ? ch[c].records : 0);
    v.append(h('p', { id: 'audit-status', class: r.ok ? 'msg msg-ok' : 'msg msg-error' },
      r.ok ? `Jejak audit utuh: ${n('events')} kejadian, ${n('access_log')} catatan akses, ${n('audit_checkpoints')} titik periksa bertanda tangan.`
        : `Jejak audit RUSAK: ${r.problem_count} masalah. Pertama: ${r.first_break ? r.first_break.message : '-'}`));
    if (!r.ok) v.append(h('ul', { id: 'audit-problems' }, (r.problems || []).map((p) => h('li', {}, p.message))));
    if (ch.audit_checkpoints && ch.audit_checkpoints.last_at) {
      v.append(h('p', { class: 'muted' }, `Titik periksa terakhir ${fmtDateTime(ch.audit_checkpoints.last_at)} WIB; `,
        `${(ch.events ? ch.events.unsigned_tail : 0) + (ch.access_log ? ch.access_log.unsigned_tail : 0)} catatan sesudahnya belum ditandatangani. Kunci: `,
        h('span', { class: 'mono' }, (r.key_id || '-').slice(0, 16) + '…')));
    }
  } catch (e) { showError(msg, e); }
});
$('#reads-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const nik = $('#reads-nik').value.trim(), user = $('#reads-user').value.trim();
  const from = $('#reads-from').value, to = $('#reads-to').value;
  if (!nik && !user) return showError(msg, { message: 'Isi NIK atau nama pengguna petugas', field: 'nik' });
  if (nik && !/^\d{16}$/.test(nik)) return showError(msg, { message: `NIK harus 16 digit angka, bukan "${nik}"`, field: 'nik' });
  const q = new URLSearchParams();
  if (nik) q.set('nik', nik);
  if (user) q.set('username', user);
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  try {
    const r = await get('/api/audit/reads?' + q.toString());
    const v = clear($('#reads-view'));
    v.append(h('p', { id: 'reads-total' }, `${r.reads.length} pembacaan, ${r.from} sampai ${r.to}`));
    if (r.reads.length) {
      v.append(table('reads-table', ['Waktu (WIB)', 'Petugas', 'Peran', 'Loket', 'Apa', 'NIK', 'Permohonan', 'Keterangan'],
        r.reads.map((x) => h('tr', { dataset: { read: x.id } }, h('td', {}, fmtDateTime(x.at)), h('td', {}, x.username), h('td', {}, x.role),
          h('td', {}, x.loket ? String(x.loket) : '-'), h('td', {}, ACCESS[x.action] || x.action),
          h('td', { class: 'mono' }, x.nik || (x.subjects ? `${x.subjects} orang` : '-')),
          h('td', {}, x.application_id ? `#${x.application_id}` : '-'), h('td', { class: 'mono' }, x.detail || '')))));
    }
  } catch (e) { showError(msg, e); }
});
