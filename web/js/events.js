// events.js - live updates from the server's event streams (Server-Sent Events).
// Two streams (docs/api.md "Live updates"): the public one of the waiting room (display board,
// kiosk: queue events with the ticket number only) and the staff one (a session: what the
// officer's role may see, never a NIK or a name). Pages re-read what an event touches through
// the API rather than trusting event fields.
// The browser's EventSource reconnects by itself after a stream ends; when the server refuses
// one (all streams taken: 503) it gives up, so the page opens a new one after a pause.
// A small dot shows the connection state.

export const TYPES = ['ticket_taken', 'ticket_called', 'ticket_recalled', 'ticket_no_show',
  'ticket_transferred', 'ticket_served', 'ticket_changed', 'ticket_priority_confirmed',
  'ticket_priority_declined', 'application_changed', 'application_opened',
  'application_checked', 'lokets_changed', 'appointment_changed', 'survey_offered',
  'survey_answered'];

export function listen(onEvent, stateEl, { staff = false } = {}) {
  const url = staff ? '/api/events/staff' : '/api/events';
  const state = (ok) => {
    if (!stateEl) return;
    stateEl.textContent = ok ? 'Langsung' : 'Menyambung ulang…';
    stateEl.className = 'live ' + (ok ? 'live-on' : 'live-off');
  };
  const handle = (ev) => {
    let data = {};
    try { data = JSON.parse(ev.data); } catch (e) { /* keep the type */ }
    onEvent(data.type || ev.type, data);
  };
  let es = null;
  let wait = 5000;
  const open = () => {
    es = new EventSource(url);
    es.onopen = () => { wait = 5000; state(true); };
    es.onerror = () => {
      state(false);
      if (es.readyState === EventSource.CLOSED) { // refused: try again later, more slowly
        setTimeout(open, wait);
        wait = Math.min(wait * 2, 60000);
      }
    };
    es.onmessage = handle;
    for (const t of TYPES) es.addEventListener(t, handle);
    // Unknown future types arrive through this generic hook too.
    es.addEventListener('event', handle);
  };
  open();
  return { close: () => es && es.close() };
}
