// pusat.js - the city registry's page (Disdukcapil, `ktpel serve --role pusat`): the overview
// per kecamatan, the adjudication of records whose fingers match another NIK (side by side,
// decided with a note), the kecamatan nodes (register with a one-time code, new code, revoke)
// and the security alerts. Roles are the server's (src/pusat): officer = supervisor, admin.
import { get, post, enc } from './api.js';
import { decodeToCanvas } from './image.js';
import { $, h, clear, showError, showInfo, hideMsg, fmtDateTime, fmtTime } from './ui.js';
import { requireRole } from './session.js';
import { CENTRAL_STATUS, FINGERS } from './labels.js';

const msg = $('#msg');
await requireRole(['supervisor']);

const NODE_STATES = { registered: 'Terdaftar (belum tersambung)', active: 'Aktif', revoked: 'Dicabut' };

function faceCanvas(url) {
  const cv = h('canvas', { width: 160, height: 200 });
  fetch(url, { credentials: 'same-origin' }).then((r) => (r.ok ? r.blob() : null))
    .then((b) => (b ? decodeToCanvas(b, cv) : null)).catch(() => {});
  return cv;
}

async function refresh() {
  try {
    const o = await get('/api/pusat/overview');
    const rows = o.kecamatan || [];
    clear($('#overview')).append(h('table', { id: 'overview-table' },
      h('thead', {}, h('tr', {}, ['Kecamatan', 'Diterima hari ini', 'Total diterima', 'Diproses', 'Siap cetak (PRR)', 'Menunggu adjudikasi', 'Gagal rekam', 'Diserahkan'].map((t) => h('th', {}, t)))),
      h('tbody', {}, rows.map((k) => h('tr', {}, h('td', {}, `${k.kecamatan_code} · ${k.name}`),
        ...[k.received_today, k.received_total, k.received_total - k.processing, k.print_ready, k.adjudication_waiting, k.failures, k.issued]
          .map((v) => h('td', {}, String(v))))))));
    $('#gallery').textContent = `Galeri AFIS kota: ${o.gallery_fingers} sidik jari; ambang skor ${Number(o.threshold).toFixed(2)}.`;
    clear($('#nodes')).append(h('table', { id: 'node-table' },
      h('thead', {}, h('tr', {}, ['Simpul', 'Nama', 'Status', 'Kunci', 'Terakhir terlihat', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, (o.nodes || []).map((n) => h('tr', { dataset: { node: n.node_id } },
        h('td', { class: 'mono' }, n.node_id), h('td', {}, n.name), h('td', {}, NODE_STATES[n.state] || n.state),
        h('td', {}, n.key_id ? `#${n.key_id}` : '-'), h('td', {}, n.last_seen_at ? fmtDateTime(n.last_seen_at) : '-'),
        h('td', {}, n.state === 'revoked' ? '' : [
          h('button', { class: 'btn btn-small', type: 'button', onclick: () => nodeCode(n.node_id) }, 'Kode baru'),
          ' ', h('button', { class: 'btn btn-small btn-warn', type: 'button', onclick: () => revoke(n.node_id) }, 'Cabut')]))))));
    const al = o.alerts || [];
    clear($('#alerts')).append(al.length ? h('table', {}, h('tbody', {}, al.slice(0, 20).map((a) => h('tr', {},
      h('td', {}, fmtDateTime(a.at)), h('td', { class: 'mono' }, a.node_id || '-'), h('td', {}, a.message)))))
      : h('p', { class: 'muted' }, 'Tidak ada.'));
    await listAdjudications();
    $('#updated').textContent = 'Diperbarui ' + fmtTime(Date.now());
  } catch (e) { showError(msg, e); }
}

async function listAdjudications() {
  const d = await get('/api/pusat/adjudications');
  const list = d.records || [];
  if (!list.length) { clear($('#adjudications')).append(h('p', { class: 'muted' }, 'Tidak ada.')); return; }
  clear($('#adjudications')).append(h('table', { id: 'adj-table' },
    h('thead', {}, h('tr', {}, ['Rekaman', 'Kecamatan', 'NIK', 'Nama', 'Status', 'Alasan', ''].map((t) => h('th', {}, t)))),
    h('tbody', {}, list.map((r) => h('tr', { dataset: { record: r.id } },
      h('td', {}, `#${r.id}`), h('td', {}, r.kecamatan_code), h('td', { class: 'mono' }, r.nik), h('td', {}, r.name || '-'),
      h('td', {}, h('span', { class: 'badge badge-amber' }, CENTRAL_STATUS[r.status] || r.status)), h('td', {}, r.reason),
      h('td', {}, h('button', { class: 'btn btn-small', type: 'button', dataset: { compare: r.id }, onclick: () => compare(r.id) }, 'Bandingkan')))))));
}

function personCard(title, r) {
  const res = r.resident || {};
  return h('div', { class: 'card' }, h('h3', {}, title), faceCanvas(r.face_url),
    h('p', {}, h('strong', {}, res.name || r.name || '-')), h('p', { class: 'mono' }, r.nik),
    h('p', {}, `${res.birth_place || ''}, ${res.birth_date || ''}`), h('p', {}, res.address || ''),
    h('p', { class: 'muted' }, `Kecamatan ${r.kecamatan_code} · permohonan #${r.application_id} · ${CENTRAL_STATUS[r.status] || r.status}`));
}

async function compare(id) {
  hideMsg(msg);
  try {
    const v = await get(`/api/pusat/records/${enc(id)}`);
    const box = $('#adj-view');
    box.hidden = false;
    const note = h('input', { id: 'adj-note', placeholder: 'Catatan keputusan' });
    const hits = h('table', {}, h('thead', {}, h('tr', {}, ['Jari', 'Cocok dengan NIK', 'Jari', 'Skor'].map((t) => h('th', {}, t)))),
      h('tbody', {}, (v.hits || []).map((x) => h('tr', {}, h('td', {}, FINGERS[x.finger - 1] || x.finger),
        h('td', { class: 'mono' }, x.matched_nik), h('td', {}, FINGERS[x.matched_finger - 1] || x.matched_finger),
        h('td', {}, `${Number(x.score).toFixed(1)} (ambang ${Number(x.threshold).toFixed(1)})`)))));
    box.replaceChildren(h('h3', {}, `Rekaman #${v.record.id}`),
      h('div', { class: 'grid2' }, personCard('Perekaman ini', v.record), ...(v.matched || []).map((m) => personCard('Rekaman yang cocok', m))),
      hits, h('div', { class: 'row' }, note,
        h('button', { class: 'btn btn-warn', type: 'button', id: 'btn-dup', onclick: () => decide(id, 'duplicate', note.value) }, 'Orang yang sama: tolak (ganda)'),
        h('button', { class: 'btn btn-ok', type: 'button', id: 'btn-notdup', onclick: () => decide(id, 'not_duplicate', note.value) }, 'Bukan orang yang sama: siap cetak')));
  } catch (e) { showError(msg, e); }
}

async function decide(id, decision, note) {
  hideMsg(msg);
  try {
    const r = await post(`/api/pusat/records/${enc(id)}/decide`, { decision, note });
    showInfo(msg, `Rekaman #${r.id}: ${CENTRAL_STATUS[r.status] || r.status}. Kabar dikirim ke kecamatan.`);
    $('#adj-view').hidden = true;
  } catch (e) { showError(msg, e); }
  refresh();
}

async function nodeCode(node) {
  hideMsg(msg);
  try {
    const r = await post(`/api/pusat/nodes/${enc(node)}/code`);
    showCode(r);
  } catch (e) { showError(msg, e); }
}

async function revoke(node) {
  hideMsg(msg);
  if (!confirm(`Cabut simpul ${node}? Paket dan permintaannya akan ditolak.`)) return;
  try { await post(`/api/pusat/nodes/${enc(node)}/revoke`); showInfo(msg, `Simpul ${node} dicabut.`); } catch (e) { showError(msg, e); }
  refresh();
}

function showCode(r) {
  const box = $('#node-code');
  box.hidden = false;
  box.replaceChildren(h('p', {}, `Kode pendaftaran simpul ${r.node_id} (sekali pakai, berlaku 7 hari): `, h('strong', { class: 'mono', id: 'enrol-code' }, r.code)),
    h('p', {}, 'Di kantor kecamatan: ', h('code', {}, `ktpel link enrol --central ${location.origin} --node-id ${r.node_id} --code ${r.code}`)));
}

$('#node-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  try {
    const r = await post('/api/pusat/nodes', { kecamatan_code: $('#node-kec').value.trim(), name: $('#node-name').value.trim() });
    showCode(r);
  } catch (e) { showError(msg, e); }
  refresh();
});
$('#btn-refresh').addEventListener('click', refresh);
refresh();
