// operator.js - the recording operator (SOP step 3): the checked applications, the data
// change form (before and after), and the recording: face photo from the webcam with the
// background colour the birth year requires (checked on the captured image), signature,
// ten fingerprints (file pick or drag and drop, exceptions for missing or injured fingers),
// both irises, then completion.
import { get, post, putBytes, enc } from './api.js';
import { $, h, clear, showError, showInfo, hideMsg } from './ui.js';
import { KINDS, STATES, CHANGE_FIELDS, FINGERS } from './labels.js';
import { requireRole } from './session.js';
import { residentCard } from './resident.js';
import { listen } from './events.js';
import { requiredBackground, backgroundHue, decodeToCanvas, canvasBlob } from './image.js';
import { signaturePad } from './signature.js';

const msg = $('#msg');
await requireRole(['operator']);
let app = null;
let resident = null;
let photoReady = false;
let bgResult = null;
const previews = new Map(); // slot -> preview canvas of the open application (kept across re-renders)
const SLOTS = ['face', 'signature', ...FINGERS.map((_, i) => `finger_${i + 1}`), 'iris_left', 'iris_right'];
const SLOT_LABEL = { face: 'Foto', signature: 'Tanda tangan', iris_left: 'Iris kiri', iris_right: 'Iris kanan' };
FINGERS.forEach((f, i) => { SLOT_LABEL[`finger_${i + 1}`] = `${i + 1}. ${f}`; });

// ---- worklist
let listSeq = 0;
let worklist = []; // the applications shown, for "call the next one"
async function loadList() {
  const seq = ++listSeq;
  const items = [];
  try {
    const lists = await Promise.all(['checked', 'data_changed'].map((s) => get(`/api/applications?state=${s}`)));
    if (seq !== listSeq) return; // a newer reload is under way
    const apps = lists.flat();
    worklist = apps;
    if (!apps.length) items.push(h('p', { class: 'muted' }, 'Belum ada pemohon.'));
    for (const a of apps) {
      items.push(h('div', { class: 'pick-row' },
        h('button', { class: 'btn btn-ghost', type: 'button', dataset: { app: a.id }, onclick: () => open(a.id) },
          `#${a.id} · ${a.ticket_number || ''} · ${a.name || (a.resident && a.resident.name) || ''} ${a.nik} · ${KINDS[a.kind] || a.kind} · ${STATES[a.state] || a.state}`),
        h('button', { class: 'btn btn-small', type: 'button', dataset: { call: a.id }, title: 'Panggil ke meja perekaman',
          onclick: () => callToDesk(a) }, 'Panggil')));
    }
    $('#worklist').replaceChildren(...items);
  } catch (e) { showError(msg, e); }
}
$('#btn-reload').addEventListener('click', loadList);
listen((type) => { if (type.startsWith('application')) loadList(); }, $('#live'), { staff: true });
loadList();

// ---- the call to the recording desk: the intake ticket's number on the display, with voice
let lastCall = null;
async function callToDesk(a) {
  hideMsg(msg);
  try {
    lastCall = await post('/api/lokets/calls', { application_id: a.id });
    showInfo(msg, `Nomor antrian ${lastCall.number} dipanggil ke loket ${lastCall.loket} (meja perekaman).`);
    $('#btn-recall-desk').hidden = false;
    $('#btn-recall-desk').textContent = `Panggil ulang ${lastCall.number}`;
    await open(a.id, true);
  } catch (e) { showError(msg, e); }
}
// F2 / "Panggil berikutnya": the applicant checked first (lowest application number) who was
// not called to the desk yet from this page.
const calledHere = new Set();
async function callNext() {
  const next = worklist.filter((a) => !calledHere.has(a.id)).sort((a, b) => a.id - b.id)[0];
  if (!next) return showInfo(msg, 'Tidak ada pemohon yang menunggu perekaman.', 'warn');
  calledHere.add(next.id);
  await callToDesk(next);
}
$('#btn-call-next').addEventListener('click', callNext);
document.addEventListener('keydown', (ev) => { if (ev.key === 'F2' && !document.querySelector('dialog[open]')) { ev.preventDefault(); callNext(); } });

$('#btn-recall-desk').addEventListener('click', async () => {
  if (!lastCall) return;
  hideMsg(msg);
  try {
    const c = await post(`/api/lokets/calls/${enc(lastCall.call_id)}/recall`);
    showInfo(msg, `Nomor antrian ${c.number} dipanggil ulang ke loket ${c.loket}.`);
  } catch (e) { showError(msg, e); }
});

