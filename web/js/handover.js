// handover.js - the handover loket (Petugas Loket Penyerahan Dokumen): calls pickup tickets,
// issues the pickup receipt after recording (SOP step 4, printable), and later finds it by
// receipt number (typed, or a handheld scanner that types it and Enter), confirms the person
// and hands over the printed card (SOP step 6). Every step is in the audit trail shown.
import { get, post, enc, sendBytes } from './api.js';
import { $, h, clear, showError, showInfo, hideMsg, printElement, fmtDateTime, fmtDay } from './ui.js';
import { KINDS, STATES, ACTIONS, ROLES, CONFIRMED_BY } from './labels.js';
import { requireRole } from './session.js';
import { queueControls } from './queue.js';
import { residentCard } from './resident.js';
import { listen } from './events.js';

const msg = $('#msg');
const me = await requireRole(['handover']);
let found = null;
let scannedToken = null; // the QR text of the receipt found by scanning (sent with the handover)

const q = queueControls($('#queue'), { services: ['pengambilan'], loket: me.loket, msg, onTicket: (t) => { if (t) $('#receipt_no').focus(); } });

let listSeq = 0;
async function loadRecorded() {
  const seq = ++listSeq;
  const items = [];
  try {
    const lists = await Promise.all(['recorded', 'data_changed'].map((s) => get(`/api/applications?state=${s}`)));
    if (seq !== listSeq) return; // a newer reload is under way
    const apps = lists.flat();
    if (!apps.length) items.push(h('p', { class: 'muted' }, 'Tidak ada yang menunggu tanda terima.'));
    for (const a of apps) {
      items.push(h('button', { class: 'btn btn-ghost', type: 'button', dataset: { app: a.id }, onclick: () => issue(a) },
        `#${a.id} · ${a.name || (a.resident && a.resident.name) || ''} ${a.nik} · ${KINDS[a.kind] || a.kind} → beri tanda terima`));
    }
    $('#recorded').replaceChildren(...items);
  } catch (e) { showError(msg, e); }
}
listen((type) => {
  if (type.startsWith('ticket')) q.refreshCounts();
  if (type.startsWith('application')) loadRecorded();
}, $('#live'), { staff: true });
loadRecorded();

async function issue(a) {
  hideMsg(msg);
  try {
    const r = await post(`/api/applications/${enc(a.id)}/receipt`);
    let person = null;
    try { person = await get(`/api/residents/${enc(r.nik)}`); } catch (e) { person = null; }
    const doc = clear($('#receipt'));
    doc.append(h('div', { class: 'kop' }, h('strong', {}, 'PEMERINTAH KOTA TANGERANG · KECAMATAN NEGLASARI')),
      h('h1', {}, 'TANDA TERIMA PENGAMBILAN KTP-el'),
      h('p', { class: 'big mono center', id: 'receipt-no' }, r.receipt_no),
      h('dl', { class: 'kv' },
        h('dt', {}, 'Nama'), h('dd', {}, person ? person.name : (r.name || '-')),
        h('dt', {}, 'NIK'), h('dd', { class: 'mono' }, r.nik),
        h('dt', {}, 'Jenis'), h('dd', {}, KINDS[r.kind] || r.kind),
        h('dt', {}, 'Perkiraan dapat diambil'), h('dd', {}, fmtDay(r.pickup_expected)),
        h('dt', {}, 'Diterbitkan'), h('dd', {}, fmtDateTime(Date.now()))),
      h('p', {}, 'Bawa tanda terima ini saat mengambil KTP-el. Ambil nomor antrian "Pengambilan e-KTP" (E) di kios.'),
      h('div', { class: 'sign' }, h('span', {}), h('span', {}, 'Petugas Loket Penyerahan', h('br'), h('br'), h('br'), me.username)));
    $('#receipt-pdf').href = `/api/applications/${enc(r.id)}/receipt.pdf`;
    $('#btn-survey-receipt').dataset.app = r.id;
    $('#receipt-box').hidden = false;
    showInfo(msg, `Tanda terima ${r.receipt_no} diterbitkan.`);
    loadRecorded();
  } catch (e) { showError(msg, e); }
}
$('#btn-print-receipt').addEventListener('click', () => printElement($('#receipt')));

