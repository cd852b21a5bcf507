// status.js - the card's status page: receipt number + birth date, both or nothing (the server
// answers the same "tidak cocok" for any mismatch, and refuses a number tried too often). It
// shows where the card is from the application's state, each step with its date, and what to
// do (a duplicate, a refusal). A phone number (with consent) can be left for "KTP-el Anda
// sudah dapat diambil".
// Never: keep the receipt number, the birth date or the phone number beyond the page.
import { post } from './api.js';
import { $, h, clear, showError, showInfo, hideMsg, fmtDate } from './ui.js';
import { header } from './citizen.js';

header('status.html');
const msg = $('#msg');
let asked = null; // {receipt_no, birth_date} of the result shown

function show(r) {
  $('#result').hidden = false;
  $('#stage-label').textContent = r.stage_label;
  $('#advice').textContent = r.advice;
  const ol = clear($('#steps'));
  const at = r.steps.findIndex((s) => !s.done);
  r.steps.forEach((s, i) => ol.append(h('li', { class: `${s.done ? 'done' : ''} ${i === at - 1 || (at < 0 && i === r.steps.length - 1) ? 'current' : ''}`, dataset: { stage: s.stage } },
    s.label, s.at ? h('span', { class: 'muted' }, ` · ${fmtDate(s.at)}`) : null)));
  // "YYYY-MM-DD" in words, as people read dates ("21 Desember 2026")
  const words = (d) => new Intl.DateTimeFormat('id-ID', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(`${d}T00:00:00Z`));
  $('#pickup').textContent = r.expected_pickup ? `Perkiraan dapat diambil: ${words(r.expected_pickup)}` : '';
  $('#sms').hidden = !r.sms_offer || r.sms;
  if (r.sms && r.sms_offer) $('#pickup').textContent += ' · SMS akan dikirim saat KTP-el siap diambil.';
}

$('#status-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const body = { receipt_no: $('#receipt_no').value.trim(), birth_date: $('#birth_date').value };
  if (!body.receipt_no) return showError(msg, { message: 'Isi nomor tanda terima', field: 'receipt_no' });
  if (!body.birth_date) return showError(msg, { message: 'Isi tanggal lahir', field: 'birth_date' });
  $('#result').hidden = true;
  $('#sms').hidden = true;
  try {
    show(await post('/api/public/card-status', body));
    asked = body;
  } catch (e) { asked = null; showError(msg, e); }
});

$('#sms-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  if (!asked) return;
  const phone = $('#phone').value.trim();
  if (!phone) return showError(msg, { message: 'Isi nomor HP', field: 'phone' });
  try {
    show(await post('/api/public/card-status', { ...asked, phone, consent: $('#consent').checked }));
    $('#sms-form').reset();
    showInfo(msg, 'Nomor HP dicatat. SMS dikirim saat KTP-el siap diambil.');
  } catch (e) { showError(msg, e); }
});
