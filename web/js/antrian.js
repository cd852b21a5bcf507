// antrian.js - a ticket's page on the phone (from the QR on the ticket): the number, how many
// are before it, the estimated wait from the day's measured service times, and "DIPANGGIL ke
// Loket N" the moment it is called - live, from the same event stream as the display board
// (each queue event makes the page re-read its ticket, after a short random delay so a
// hundred phones do not ask at the same instant). No NIK, no name: the page knows a number.
// Optionally a phone number (with consent) for "nomor Anda tinggal N lagi" by SMS.
// Never: show or keep the phone number once it is sent.
import { get, post, enc } from './api.js';
import { $, showError, showInfo, hideMsg, fmtTime } from './ui.js';
import { listen } from './events.js';
import { header, fragment } from './citizen.js';

header('antrian.html');
const msg = $('#msg');
let token = fragment();
window.addEventListener('hashchange', () => { token = fragment(); if (token) { $('#no-ticket').hidden = true; refresh(); } });
let last = null;

function render(t) {
  last = t;
  $('#ticket').hidden = false;
  $('#t-service').textContent = `${t.service_label} · ${t.service_day}`;
  $('#t-number').textContent = t.number;
  const box = $('#ticket');
  box.classList.toggle('called', t.state === 'called');
  $('#t-ahead').textContent = '';
  $('#t-wait').textContent = '';
  $('#t-basis').textContent = '';
  if (!t.today) {
    $('#t-callout').textContent = 'Nomor ini bukan untuk hari ini';
  } else if (t.state === 'waiting') {
    $('#t-callout').textContent = t.booked ? 'Menunggu (janji temu)' : 'Menunggu';
    $('#t-ahead').textContent = t.ahead === 0 ? 'Anda berikutnya' : `Di depan Anda: ${t.ahead} orang`;
    $('#t-wait').textContent = `Perkiraan waktu tunggu: ± ${t.wait_min} menit`;
    const e = t.estimate || {};
    $('#t-basis').textContent = e.measured
      ? `Perkiraan dari waktu layanan hari ini: rata-rata ${Math.round(e.cycle_s / 60)} menit per orang di ${e.lokets} loket.`
      : 'Perkiraan dari standar pelayanan (belum ada data hari ini).';
  } else if (t.state === 'called') {
    $('#t-callout').textContent = `DIPANGGIL ke Loket ${t.loket}`;
    $('#t-ahead').textContent = t.called_at ? `pukul ${fmtTime(t.called_at)} WIB` : '';
    if (navigator.vibrate) navigator.vibrate([300, 100, 300]);
  } else if (t.state === 'served') {
    $('#t-callout').textContent = `Sedang/sudah dilayani di Loket ${t.loket || '-'}`;
  } else if (t.state === 'no_show') {
    $('#t-callout').textContent = 'Tidak hadir saat dipanggil. Silakan hubungi petugas.';
  }
  const canSms = t.today && t.state === 'waiting' && !t.sms;
  $('#sms').hidden = !canSms;
  $('#sms-why').textContent = `SMS dikirim sekali saat tinggal ${t.sms_near} orang atau kurang di depan Anda.`;
  if (t.sms && t.state === 'waiting') $('#t-basis').textContent += ' SMS akan dikirim saat giliran Anda dekat.';
}

async function refresh() {
  try { render(await get(`/api/public/tickets/${enc(token)}`)); } catch (e) { showError(msg, e); }
}

let timer = null;
function soon() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 200 + Math.random() * 1300);
}

$('#sms-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const phone = $('#phone').value.trim();
  if (!phone) return showError(msg, { message: 'Isi nomor HP', field: 'phone' });
  try {
    await post(`/api/public/tickets/${enc(token)}/phone`, { phone, consent: $('#consent').checked });
    $('#sms-form').reset();
    showInfo(msg, `SMS akan dikirim saat giliran nomor ${last ? last.number : ''} dekat.`);
    refresh();
  } catch (e) { showError(msg, e); }
});

if (!token) {
  $('#no-ticket').hidden = false;
} else {
  refresh();
  // The board's stream: a call (or a no-show, a transfer) moves the queue; a new ticket
  // behind this one does not (a priority one taken later shows at the next call).
  const MOVES = new Set(['ticket_called', 'ticket_no_show', 'ticket_transferred', 'ticket_served']);
  listen((type) => { if (MOVES.has(type)) soon(); }, $('#live'));
  setInterval(refresh, 60000); // a safety net if the stream drops silently
}
