// kiriman.js - "Kiriman ke Disdukcapil": a linked kecamatan's outbox (service/link_node.h):
// every packet with its state, age, size, attempts and the central's last word; "kirim
// sekarang"; retry of a packet Disdukcapil refused once its cause is fixed.
import { get, post, enc } from './api.js';
import { $, h, clear, showError, showInfo, hideMsg, fmtDateTime, fmtDuration, fmtTime } from './ui.js';
import { requireRole } from './session.js';
import { KIRIMAN_STATES, PACKET_KINDS, CENTRAL_STATUS } from './labels.js';

const msg = $('#msg');
await requireRole(['supervisor']);

function size(n) {
  if (n >= 1048576) return (n / 1048576).toFixed(1).replace('.', ',') + ' MB';
  if (n >= 1024) return Math.round(n / 1024) + ' KB';
  return n + ' B';
}

async function refresh() {
  try {
    const info = await get('/api/kiriman');
    const box = clear($('#link-info'));
    if (!info.linked) {
      box.append(h('p', {}, 'Kantor ini belum terhubung ke Disdukcapil. Admin menghubungkannya dengan ',
        h('code', {}, 'ktpel link enrol'), '; sampai saat itu status dicatat dengan tombol di dasbor.'));
      $('#btn-send-now').disabled = true;
      return;
    }
    box.append(h('p', {}, `Simpul ${info.node_id} · pusat ${info.central_url}`));
    if (info.alert) {
      box.append(h('p', { class: 'msg msg-error', id: 'link-alert' },
        info.counts.failed > 0 ? `${info.counts.failed} paket ditolak Disdukcapil: periksa alasannya di bawah.`
          : `Ada paket yang menunggu lebih dari ${info.alert_minutes} menit sejak ${fmtDateTime(info.oldest_waiting_at)}.`));
    }
    const c = info.counts || {};
    clear($('#kpis')).append(...[['Disiapkan', c.pending], ['Menunggu kirim', c.ready], ['Terkirim', c.sent], ['Gagal', c.failed]]
      .map(([k, v]) => h('div', { class: 'kpi' }, h('div', { class: 'v' }, String(v || 0)), h('div', { class: 'k' }, k))));
    const st = $('#state').value;
    const list = await get('/api/kiriman/outbox' + (st ? `?state=${enc(st)}` : ''));
    const rows = list.packets || [];
    if (!rows.length) { clear($('#packets')).append(h('p', { class: 'muted' }, 'Belum ada paket.')); return; }
    clear($('#packets')).append(h('table', { id: 'packet-table' },
      h('thead', {}, h('tr', {}, ['Paket', 'Jenis', 'Permohonan', 'Nama', 'Status', 'Umur', 'Ukuran', 'Percobaan', 'Kabar Disdukcapil', 'Galat terakhir', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, rows.map((p) => h('tr', { dataset: { packet: p.packet_id, state: p.state } },
        h('td', { class: 'mono' }, p.packet_id), h('td', {}, PACKET_KINDS[p.kind] || p.kind),
        h('td', {}, `#${p.application_id}`), h('td', {}, p.name || p.nik),
        h('td', {}, h('span', { class: 'badge ' + (p.state === 'failed' ? 'badge-red' : p.state === 'sent' ? 'badge-green' : 'badge-amber') }, KIRIMAN_STATES[p.state] || p.state)),
        h('td', {}, fmtDuration(p.age_ms)), h('td', {}, p.size ? size(p.size) : '-'), h('td', {}, String(p.attempts)),
        h('td', {}, p.central_status ? (CENTRAL_STATUS[p.central_status] || p.central_status) + (p.central_reason ? ` (${p.central_reason})` : '') : '-'),
        h('td', {}, p.last_error || '-'),
        h('td', {}, p.state === 'failed' ? h('button', { class: 'btn btn-small', type: 'button', onclick: () => retry(p.packet_id) }, 'Coba lagi') : ''))))));
    $('#updated').textContent = 'Diperbarui ' + fmtTime(Date.now());
  } catch (e) { showError(msg, e); }
}

async function retry(id) {
  hideMsg(msg);
  try { await post(`/api/kiriman/outbox/${enc(id)}/retry`); showInfo(msg, `Paket ${id} masuk antrian lagi.`); } catch (e) { showError(msg, e); }
  refresh();
}

$('#btn-send-now').addEventListener('click', async () => {
  hideMsg(msg);
  try {
    const r = await post('/api/kiriman/sync');
    showInfo(msg, `Terkirim ${r.sent}, gagal ${r.failed}, dicoba lagi nanti ${r.retry}, status diterima ${r.statuses}.` +
      (r.error ? ` Catatan: ${r.error}` : ''), r.error ? 'warn' : 'ok');
  } catch (e) { showError(msg, e); }
  refresh();
});
$('#state').addEventListener('change', refresh);
refresh();
setInterval(refresh, 10000);