// The satisfaction survey on this loket's tablet (survei.html?loket=N): the service hands the
// application's single-use survey to the tablet once (docs/internals/citizen.md).
async function offerSurvey(ev) {
  hideMsg(msg);
  const id = ev.currentTarget.dataset.app;
  if (!id) return;
  try {
    const r = await post(`/api/applications/${enc(id)}/survey-offer`);
    showInfo(msg, `Survei kepuasan ditampilkan di tablet Loket ${r.loket}.`);
  } catch (e) { showError(msg, e); }
}
$('#btn-survey-receipt').addEventListener('click', offerSurvey);
$('#btn-survey-handover').addEventListener('click', offerSurvey);

// ---- step 6: find the receipt, confirm the person, hand over
$('#find-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const no = $('#receipt_no').value.trim().toUpperCase();
  clear($('#found'));
  clear($('#trail'));
  $('#confirm').hidden = true;
  found = null;
  scannedToken = null;
  if (!no) return showError(msg, { message: 'Nomor tanda terima wajib diisi', field: 'receipt_no' });
  if (!/^[A-Z0-9-]{4,40}$/.test(no)) return showError(msg, { message: `Nomor tanda terima "${no}" tidak sah: hanya huruf, angka, dan tanda -`, field: 'receipt_no' });
  try {
    // The E ticket in hand goes with it: the ticket is served, and the handover step (SOP
    // Mutu Baku, 3 minutes) runs from its call.
    const tq = q.ticket && (q.ticket.queue_service || q.ticket.service) === 'pengambilan' ? `?ticket_id=${enc(q.ticket.id)}` : '';
    found = await get(`/api/receipts/${enc(no)}${tq}`);
  } catch (e) { return showError(msg, e); }
  showFound();
});

// ---- the receipt's QR by camera: a frame is sent to the server, which reads the QR (libzbar),
// verifies its token and answers the application. A picture file works the same way.
let stream = null;
$('#btn-scan-camera').addEventListener('click', async () => {
  hideMsg(msg);
  const v = $('#scan-video');
  if (stream) { cameraOff(); return; }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } } });
  } catch (e) {
    return showError(msg, { message: `Kamera tidak dapat dibuka (${e.message}); ketik nomor tanda terima atau pilih foto`, field: 'image' });
  }
  v.srcObject = stream;
  v.hidden = false;
  $('#btn-scan-grab').disabled = false;
  $('#btn-scan-camera').textContent = 'Matikan kamera';
  // While the camera is on, a frame is read every 1.5 s (one request at a time); a frame
  // without a QR is not an error here. "Baca QR" reads one frame and says what it found.
  autoTimer = setInterval(autoScan, 1500);
});

let autoTimer = null;
let autoBusy = false;
function cameraOff() {
  clearInterval(autoTimer);
  autoTimer = null;
  if (stream) stream.getTracks().forEach((t) => t.stop());
  stream = null;
  $('#scan-video').hidden = true;
  $('#btn-scan-grab').disabled = true;
  $('#btn-scan-camera').textContent = 'Pindai QR dengan kamera';
}

async function frame() {
  const v = $('#scan-video');
  if (!v.videoWidth) return null;
  const cv = h('canvas', { width: v.videoWidth, height: v.videoHeight });
  cv.getContext('2d').drawImage(v, 0, 0);
  return new Promise((resolve) => cv.toBlob(resolve, 'image/png'));
}

async function autoScan() {
  if (autoBusy || !stream) return;
  autoBusy = true;
  try {
    const blob = await frame();
    if (blob) await scan(blob, 'image/png', true);
  } finally { autoBusy = false; }
}

$('#btn-scan-grab').addEventListener('click', async () => {
  const blob = await frame();
  if (!blob) return showError(msg, { message: 'Kamera belum siap; tunggu gambar muncul', field: 'image' });
  scan(blob, 'image/png');
});
$('#scan-file').addEventListener('change', () => {
  const f = $('#scan-file').files[0];
  if (f) scan(f, f.type || 'application/octet-stream');
  $('#scan-file').value = '';
});

