// kiosk.js - the public kiosk (SOP step 1): pick a service, optionally priority, take a ticket,
// see it big and print it on the 80 mm receipt printer. No login; POST /api/tickets only.
// The office's kiosk is a registered device: the admin registers it and opens this page once
// as /kiosk.html#pasang=SECRET on the device; the secret is kept in this browser's storage
// (the fragment never reaches the server or its log) and sent with every ticket as
// X-Ktpel-Kiosk. Another browser can still take a few numbers an hour (docs/security.md).
// A booked citizen checks in with the booking code (typed, or a scanner that types the QR and
// Enter): POST /api/kiosk/checkin (same device header and budgets) gives a ticket called under
// the booked/walk-in rule. Every ticket shows the QR of its page on the phone (how many are
// ahead, the wait, the call).
import { api } from './api.js';
import { $, h, clear, showError, hideMsg, fmtDateTime, printElement } from './ui.js';
import { SERVICES, PRIORITY } from './labels.js';

const msg = $('#msg');
const prio = $('#priority');
const reasons = $('#priority-reasons');
let backTimer = null;

prio.addEventListener('change', () => { reasons.hidden = !prio.checked; hideMsg(msg); });

const DEVICE_KEY = 'ktpel.kiosk';
function deviceState() {
  $('#kiosk-device').textContent = localStorage.getItem(DEVICE_KEY)
    ? 'Kios terdaftar' : 'Perangkat ini belum terdaftar sebagai kios kantor';
}
function pairFromAddress() {
  const pair = /^#pasang=([0-9a-f]{64})$/.exec(location.hash);
  if (pair) {
    localStorage.setItem(DEVICE_KEY, pair[1]);
    history.replaceState(null, '', location.pathname); // the secret leaves the address bar
  }
  deviceState();
}
pairFromAddress();
window.addEventListener('hashchange', pairFromAddress);
const device = () => {
  const d = localStorage.getItem(DEVICE_KEY);
  return d ? { 'X-Ktpel-Kiosk': d } : {};
};

for (const [id, s] of Object.entries(SERVICES)) {
  $('#services').append(h('button', { class: 'service-btn', type: 'button', dataset: { service: id },
    onclick: () => take(id) }, h('span', { class: 'prefix' }, s.prefix), s.label));
}

async function take(service) {
  hideMsg(msg);
  const body = { service };
  if (prio.checked) {
    const r = document.querySelector('input[name=priority_reason]:checked');
    if (!r) {
      return showError(msg, { message: 'Pilih alasan antrian prioritas: lansia, disabilitas, atau ibu hamil', field: 'priority_reason' });
    }
    body.priority = true;
    body.priority_reason = r.value;
  }
  $$buttons(true);
  try {
    show(await api('POST', '/api/tickets', body, device()));
  } catch (e) {
    if (e.code === 'kiosk_unknown') { // revoked by the admin: this browser is no kiosk any more
      localStorage.removeItem(DEVICE_KEY);
      deviceState();
    }
    showError(msg, e);
  } finally {
    $$buttons(false);
  }
}

function $$buttons(disabled) {
  document.querySelectorAll('.service-btn').forEach((b) => { b.disabled = disabled; });
}

function show(t) {
  const tk = clear($('#ticket'));
  // Element.append writes null as the text "null": the lines a ticket does not have are
  // left out here (issue 10: "null" on every non-priority ticket).
  tk.append(...[
    h('div', { class: 'office' }, 'KECAMATAN NEGLASARI · LAYANAN e-KTP'),
    h('div', { class: 'svc' }, 'Nomor antrian Anda'),
    h('div', { class: 'number', id: 'ticket-number' }, t.number),
    h('div', { class: 'svc' }, SERVICES[t.service] ? SERVICES[t.service].label : t.service),
    t.priority ? h('div', { class: 'meta' }, h('strong', {}, 'PRIORITAS: ' + (PRIORITY[t.priority_reason] || t.priority_reason || ''))) : null,
    h('div', { class: 'meta' }, fmtDateTime(t.taken_at || Date.now())),
    t.waiting_before !== undefined ? h('div', { class: 'meta' }, `Antrian di depan Anda: ${t.waiting_before}`) : null,
    h('div', { class: 'meta' }, 'Mohon menunggu panggilan dan perhatikan papan antrian.'),
    t.booked ? h('div', { class: 'meta' }, h('strong', {}, 'JANJI TEMU: dipanggil lebih dahulu')) : null,
    t.track ? h('img', { class: 'qr', id: 'ticket-qr', alt: 'Kode QR antrian di HP', src: `/api/public/tickets/${encodeURIComponent(t.track)}/qr.svg` }) : null,
    t.track ? h('div', { class: 'meta' }, 'Pindai untuk memantau antrian Anda di HP') : null,
  ].filter(Boolean));
  // The same ticket as the office's PDF (80 mm): GET /api/tickets/{id}/ticket.pdf.
  $('#ticket-pdf').href = `/api/tickets/${encodeURIComponent(t.id)}/ticket.pdf`;
  $('#choose').hidden = true;
  $('#result').hidden = false;
  let left = 20;
  const cd = $('#countdown');
  clearInterval(backTimer);
  cd.textContent = `Kembali ke menu dalam ${left} detik`;
  backTimer = setInterval(() => {
    left -= 1;
    cd.textContent = `Kembali ke menu dalam ${left} detik`;
    if (left <= 0) reset();
  }, 1000);
}

function reset() {
  clearInterval(backTimer);
  $('#result').hidden = true;
  $('#choose').hidden = false;
  prio.checked = false;
  reasons.hidden = true;
  document.querySelectorAll('input[name=priority_reason]').forEach((r) => { r.checked = false; });
}

$('#checkin-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const code = $('#checkin-code').value.trim();
  if (!code) return showError(msg, { message: 'Ketik atau pindai kode janji temu Anda', field: 'code' });
  $('#btn-checkin').disabled = true;
  try {
    show(await api('POST', '/api/kiosk/checkin', { code }, device()));
    $('#checkin-code').value = '';
  } catch (e) {
    if (e.code === 'kiosk_unknown') {
      localStorage.removeItem(DEVICE_KEY);
      deviceState();
    }
    showError(msg, e);
  } finally {
    $('#btn-checkin').disabled = false;
  }
});

$('#print').addEventListener('click', () => printElement($('#ticket'), 'receipt80'));
$('#done').addEventListener('click', reset);
