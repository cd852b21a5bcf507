// display.js - the public display board on the waiting-room TV (SOP step 1: the number is
// called). Shows the number now called at each loket, the last calls and how many wait per
// service; every call and recall is announced by playing the server's WAV (chime, then the
// sentence twice), one announcement after the other.
// Browsers refuse sound until a person interacts: one click on "Aktifkan suara" unlocks it,
// and the state stays visible in the corner.
import { get } from './api.js';
import { $, h, clear, fmtTime, clock } from './ui.js';
import { SERVICES } from './labels.js';
import { listen } from './events.js';

clock($('#clock'));
const queue = [];       // announcement URLs waiting to be played, in call order
// The SOP's counters (the server names them too: board lokets[].role_name).
const ROLE_NAME = { intake: 'Loket Penerima Berkas', operator: 'Perekaman', handover: 'Loket Penyerahan Dokumen' };
let playing = false;
let soundOn = false;

const audio = new Audio();
audio.preload = 'auto';

function setSound(on, text) {
  soundOn = on;
  const st = $('#sound-state');
  st.textContent = text || (on ? 'Suara aktif' : 'Suara mati');
  st.className = on ? 'sound-on' : 'sound-off';
  document.body.dataset.sound = on ? 'on' : 'off';
  $('#sound-btn').textContent = on ? 'Matikan suara' : 'Aktifkan suara';
}
setSound(false);

$('#sound-btn').addEventListener('click', async () => {
  if (soundOn) { setSound(false); audio.pause(); queue.length = 0; return; }
  // A silent play inside the click unlocks autoplay for this page.
  try {
    audio.src = 'sound/silence.wav';
    await audio.play().catch(() => {});
    setSound(true);
    next();
  } catch (e) {
    setSound(false, 'Browser menolak suara');
  }
});

// A ticket call (intake, handover) or a call to the recording desk (call_id): same chime and
// sentence, the desk's from /api/lokets/calls/{id}/announcement.wav.
function announce(ticketId, callId) {
  if (callId) queue.push({ id: `call-${callId}`, url: `/api/lokets/calls/${encodeURIComponent(callId)}/announcement.wav` });
  else if (ticketId) queue.push({ id: String(ticketId), url: `/api/tickets/${encodeURIComponent(ticketId)}/announcement.wav` });
  if (queue.length) document.body.dataset.lastQueued = queue[queue.length - 1].id;
  next();
}

async function next() {
  if (playing || !soundOn || queue.length === 0) return;
  playing = true;
  const { id, url } = queue.shift();
  audio.src = url;
  const done = new Promise((resolve) => {
    audio.onended = resolve;
    audio.onerror = resolve;
  });
  try {
    await audio.play();
    await done;
    document.body.dataset.announced = String(Number(document.body.dataset.announced || 0) + 1);
    document.body.dataset.lastAnnounced = String(id);
  } catch (e) {
    setSound(false, 'Klik untuk mengaktifkan suara');
  }
  playing = false;
  next();
}

function render(b, flashLoket) {
  const lk = clear($('#lokets'));
  for (const l of b.lokets || []) {
    const box = h('div', { class: 'loket-box', dataset: { loket: l.loket } },
      h('div', { class: 'name' }, `LOKET ${l.loket}`),
      h('div', { class: 'num' }, l.ticket ? l.ticket.number : '—'),
      h('div', { class: 'role' }, l.role_name || ROLE_NAME[l.role] || 'Penerima berkas'));
    if (flashLoket && Number(flashLoket) === Number(l.loket)) box.classList.add('flash');
    lk.append(box);
  }
  const last = clear($('#last'));
  for (const c of (b.last_calls || []).slice(0, 6)) {
    last.append(h('tr', {}, h('td', {}, c.number), h('td', {}, String(c.loket)), h('td', {}, fmtTime(c.called_at))));
  }
  const w = clear($('#waiting'));
  for (const [id, s] of Object.entries(SERVICES)) {
    const n = b.waiting ? b.waiting[id] || 0 : 0;
    w.append(h('tr', { dataset: { service: id } }, h('td', {}, `${s.prefix} · ${s.label}`), h('td', { class: 'count' }, String(n))));
  }
}

async function refresh(flashLoket) {
  try {
    render(await get('/api/queue/board'), flashLoket);
  } catch (e) {
    $('#live').textContent = 'Server tidak terjangkau';
  }
}

listen((type, ev) => {
  const t = ev.ticket || {};
  if (type === 'ticket_called' || type === 'ticket_recalled') {
    refresh(t.loket);
    announce(t.id || ev.ticket_id, t.call_id || ev.call_id);
  } else if (type.startsWith('ticket') || type.startsWith('application') || type === 'lokets_changed') {
    // an application moving on ends its loket's call (the board shows current calls only)
    refresh();
  }
}, $('#live'));

refresh();
// A safety net if the stream is down: the board is re-read every 15 s.
setInterval(() => refresh(), 15000);
