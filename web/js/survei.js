// survei.js - the satisfaction survey (SKM, PermenPANRB 14/2017): nine questions answered 1-4,
// the respondent's profile and a suggestion. Opened two ways:
//  - from the QR on the pickup receipt: the survey token after "#";
//  - on the tablet at the handover loket: survei.html?loket=3 waits until the officer offers
//    the survey of the application just served ("Survei di tablet"), takes it once, and after
//    the answer waits for the next one. The tablet is on the office network (the offer's route
//    is not on the public listener).
// Answers are anonymous: the token only proves that a served application answers once.
// Never: keep a token after its survey is answered.
import { get, post, enc } from './api.js';
import { $, h, clear, showError, hideMsg } from './ui.js';
import { IKM_QUESTIONS, EDUCATION, OCCUPATION } from './labels.js';
import { listen } from './events.js';
import { header, fragment } from './citizen.js';

const msg = $('#msg');
const params = new URLSearchParams(location.search);
const loket = params.get('loket');
let token = fragment();
if (!loket) header('');
else document.body.classList.add('tablet');

function form() {
  const qs = clear($('#questions'));
  IKM_QUESTIONS.forEach((q, i) => qs.append(h('div', { class: 'q', dataset: { element: q.id } },
    h('div', {}, h('strong', {}, `${i + 1}. ${q.label}`), h('br'), q.q),
    h('div', { class: 'opts' }, q.a.map((text, k) => h('label', {},
      h('input', { type: 'radio', name: q.id, value: String(k + 1) }), `${k + 1}. ${text}`))))));
  const opt = (table) => [h('option', { value: '' }, '— pilih —'), ...Object.entries(table).map(([v, t]) => h('option', { value: v }, t))];
  clear($('#education')).append(...opt(EDUCATION));
  clear($('#occupation')).append(...opt(OCCUPATION));
}

function showOnly(id) {
  for (const s of ['waiting', 'closed', 'survey', 'thanks']) $('#' + s).hidden = s !== id;
}

async function openToken() {
  try {
    await get(`/api/public/survey/${enc(token)}`);
    form();
    showOnly('survey');
  } catch (e) {
    showOnly('closed');
    $('#closed-text').textContent = e.message;
  }
}

// Tablet: take the offered survey of this loket, once.
let taking = false;
async function takeOffer() {
  if (taking || !$('#survey').hidden) return;
  taking = true;
  try {
    const r = await get(`/api/tablet/survey?loket=${enc(loket)}`);
    token = r.token;
    form();
    hideMsg(msg);
    showOnly('survey');
  } catch (e) {
    if (e.code !== 'no_survey_offer') showError(msg, e);
  } finally { taking = false; }
}

$('#survey').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const answers = {};
  for (const q of IKM_QUESTIONS) {
    const v = document.querySelector(`input[name="${q.id}"]:checked`);
    if (!v) return showError(msg, { message: `Pertanyaan "${q.label}" belum dijawab`, field: q.id });
    answers[q.id] = Number(v.value);
  }
  const sex = document.querySelector('input[name=sex]:checked');
  const body = {
    token, answers, age: Number($('#age').value), sex: sex ? sex.value : '',
    education: $('#education').value, occupation: $('#occupation').value, suggestion: $('#suggestion').value.trim(),
  };
  if (!$('#age').value) return showError(msg, { message: 'Isi umur Anda', field: 'age' });
  try {
    await post('/api/public/survey', body);
    token = '';
    showOnly('thanks');
    if (loket) setTimeout(() => { showOnly('waiting'); takeOffer(); }, 8000);
  } catch (e) { showError(msg, e); }
});

if (loket) {
  $('#waiting-text').textContent = `Tablet Loket ${loket}: survei tampil di sini setelah petugas menyelesaikan layanan Anda.`;
  showOnly('waiting');
  listen((type, data) => { if (type === 'survey_offered' && String(data.loket) === String(loket)) takeOffer(); }, $('#live'));
  setInterval(takeOffer, 5000); // also without the stream
  takeOffer();
} else if (token) {
  openToken();
} else {
  showOnly('closed');
  $('#closed-text').textContent = 'Pindai kode QR "Survei Kepuasan Masyarakat" pada tanda terima Anda untuk mengisi survei.';
}