// quiet: a frame of the camera's automatic reading (no QR = nothing to say, the page as it is).
async function scan(blob, type, quiet = false) {
  const reset = () => {
    hideMsg(msg);
    clear($('#found'));
    clear($('#trail'));
    $('#confirm').hidden = true;
    found = null;
    scannedToken = null;
  };
  if (!quiet) reset();
  if (blob.size > 8 * 1024 * 1024) return showError(msg, { message: `Gambar ${Math.round(blob.size / 1048576)} MB, paling besar 8 MB`, field: 'image' });
  try {
    const r = await sendBytes('POST', '/api/scan/receipt', blob, type);
    if (quiet) { reset(); cameraOff(); }
    found = r.application;
    scannedToken = r.token;
    $('#receipt_no').value = r.receipt_no || found.receipt_no || '';
    // The E ticket in hand is served and linked as when the number is typed.
    const pickup = q.ticket && (q.ticket.queue_service || q.ticket.service) === 'pengambilan';
    if (pickup && r.receipt_no) found = await get(`/api/receipts/${enc(r.receipt_no)}?ticket_id=${enc(q.ticket.id)}`);
    showInfo(msg, `Kode QR terbaca dan sah: tanda terima ${r.receipt_no}.`);
  } catch (e) {
    if (quiet && e.code === 'qr_not_found') return;
    if (quiet) cameraOff(); // a QR that is not a valid receipt: say why, stop reading
    return showError(msg, e);
  }
  showFound();
}

async function showFound() {
  const box = clear($('#found'));
  box.append(h('p', {}, `Permohonan #${found.id} · `, h('span', { class: 'badge', id: 'found-state' }, STATES[found.state] || found.state)));
  // At the handover the question is the card, not eligibility for a new one: no badge.
  try { box.append(residentCard(await get(`/api/residents/${enc(found.nik)}`), null, { eligibility: false })); } catch (e) { box.append(h('p', {}, `NIK ${found.nik}`)); }
  const ho = found.handover;
  if (found.state === 'handed_over' && ho) {
    // A used receipt: when, by whom and how the card was handed over (issue 10).
    const by = ho.full_name || ho.username || 'petugas';
    box.append(h('p', { class: 'msg msg-warn', id: 'already-handed' },
      `KTP-el sudah diserahkan pada ${fmtDateTime(ho.at)} oleh ${by} (identitas dicocokkan dengan: ${CONFIRMED_BY[ho.confirmed_by] || ho.confirmed_by}). Tanda terima ini sudah dipakai.`));
    if (q.ticket) q.done();
  } else if (found.state !== 'printed') {
    box.append(h('p', { class: 'msg msg-warn', id: 'not-ready' }, `KTP-el belum dapat diserahkan: status "${STATES[found.state] || found.state}". Minta pemohon kembali setelah kartu dicetak.`));
    if (q.ticket) q.done();
  } else {
    $('#confirm').hidden = false;
    $('#person-ok').checked = false;
  }
  trail(found.id);
}

$('#btn-handover').addEventListener('click', async () => {
  hideMsg(msg);
  if (!found) return;
  if (!$('#person-ok').checked) return showError(msg, { message: 'Pastikan identitas penerima dulu (centang konfirmasi)', field: 'person_ok' });
  try {
    found = await post(`/api/applications/${enc(found.id)}/hand-over`, {
      receipt_no: found.receipt_no, confirmed_by: $('#confirmed_by').value, note: $('#ho-note').value.trim(),
      ...(scannedToken ? { token: scannedToken } : {}),
      ...(q.ticket && (q.ticket.queue_service || q.ticket.service) === 'pengambilan' ? { ticket_id: q.ticket.id } : {}) });
    $('#confirm').hidden = true;
    $('#found-state').textContent = STATES[found.state] || found.state;
    showInfo(msg, `KTP-el permohonan #${found.id} sudah diserahkan.`);
    $('#after-handover').hidden = false;
    $('#btn-survey-handover').dataset.app = found.id;
    if (q.ticket) q.done();
    trail(found.id);
  } catch (e) { showError(msg, e); }
});

async function trail(id) {
  const box = clear($('#trail'));
  try {
    const evs = await get(`/api/applications/${enc(id)}/events`);
    box.append(h('h3', {}, 'Riwayat'), h('table', { id: 'trail-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'Waktu'), h('th', {}, 'Tindakan'), h('th', {}, 'Status'), h('th', {}, 'Petugas'))),
      h('tbody', {}, evs.map((e) => h('tr', {}, h('td', {}, fmtDateTime(e.at)), h('td', {}, ACTIONS[e.action] || e.action), h('td', {}, STATES[e.to] || e.to || ''), h('td', {}, `${e.username || ''} (${ROLES[e.role] || e.role || ''})`))))));
  } catch (e) { /* the trail is informative only */ }
}