async function open(id, keepMsg) {
  if (!keepMsg) hideMsg(msg);
  // "Panggil ulang" belongs to the applicant last called to the desk.
  $('#btn-recall-desk').hidden = !lastCall || lastCall.application_id !== Number(id);
  try {
    app = await get(`/api/applications/${enc(id)}`);
    resident = app.resident || await get(`/api/residents/${enc(app.nik)}`);
  } catch (e) { return showError(msg, e); }
  $('#work').hidden = false;
  $('#app-title').textContent = `#${app.id} · ${KINDS[app.kind] || app.kind}`;
  $('#app-state').textContent = STATES[app.state] || app.state;
  clear($('#resident')).append(residentCard(resident));
  previews.clear();
  renderChange();
  const bg = requiredBackground(resident.birth_date);
  const req = $('#bg-required');
  req.textContent = bg ? `${bg.label} (lahir ${bg.year}, tahun ${bg.id === 'merah' ? 'ganjil' : 'genap'})` : 'tidak diketahui';
  req.className = 'bgreq ' + (bg ? 'bg-' + bg.id : '');
  renderSlots();
}

// ---- data change: before (SIAK) and after, for the fields the intake officer noted
function renderChange() {
  const show = app.kind === 'perubahan' || app.state === 'data_changed';
  $('#change').hidden = !show;
  if (!show) return;
  const fields = (app.change_fields && app.change_fields.length) ? app.change_fields : Object.keys(CHANGE_FIELDS);
  const tb = clear($('#change-rows'));
  for (const f of fields) {
    const def = CHANGE_FIELDS[f] || { label: f, type: 'text' };
    const before = resident[f];
    const shown = def.options ? (def.options[before] || before) : before;
    const input = def.type === 'select'
      ? h('select', { name: f }, h('option', { value: '' }, '— tidak berubah —'), Object.entries(def.options).map(([v, l]) => h('option', { value: v }, l)))
      : h('input', { name: f, type: def.type === 'number' ? 'number' : 'text', placeholder: 'kosongkan bila tidak berubah' });
    tb.append(h('tr', {}, h('td', {}, def.label), h('td', { class: 'before-v' }, shown === undefined || shown === null ? '-' : String(shown)), h('td', {}, input)));
  }
  clear($('#change-result'));
  showBeforeAfter(app);
}

