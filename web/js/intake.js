// intake.js - the intake loket (Petugas Loket Penerima Berkas, SOP steps 1-2): call the queue,
// look up the applicant in SIAK by NIK (typed or scanned), open the application, tick the
// documents the SOP asks for this kind, and end with one outcome: on to recording, returned as
// incomplete (printed list of what is missing), referred to Disdukcapil (printed referral), or
// rejected with a reason.
import { get, post, enc } from './api.js';
import { $, h, clear, showError, showInfo, hideMsg, printElement, fmtDateTime } from './ui.js';
import { SERVICES, INTAKE_SERVICES, KINDS, DOCS, REASONS, STATES, CHANGE_FIELDS } from './labels.js';
import { requireRole } from './session.js';
import { queueControls } from './queue.js';
import { residentCard, analysisCard } from './resident.js';
import { listen } from './events.js';

const msg = $('#msg');
const me = await requireRole(['intake']);
let ticket = null;
let resident = null;
let app = null;
let openable = false; // a lookup succeeded, or SIAK has no such NIK (the service refers it)

for (const [id, l] of Object.entries(KINDS)) $('#kind').append(h('option', { value: id }, l));
for (const [id, l] of Object.entries(REASONS)) $('#reason').append(h('option', { value: id }, l));

const q = queueControls($('#queue'), { services: INTAKE_SERVICES, loket: me.loket, msg, onTicket: (t) => {
  ticket = t;
  const sv = t && (t.queue_service || t.service); // the queue it was called from (after a transfer too)
  if (sv && SERVICES[sv] && SERVICES[sv].kind) $('#kind').value = SERVICES[sv].kind;
  if (t) $('#nik').focus();
  updateOpen();
} });
listen((type) => { if (type.startsWith('ticket')) q.refreshCounts(); }, $('#live'), { staff: true });

function updateOpen() { $('#btn-open').disabled = !(ticket && openable); }

// ---- NIK lookup: a scanner types the 16 digits and Enter; a person may type them.
const nikInput = $('#nik');
nikInput.addEventListener('input', () => {
  openable = false;
  const v = nikInput.value.replace(/\D/g, '');
  if (v.length === 16 && nikInput.value.trim() === v) lookup();
  updateOpen();
});
$('#nik-form').addEventListener('submit', (ev) => { ev.preventDefault(); lookup(); });

let lookupSeq = 0; // typing 16 digits and Enter may both look up: only the latest one shows
async function lookup() {
  hideMsg(msg);
  const seq = ++lookupSeq;
  const nik = nikInput.value.trim();
  let box = clear($('#resident'));
  resident = null;
  openable = false;
  if (!/^[0-9]{16}$/.test(nik)) {
    // Characters as a person counts them (not UTF-16 units), digits 0-9 only.
    showError(msg, { message: `NIK harus 16 digit angka 0-9 (terisi ${[...nik].length} karakter)`, field: 'nik' });
    return;
  }
  let analysis = null;
  try { analysis = await get(`/api/nik/${enc(nik)}`); } catch (e) { analysis = null; }
  let found = null, failure = null;
  try { found = await get(`/api/residents/${enc(nik)}`); } catch (e) { failure = e; }
  if (seq !== lookupSeq) return;
  box = clear($('#resident'));
  try {
    if (failure) throw failure;
    resident = found;
    box.append(residentCard(resident, analysis));
    openable = true;
  } catch (e) {
    showError(msg, e);
    if (analysis) box.append(analysisCard(analysis));
    if (e.code === 'not_found_in_siak') {
      box.append(h('p', { class: 'msg msg-warn' }, 'Data tidak ditemukan di SIAK: buka permohonan untuk merujuk pemohon ke Disdukcapil.'));
      openable = true; // opening is still allowed: the service refers it.
    }
  }
  updateOpen();
}

// ---- SIAK lookup without a NIK: name and birth date (a citizen who forgot the number).
// The server audits the search; a result fills in the NIK and looks it up as usual.
$('#search-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const name = $('#s-name').value.trim(), birth = $('#s-birth').value;
  const box = clear($('#search-results'));
  if ([...name].length < 3) return showError(msg, { message: 'Isi paling sedikit 3 huruf nama', field: 'name' });
  if (!birth) return showError(msg, { message: 'Isi tanggal lahir', field: 'birth_date' });
  try {
    const r = await get(`/api/residents?name=${enc(name)}&birth_date=${enc(birth)}`);
    if (!r.count) { box.append(h('p', { class: 'muted', id: 'search-none' }, 'Tidak ada penduduk dengan nama dan tanggal lahir itu.')); return; }
    for (const p of r.residents) {
      box.append(h('button', { class: 'btn btn-ghost', type: 'button', dataset: { nik: p.nik }, onclick: () => {
        nikInput.value = p.nik;
        $('#search-box').open = false;
        lookup();
      } }, `${p.name} · NIK ${p.nik} · lahir ${p.birth_place || '-'}, ${p.birth_date} · ${p.address || '-'} RT ${p.rt || '-'}/RW ${p.rw || '-'}`));
    }
  } catch (e) { showError(msg, e); }
});

