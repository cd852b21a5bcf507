// janji.js - the public booking page (janji temu): a service, a day and a slot with free places,
// the NIK (screened by the service as intake screens it) and an optional phone number with
// consent; then the booking code, big, with its QR. The same page opens a booking by its code
// (typed, or from the QR: "#kode=...") to cancel or reschedule it.
// Every check is the server's (docs/api.md, "Citizens"); the page shows its message, what and
// where, and changes nothing on a refusal.
// Never: keep the NIK or the phone number after the form is sent.
import { get, post, enc } from './api.js';
import { $, h, clear, showError, showInfo, hideMsg } from './ui.js';
import { SERVICES, APPT_STATES } from './labels.js';
import { header, fragment } from './citizen.js';

header('janji.html');
const msg = $('#msg');
let choice = { day: null, start: null };
let current = null; // the booking opened by its code

// Days and slots of a service into the two button rows; pick(day, start) on a choice.
async function fill(service, daysEl, slotsEl, pick) {
  clear(daysEl);
  clear(slotsEl).append(h('span', { class: 'muted' }, 'Pilih tanggal dahulu'));
  if (!service) return;
  let r;
  try { r = await get(`/api/public/appointments?service=${enc(service)}`); } catch (e) { return showError(msg, e); }
  const open = r.days.filter((d) => !d.closed && d.slots.length);
  if (!open.length) daysEl.append(h('span', { class: 'muted' }, 'Belum ada jadwal yang dapat dipesan'));
  for (const d of open) {
    const free = d.slots.reduce((a, s) => a + s.free, 0);
    daysEl.append(h('button', { type: 'button', dataset: { day: d.day }, disabled: free === 0,
      onclick: (ev) => {
        daysEl.querySelectorAll('button').forEach((b) => b.classList.remove('chosen'));
        ev.currentTarget.classList.add('chosen');
        pick(d.day, null);
        clear(slotsEl).append(...d.slots.map((s) => h('button', { type: 'button', dataset: { start: s.start }, disabled: s.free === 0,
          onclick: (e2) => {
            slotsEl.querySelectorAll('button').forEach((b) => b.classList.remove('chosen'));
            e2.currentTarget.classList.add('chosen');
            pick(d.day, s.start);
          } }, `${s.start}–${s.end} (${s.free ? `sisa ${s.free}` : 'penuh'})`)));
      } }, free === 0 ? `${d.label} (penuh)` : d.label));
  }
}

$('#service').addEventListener('change', () => {
  choice = { day: null, start: null };
  fill($('#service').value, $('#days'), $('#slots'), (day, start) => { choice = { day, start }; });
});

$('#book-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const service = $('#service').value;
  const nik = $('#nik').value.trim();
  const phone = $('#phone').value.trim();
  if (!service) return showError(msg, { message: 'Pilih layanan', field: 'service' });
  if (!choice.day || !choice.start) return showError(msg, { message: 'Pilih tanggal dan jam janji temu' });
  if (!nik) return showError(msg, { message: 'NIK wajib diisi', field: 'nik' });
  const body = { service, day: choice.day, start: choice.start, nik };
  if (phone) { body.phone = phone; body.consent = $('#consent').checked; }
  $('#btn-book').disabled = true;
  try {
    const a = await post('/api/public/appointments', body);
    $('#book-form').reset();
    clear($('#slots'));
    $('#code-shown').textContent = a.code_shown;
    $('#code-qr').src = `/api/public/appointments/${enc(a.code)}/qr.svg`;
    clear($('#booked-info')).append(
      h('dt', {}, 'Layanan'), h('dd', {}, a.service_label),
      h('dt', {}, 'Jadwal'), h('dd', { id: 'booked-when' }, `${a.day_label}, ${a.start}–${a.end} WIB`),
      h('dt', {}, 'NIK'), h('dd', { class: 'mono' }, a.nik_masked),
      h('dt', {}, 'SMS'), h('dd', {}, a.sms ? 'Konfirmasi dan pengingat dikirim ke nomor Anda' : 'Tanpa SMS'));
    $('#booked').hidden = false;
    $('#book').hidden = true;
    showInfo(msg, `Janji temu tercatat. Kode Anda: ${a.code_shown}`);
  } catch (e) { showError(msg, e); } finally { $('#btn-book').disabled = false; }
});

// ---- an existing booking by its code
function showAppt(a) {
  current = a;
  clear($('#appt-info')).append(
    h('dt', {}, 'Kode'), h('dd', { class: 'mono' }, a.code_shown),
    h('dt', {}, 'Layanan'), h('dd', {}, a.service_label || (SERVICES[a.service] || {}).label || a.service),
    h('dt', {}, 'Jadwal'), h('dd', { id: 'appt-when' }, `${a.day_label}, ${a.start}–${a.end} WIB`),
    h('dt', {}, 'Status'), h('dd', { id: 'appt-state' }, APPT_STATES[a.state] || a.state),
    a.ticket_number ? [h('dt', {}, 'Nomor antrian'), h('dd', {}, a.ticket_number)] : null);
  $('#appt').hidden = false;
  $('#appt-actions').hidden = a.state !== 'booked';
  $('#move').hidden = true;
}

async function open(code) {
  hideMsg(msg);
  if (!code) return showError(msg, { message: 'Ketik kode janji temu', field: 'code' });
  try { showAppt(await get(`/api/public/appointments/${enc(code)}`)); } catch (e) { $('#appt').hidden = true; showError(msg, e); }
}

$('#manage-form').addEventListener('submit', (ev) => { ev.preventDefault(); open($('#code').value.trim()); });

$('#btn-cancel').addEventListener('click', async () => {
  hideMsg(msg);
  if (!current || !window.confirm('Batalkan janji temu ini?')) return;
  try {
    showAppt(await post(`/api/public/appointments/${enc(current.code)}/cancel`));
    showInfo(msg, 'Janji temu dibatalkan.');
  } catch (e) { showError(msg, e); }
});

let move = { day: null, start: null };
$('#btn-move').addEventListener('click', () => {
  $('#move').hidden = false;
  move = { day: null, start: null };
  $('#btn-move-save').disabled = true;
  fill(current.service, $('#move-days'), $('#move-slots'), (day, start) => {
    move = { day, start };
    $('#btn-move-save').disabled = !start;
  });
});
$('#btn-move-save').addEventListener('click', async () => {
  hideMsg(msg);
  try {
    showAppt(await post(`/api/public/appointments/${enc(current.code)}/reschedule`, move));
    showInfo(msg, 'Jadwal janji temu diubah.');
  } catch (e) { showError(msg, e); }
});

// Opened from the QR of a booking: "#kode=K3M9QXA7C" (also when only the address's # changes).
function fromQr() {
  const code = fragment('kode');
  if (!code) return;
  $('#code').value = code;
  open(code);
}
window.addEventListener('hashchange', fromQr);
fromQr();