// The service keeps every change as {field, before, after, at} in "changes".
function showBeforeAfter(a) {
  const box = clear($('#change-result'));
  let list = a.changes || [];
  if (!list.length && a.after) list = Object.keys(a.after).map((k) => ({ field: k, before: (a.before || {})[k], after: a.after[k] }));
  if (!list.length) return;
  const rows = list.map((c) => {
    const def = CHANGE_FIELDS[c.field] || { label: c.field };
    const fmt = (v) => (v === undefined || v === null || v === '' ? '-' : String(def.options ? def.options[v] || v : v));
    return h('tr', {}, h('td', {}, def.label), h('td', { class: 'before' }, fmt(c.before)), h('td', { class: 'after' }, fmt(c.after)));
  });
  box.append(h('h3', {}, 'Tersimpan: sebelum → sesudah'), h('table', { id: 'before-after' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Data'), h('th', {}, 'Sebelum'), h('th', {}, 'Sesudah'))), h('tbody', {}, rows)));
}

$('#change-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const changes = {};
  for (const el of $('#change-form').querySelectorAll('[name]')) {
    const v = el.value.trim();
    if (!v) continue;
    const def = CHANGE_FIELDS[el.name] || {};
    if (def.type === 'number' || def.type === 'select') {
      if (!/^\d+$/.test(v)) return showError(msg, { message: `${def.label}: harus berupa kode angka`, field: el.name });
      changes[el.name] = Number(v);
    } else {
      changes[el.name] = v;
    }
  }
  if (!Object.keys(changes).length) return showError(msg, { message: 'Isi sedikitnya satu data baru', field: '' });
  try {
    app = await post(`/api/applications/${enc(app.id)}/change-data`, { changes });
    $('#app-state').textContent = STATES[app.state] || app.state;
    showBeforeAfter(app);
    showInfo(msg, 'Perubahan data tersimpan.');
    loadList();
  } catch (e) { showError(msg, e); }
});

// ---- biometric slots
function slotState(slot) { return (app.bio && app.bio[slot]) || 'kosong'; }

function renderSteps() {
  const st = clear($('#steps'));
  const groups = [['Foto', ['face']], ['Tanda tangan', ['signature']],
    ['Sidik jari', SLOTS.filter((s) => s.startsWith('finger'))], ['Iris', ['iris_left', 'iris_right']]];
  for (const [label, slots] of groups) {
    const done = slots.filter((s) => slotState(s) !== 'kosong').length;
    st.append(h('span', { class: done === slots.length ? 'done' : '' }, `${label} ${done}/${slots.length}`));
  }
}

function renderSlots() {
  const fg = clear($('#fingers'));
  const ir = clear($('#irises'));
  for (const slot of SLOTS.filter((s) => s.startsWith('finger') || s.startsWith('iris'))) {
    (slot.startsWith('iris') ? ir : fg).append(slotBox(slot));
  }
  renderSteps();
}

function slotBox(slot) {
  const state = slotState(slot);
  const canvas = previews.get(slot) || h('canvas', { width: 160, height: 120 });
  previews.set(slot, canvas);
  const file = h('input', { type: 'file', accept: 'image/*,.tif,.tiff,.iso,.wsq', name: slot, class: 'slot-file' });
  const info = h('div', { class: 'state' }, state === 'stored' ? '✔ tersimpan' : state === 'exception' ? '⚠ pengecualian' : 'belum');
  const box = h('div', { class: 'slot ' + (state === 'stored' ? 'stored' : state === 'exception' ? 'exception' : ''), dataset: { slot } },
    h('div', {}, SLOT_LABEL[slot]), canvas, info, file,
    h('button', { class: 'btn btn-ghost btn-small', type: 'button', onclick: () => askException(slot) }, 'Pengecualian'));
  const upload = async (f) => {
    hideMsg(msg);
    if (!f) return;
    if (f.size > 8 * 1024 * 1024) return showError(msg, { message: `${SLOT_LABEL[slot]}: berkas ${Math.round(f.size / 1048576)} MB, paling besar 8 MB`, field: slot });
    let type = f.type || 'application/octet-stream';
    try {
      const d = await decodeToCanvas(f, canvas);
      type = d.type;
    } catch (e) {
      // Templates (ISO 19794-2) and WSQ are not pictures: stored as they are, no preview.
      if (!/\.(iso|wsq)$/i.test(f.name)) return showError(msg, { message: `${SLOT_LABEL[slot]}: berkas "${f.name}" bukan gambar yang dapat dibaca (${e.message})`, field: slot });
    }
    try {
      const r = await putBytes(`/api/applications/${enc(app.id)}/bio/${slot}`, f, type);
      app.bio = Object.assign({}, app.bio, { [slot]: 'stored' });
      box.className = 'slot stored';
      info.textContent = '✔ tersimpan' + (r && r.quality !== undefined ? ` · mutu ${r.quality} (${r.advice || ''})` : '');
      // A poor print (advice "ulangi"): stored, but the operator is asked to take it again.
      if (r && (r.retake || r.advice === 'ulangi')) {
        box.classList.add('retake');
        info.textContent = `⚠ mutu ${r.quality}: ulangi`;
        showInfo(msg, `${SLOT_LABEL[slot]}: ${r.quality_message || `mutu ${r.quality}: ulangi pengambilan`} (bersihkan jari dan kaca pemindai, lalu pindai ulang jari ini).`, 'warn');
      }
      renderSteps();
    } catch (e) { showError(msg, e); }
  };
  file.addEventListener('change', () => upload(file.files[0]));
  box.addEventListener('dragover', (ev) => { ev.preventDefault(); box.classList.add('drag'); });
  box.addEventListener('dragleave', () => box.classList.remove('drag'));
  box.addEventListener('drop', (ev) => { ev.preventDefault(); box.classList.remove('drag'); upload(ev.dataTransfer.files[0]); });
  return box;
}

let excSlot = null;
function askException(slot) {
  excSlot = slot;
  $('#exc-slot').textContent = SLOT_LABEL[slot];
  $('#exc-reason').value = '';
  hideMsg($('#exc-msg'));
  $('#exc-dialog').showModal();
}
$('#exc-ok').addEventListener('click', async (ev) => {
  ev.preventDefault();
  const reason = $('#exc-reason').value;
  if (!reason) return showError($('#exc-msg'), { message: 'Pilih alasan pengecualian', field: 'reason' });
  try {
    await post(`/api/applications/${enc(app.id)}/bio/${excSlot}/exception`, { reason });
    app.bio = Object.assign({}, app.bio, { [excSlot]: 'exception' });
    $('#exc-dialog').close();
    renderSlots();
  } catch (e) { showError($('#exc-msg'), e); }
});

// ---- face photo
const video = $('#video');
const photo = $('#photo');
$('#btn-camera').addEventListener('click', async () => {
  hideMsg(msg);
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 800 }, audio: false });
    $('#btn-capture').disabled = false;
  } catch (e) {
    showError(msg, { message: `Kamera tidak dapat dibuka: ${e.message}. Periksa izin kamera atau pilih berkas foto.`, field: '' });
  }
});

