// events.js - live updates from GET /api/events (Server-Sent Events).
// The browser's EventSource reconnects by itself; a small dot shows the connection state.
// Pages re-read what an event touches (docs/api.md) rather than trusting event fields.

export const TYPES = ['ticket_taken', 'ticket_called', 'ticket_recalled', 'ticket_no_show',
  'ticket_transferred', 'ticket_served', 'ticket_changed', 'application_changed', 'application_opened',
  'application_checked', 'lokets_changed', 'appointment_changed', 'survey_offered', 'survey_answered'];

export function listen(onEvent, stateEl) {
  const es = new EventSource('/api/events');
  const state = (ok) => {
    if (!stateEl) return;
    stateEl.textContent = ok ? 'Langsung' : 'Menyambung ulang…';
    stateEl.className = 'live ' + (ok ? 'live-on' : 'live-off');
  };
  es.onopen = () => state(true);
  es.onerror = () => state(false);
  const handle = (ev) => {
    let data = {};
    try { data = JSON.parse(ev.data); } catch (e) { /* keep the type */ }
    onEvent(data.type || ev.type, data);
  };
  es.onmessage = handle;
  for (const t of TYPES) es.addEventListener(t, handle);
  // Unknown future types arrive through this generic hook too.
  es.addEventListener('event', handle);
  return es;
}