// ---- open the application
$('#btn-open').addEventListener('click', async () => {
  hideMsg(msg);
  if (!ticket) return showError(msg, { message: 'Panggil nomor antrian dulu (F2)', field: '' });
  try {
    app = await post('/api/applications', { ticket_id: ticket.id, nik: nikInput.value.trim(), kind: $('#kind').value });
    showApp();
  } catch (e) {
    showError(msg, e);
    if (e.result && e.result.state) { app = e.result; outcome(app, e.message); }
  }
});

function showApp() {
  $('#application').hidden = false;
  $('#outcome').hidden = true;
  $('#app-state').textContent = STATES[app.state] || app.state;
  $('#app-info').textContent = `Permohonan #${app.id} · ${KINDS[app.kind] || app.kind} · NIK ${app.nik}`;
  const cl = clear($('#checklist'));
  for (const d of app.documents_required || []) addDoc(d);
  const perubahan = app.kind === 'perubahan';
  $('#change-box').hidden = !perubahan;
  const cf = clear($('#change-fields'));
  if (perubahan) {
    for (const [id, f] of Object.entries(CHANGE_FIELDS)) {
      cf.append(h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'change_fields', value: id, onchange: extraDocs }), f.label));
    }
  }
}

function addDoc(d) {
  if (document.querySelector(`input[name=documents][value="${d}"]`)) return;
  $('#checklist').append(h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'documents', value: d }), DOCS[d] || d));
}

// SOP document 6: a change of marital status needs the marriage / divorce / death certificate.
function extraDocs() {
  if (checked('change_fields').includes('marital_status')) addDoc('akta_status');
  else if (!(app.documents_required || []).includes('akta_status')) {
    const el = document.querySelector('input[name=documents][value="akta_status"]');
    if (el) el.closest('label').remove();
  }
}

const checked = (name) => [...document.querySelectorAll(`input[name=${name}]:checked`)].map((i) => i.value);
const missingDocs = () => (app.documents_required || []).filter((d) => !checked('documents').includes(d));

$('#btn-check').addEventListener('click', async () => {
  hideMsg(msg);
  if (app.kind === 'perubahan' && checked('change_fields').length === 0) {
    return showError(msg, { message: 'Pilih sedikitnya satu data yang akan diubah', field: 'change_fields' });
  }
  try {
    app = await post(`/api/applications/${enc(app.id)}/check`, { documents: checked('documents'), change_fields: checked('change_fields') });
    outcome(app, 'Berkas lengkap. Pemohon dipersilakan menuju operator perekaman.');
  } catch (e) {
    showError(msg, e);
  }
});

$('#btn-return').addEventListener('click', async () => {
  hideMsg(msg);
  const missing = missingDocs();
  if (missing.length === 0) {
    return showError(msg, { message: 'Semua dokumen tercentang: berkas lengkap, tidak bisa dikembalikan', field: 'documents' });
  }
  try {
    await post(`/api/applications/${enc(app.id)}/check`, { documents: checked('documents'), change_fields: checked('change_fields') })
      .catch((e) => { if (e.code !== 'documents_incomplete') throw e; });
    app = await post(`/api/applications/${enc(app.id)}/actions/return_incomplete`,
      { reason: 'other', note: 'Kurang: ' + missing.join(', ') });
    outcome(app, 'Berkas dikembalikan kepada pemohon.', missing);
  } catch (e) {
    showError(msg, e);
  }
});

async function closeWith(action) {
  hideMsg(msg);
  const reason = $('#reason').value;
  const note = $('#note').value.trim();
  if (reason === 'other' && !note) return showError(msg, { message: 'Tuliskan catatan untuk alasan lain', field: 'note' });
  try {
    app = await post(`/api/applications/${enc(app.id)}/actions/${action}`, { reason, note });
    outcome(app, action === 'refer' ? 'Pemohon dirujuk ke Disdukcapil.' : 'Permohonan ditolak.');
  } catch (e) {
    showError(msg, e);
  }
}
$('#btn-refer').addEventListener('click', () => closeWith('refer'));
$('#btn-reject').addEventListener('click', () => closeWith('reject'));