function checkBackground() {
  const need = requiredBackground(resident.birth_date);
  bgResult = backgroundHue(photo);
  const box = clear($('#bg-check'));
  const ok = need && bgResult.verdict === need.id;
  const seen = bgResult.verdict === 'lain' ? 'bukan merah/biru' : bgResult.verdict.toUpperCase();
  box.append(h('p', { class: 'msg ' + (ok ? 'msg-ok' : 'msg-error'), id: 'bg-verdict' },
    ok ? `Latar ${seen}: sesuai (${Math.round(bgResult.share * 100)}% tepi).`
      : `Latar terdeteksi ${seen}, seharusnya ${need ? need.label : '?'} untuk tahun lahir ${need ? need.year : '?'}. Ganti latar lalu foto ulang.`));
  photoReady = true;
  $('#btn-photo-save').disabled = false;
}

$('#btn-capture').addEventListener('click', () => {
  const ctx = photo.getContext('2d');
  const vw = video.videoWidth || 640, vh = video.videoHeight || 480;
  // crop the centre to the 4:5 portrait of the card photo
  const tw = Math.min(vw, (vh * 4) / 5), th = (tw * 5) / 4;
  ctx.drawImage(video, (vw - tw) / 2, (vh - th) / 2, tw, th, 0, 0, photo.width, photo.height);
  checkBackground();
});
$('#photo-file').addEventListener('change', async () => {
  const f = $('#photo-file').files[0];
  if (!f) return;
  const tmp = document.createElement('canvas');
  try { await decodeToCanvas(f, tmp); } catch (e) { return showError(msg, { message: `Berkas foto tidak dapat dibaca: ${e.message}`, field: 'face' }); }
  photo.getContext('2d').drawImage(tmp, 0, 0, photo.width, photo.height);
  checkBackground();
});
$('#btn-photo-save').addEventListener('click', async () => {
  hideMsg(msg);
  if (!photoReady) return;
  const need = requiredBackground(resident.birth_date);
  if (need && bgResult.verdict !== need.id && !$('#bg-override').checked) {
    return showError(msg, { message: `Warna latar foto harus ${need.label}. Foto ulang, atau centang "latar sudah benar" bila pemeriksaan keliru.`, field: 'face' });
  }
  try {
    // The server checks the backdrop too (this page's check is a hint); the operator's
    // "latar sudah benar" is passed on and recorded in the audit trail.
    const confirmed = need && bgResult.verdict !== need.id ? '?background=confirmed' : '';
    await putBytes(`/api/applications/${enc(app.id)}/bio/face${confirmed}`, await canvasBlob(photo), 'image/jpeg');
    app.bio = Object.assign({}, app.bio, { face: 'stored' });
    showInfo(msg, 'Foto tersimpan.');
    renderSteps();
  } catch (e) { showError(msg, e); }
});

// ---- signature
const pad = signaturePad($('#sign'));
$('#btn-sign-clear').addEventListener('click', () => pad.clear());
$('#btn-sign-save').addEventListener('click', async () => {
  hideMsg(msg);
  if (pad.empty) return showError(msg, { message: 'Tanda tangan masih kosong', field: 'signature' });
  try {
    await putBytes(`/api/applications/${enc(app.id)}/bio/signature`, await canvasBlob($('#sign'), 'image/png'), 'image/png');
    app.bio = Object.assign({}, app.bio, { signature: 'stored' });
    showInfo(msg, 'Tanda tangan tersimpan.');
    renderSteps();
  } catch (e) { showError(msg, e); }
});

// ---- completion
$('#btn-record').addEventListener('click', async () => {
  hideMsg(msg);
  const missing = SLOTS.filter((s) => slotState(s) === 'kosong');
  if (missing.length) {
    return showError(msg, { message: `Belum lengkap: ${missing.map((s) => SLOT_LABEL[s]).join(', ')}`, field: missing[0] });
  }
  try {
    app = await post(`/api/applications/${enc(app.id)}/record`);
    $('#app-state').textContent = STATES[app.state] || app.state;
    if (app.state === 'duplicate') {
      // AFIS: the fingers match another NIK's record; the supervisor decides (one person, one card).
      const hits = (app.afis && app.afis.hits) || [];
      const niks = [...new Set(hits.map((x) => x.matched_nik))].join(', ');
      showInfo(msg, `Perekaman permohonan #${app.id} selesai, tetapi sidik jari cocok dengan rekaman NIK ${niks || 'lain'}: menunggu keputusan supervisor (duplikat).`, 'warn');
    } else {
      showInfo(msg, `Perekaman permohonan #${app.id} selesai. Pemohon menuju loket penyerahan untuk tanda terima.`);
    }
    loadList();
  } catch (e) { showError(msg, e); }
});
