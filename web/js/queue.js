// queue.js - the queue controls of a loket (SOP step 1), shared by the intake and handover
// pages: call next (F2), recall (F3), no-show (F4), transfer (F6), and the waiting counts of
// the services this loket serves, kept live by the event stream.
// The ticket in hand survives a page reload (sessionStorage), never another officer's.
// Priority chosen at the kiosk is only a claim: when such a ticket is called, the officer sees
// the person and confirms it, or declines it (the ticket goes back to the regular queue in its
// place by time); the service records either (POST /api/tickets/{id}/priority).
import { get, post, enc } from './api.js';
import { $, h, clear, showError, showInfo, hideMsg, shortcuts } from './ui.js';
import { SERVICES, PRIORITY } from './labels.js';

export function queueControls(root, { services, loket, onTicket, msg }) {
  const key = 'ktpel.ticket.' + (loket || 0);
  let ticket = null;
  try { ticket = JSON.parse(sessionStorage.getItem(key) || 'null'); } catch (e) { ticket = null; }

  const current = h('div', { class: 'current', id: 'current-ticket' }, '—');
  const info = h('div', { class: 'muted center', id: 'current-info' });
  const bNext = h('button', { class: 'btn', type: 'button', id: 'btn-next' }, 'Panggil berikutnya', h('kbd', {}, 'F2'));
  const bRecall = h('button', { class: 'btn btn-ghost', type: 'button', id: 'btn-recall' }, 'Panggil ulang', h('kbd', {}, 'F3'));
  const bNoShow = h('button', { class: 'btn btn-warn', type: 'button', id: 'btn-noshow' }, 'Tidak hadir', h('kbd', {}, 'F4'));
  const sel = h('select', { id: 'transfer-service', name: 'service' },
    Object.entries(SERVICES).map(([id, s]) => h('option', { value: id }, `${s.prefix} · ${s.label}`)));
  const bTransfer = h('button', { class: 'btn btn-ghost btn-small', type: 'button', id: 'btn-transfer' }, 'Alihkan', h('kbd', {}, 'F6'));
  const waiting = h('table', { class: 'waiting' }, h('tbody', { id: 'waiting-counts' }));
  const bPrioOk = h('button', { class: 'btn btn-ok btn-small', type: 'button', id: 'btn-priority-ok' }, 'Benar, layani prioritas');
  const bPrioNo = h('button', { class: 'btn btn-warn btn-small', type: 'button', id: 'btn-priority-no' }, 'Bukan prioritas: kembali ke antrian biasa');
  const prioText = h('p', { id: 'priority-claim-text' });
  const prio = h('div', { class: 'priority-claim', id: 'priority-claim', hidden: true }, prioText,
    h('div', { class: 'row' }, bPrioOk, bPrioNo));
  root.append(h('h2', {}, `Antrian · Loket ${loket || '?'}`), current, info, prio, bNext, bRecall, bNoShow,
    h('div', { class: 'row' }, sel, bTransfer), h('h3', {}, 'Menunggu'), waiting);

  function set(t) {
    ticket = t;
    if (t) sessionStorage.setItem(key, JSON.stringify(t)); else sessionStorage.removeItem(key);
    current.textContent = t ? t.number : '—';
    clear(info);
    if (t) {
      const sv = t.queue_service || t.service; // a transferred number keeps its letter
      info.append(SERVICES[sv] ? SERVICES[sv].label : sv,
        t.priority ? ' · PRIORITAS' : '', t.recalls ? ` · dipanggil ulang ${t.recalls}×` : '');
    }
    bRecall.disabled = bNoShow.disabled = bTransfer.disabled = !t;
    // a priority claim not decided yet: the officer decides before serving
    const claim = t && t.priority && !t.priority_check;
    prio.hidden = !claim;
    if (claim) {
      prioText.textContent = `Nomor ${t.number} memilih antrian prioritas (${PRIORITY[t.priority_reason] || t.priority_reason || 'tanpa alasan'}). Periksa pemohon di loket:`;
    }
    if (onTicket) onTicket(t);
  }

  async function act(fn) {
    hideMsg(msg);
    try { await fn(); } catch (e) { showError(msg, e); }
    refreshCounts();
  }

  const callNext = () => act(async () => {
    const body = { services };
    if (loket) body.loket = loket;
    try {
      set(await post('/api/tickets/next', body));
    } catch (e) {
      if (e.code === 'queue_empty') { showInfo(msg, 'Tidak ada antrian yang menunggu.', 'warn'); return; }
      throw e;
    }
  });
  const recall = () => ticket && act(async () => set(await post(`/api/tickets/${enc(ticket.id)}/recall`)));
  const noShow = () => ticket && act(async () => {
    await post(`/api/tickets/${enc(ticket.id)}/no-show`);
    showInfo(msg, `Nomor ${ticket.number} dicatat tidak hadir.`, 'warn');
    set(null);
  });
  const transfer = () => ticket && act(async () => {
    if (sel.value === (ticket.queue_service || ticket.service)) throw { message: 'Pilih layanan lain untuk mengalihkan nomor ini', field: 'service' };
    await post(`/api/tickets/${enc(ticket.id)}/transfer`, { service: sel.value });
    showInfo(msg, `Nomor ${ticket.number} dialihkan ke ${SERVICES[sel.value].label}.`);
    set(null);
  });
  const decide = (confirm) => ticket && act(async () => {
    const t = await post(`/api/tickets/${enc(ticket.id)}/priority`, { confirm });
    if (confirm) {
      set(t);
      showInfo(msg, `Prioritas nomor ${t.number} dibenarkan.`);
    } else {
      showInfo(msg, `Nomor ${t.number} bukan prioritas: kembali ke antrian biasa sesuai urutan waktu ambil.`, 'warn');
      set(null);
    }
  });
  bPrioOk.addEventListener('click', () => decide(true));
  bPrioNo.addEventListener('click', () => decide(false));
  bNext.addEventListener('click', callNext);
  bRecall.addEventListener('click', recall);
  bNoShow.addEventListener('click', noShow);
  bTransfer.addEventListener('click', transfer);
  shortcuts({ F2: callNext, F3: recall, F4: noShow, F6: transfer });

  async function refreshCounts() {
    try {
      const b = await get('/api/queue/board');
      const tb = clear($('#waiting-counts', root));
      for (const id of services) {
        tb.append(h('tr', { dataset: { service: id } }, h('td', {}, SERVICES[id].label),
          h('td', { class: 'count' }, String((b.waiting && b.waiting[id]) || 0))));
      }
    } catch (e) { /* the counts are a help; the buttons still work */ }
  }
  set(ticket);
  refreshCounts();
  return { refreshCounts, get ticket() { return ticket; }, done: () => set(null) };
}