// ---- the outcome and its paper
function outcome(a, text, missing) {
  $('#application').hidden = true;
  $('#outcome').hidden = false;
  const o = clear($('#outcome-text'));
  o.append(h('p', {}, h('span', { class: 'badge', id: 'outcome-state' }, STATES[a.state] || a.state), ' ', text));
  const doc = clear($('#doc'));
  const name = resident ? resident.name : '';
  const kop = h('div', { class: 'kop' }, h('strong', {}, 'PEMERINTAH KOTA TANGERANG · KECAMATAN NEGLASARI'), h('br'), 'Pelayanan Administrasi Terpadu Kecamatan (PATEN) · Layanan e-KTP');
  const ident = h('dl', { class: 'kv' }, h('dt', {}, 'Nama'), h('dd', {}, name || '-'), h('dt', {}, 'NIK'), h('dd', {}, a.nik || nikInput.value),
    h('dt', {}, 'No. permohonan'), h('dd', {}, String(a.id)), h('dt', {}, 'Tanggal'), h('dd', {}, fmtDateTime(Date.now())));
  let printable = true;
  if (a.state === 'incomplete') {
    const list = missing || (a.documents_missing || a.missing || []);
    doc.append(kop, h('h1', {}, 'DAFTAR KEKURANGAN BERKAS'), ident,
      h('p', {}, 'Berkas permohonan KTP-el dikembalikan karena dokumen berikut belum ada:'),
      h('ol', { id: 'missing-list' }, list.map((d) => h('li', {}, DOCS[d] || d))),
      h('p', {}, 'Silakan melengkapi dokumen di atas lalu mengambil nomor antrian kembali.'),
      h('div', { class: 'sign' }, h('span', {}), h('span', {}, 'Petugas Loket Penerima Berkas', h('br'), h('br'), h('br'), me.username)));
  } else if (a.state === 'referred') {
    doc.append(kop, h('h1', {}, 'SURAT PENGANTAR RUJUKAN KE DISDUKCAPIL KOTA TANGERANG'), ident,
      h('p', {}, 'Dengan hormat, bersama ini kami rujuk pemohon tersebut di atas untuk ditangani oleh Dinas Kependudukan dan Pencatatan Sipil Kota Tangerang, dengan alasan:'),
      h('p', {}, h('strong', { id: 'referral-reason' }, REASONS[a.reason] || a.reason || '-'), a.note ? ` — ${a.note}` : ''),
      a.next_step && !(a.note || '').includes(a.next_step) ? h('p', { id: 'next-step' }, h('strong', {}, a.next_step)) : null,
      h('div', { class: 'sign' }, h('span', {}), h('span', {}, 'Petugas Loket Penerima Berkas', h('br'), h('br'), h('br'), me.username)));
  } else if (a.state === 'rejected') {
    doc.append(kop, h('h1', {}, 'PEMBERITAHUAN PENOLAKAN PERMOHONAN KTP-el'), ident,
      h('p', {}, 'Permohonan tidak dapat diproses dengan alasan: ', h('strong', {}, REASONS[a.reason] || a.reason || '-'), a.note ? ` — ${a.note}` : ''));
  } else {
    printable = false;
  }
  $('#btn-print').hidden = !printable;
  doc.hidden = !printable;
  // The office's PDF of the same paper (missing-documents slip, referral letter), to print on
  // A4 or keep: GET /api/applications/{id}/missing.pdf | referral.pdf.
  const pdf = $('#btn-pdf');
  const kind = a.state === 'incomplete' ? 'missing' : a.state === 'referred' ? 'referral' : '';
  pdf.hidden = !kind || !a.id;
  if (kind && a.id) {
    pdf.href = `/api/applications/${encodeURIComponent(a.id)}/${kind}.pdf`;
    pdf.textContent = kind === 'missing' ? 'PDF daftar kekurangan berkas' : 'PDF surat rujukan';
  }
}

$('#btn-print').addEventListener('click', () => printElement($('#doc')));
$('#btn-new').addEventListener('click', () => {
  app = null; resident = null;
  $('#outcome').hidden = true; $('#application').hidden = true;
  clear($('#resident')); nikInput.value = ''; $('#note').value = '';
  hideMsg(msg); q.done(); $('#btn-next').focus();
});
