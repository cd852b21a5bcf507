// pusat-cetak.js - the card's life at the city registry (src/pusat/cards.c): the blanko and
// ribbon stock (the administrator restocks), the print-ready records put in the print queue,
// each queued card printed with its serial (one blanko and one ribbon print consumed; refused
// when the stock is out), and the printed cards shipped to their kecamatan. Roles are the
// server's: officer = supervisor, admin; restocking = admin.
import { get, post, enc } from './api.js';
import { $, h, clear, showError, showInfo, hideMsg, fmtDateTime, fmtTime } from './ui.js';
import { requireRole } from './session.js';
import { CENTRAL_STATUS, KINDS } from './labels.js';

const msg = $('#msg');
const me = await requireRole(['supervisor']);
const PACKET = { rekam: 'Perekaman', cetak: 'Cetak ulang' };
const REASONS = { restock: 'Tambah stok', print: 'Cetak kartu' };

function table(id, heads, rows) {
  return h('table', { id }, h('thead', {}, h('tr', {}, heads.map((t) => h('th', {}, t)))), h('tbody', {}, rows));
}
const none = () => h('p', { class: 'muted' }, 'Tidak ada.');
const person = (r) => [h('td', { class: 'mono' }, r.nik), h('td', {}, r.name || '-'),
  h('td', {}, `${r.kecamatan_code}${r.kecamatan_name ? ' · ' + r.kecamatan_name : ''}`)];

function renderStock(items, low) {
  clear($('#stock')).append(table('stock-table', ['Barang', 'Sisa', 'Batas menipis', ''], items.map((i) =>
    h('tr', { dataset: { item: i.item } }, h('td', {}, i.label), h('td', { class: 'qty' }, String(i.quantity)),
      h('td', {}, String(i.low_at)), h('td', {}, i.low ? h('span', { class: 'badge badge-red' }, i.quantity === 0 ? 'Habis' : 'Menipis') : h('span', { class: 'badge badge-green' }, 'Cukup'))))));
  const alert = $('#stock-alert');
  const lows = items.filter((i) => i.low);
  alert.hidden = !low;
  alert.textContent = lows.length ? `Stok menipis: ${lows.map((i) => `${i.label} ${i.quantity === 0 ? 'habis' : `tinggal ${i.quantity}`}`).join('; ')}.` +
    (me.role === 'admin' ? ' Tambah stok di bawah.' : ' Minta admin Disdukcapil menambah stok.') : '';
}

async function refresh() {
  try {
    const [q, stock, ship] = await Promise.all([get('/api/pusat/print-queue'), get('/api/pusat/stock'), get('/api/pusat/shipments')]);
    renderStock(stock.items || [], stock.low);
    clear($('#moves')).append((stock.moves || []).length ? table('moves-table', ['Waktu', 'Barang', 'Perubahan', 'Sisa', 'Sebab', 'Kartu', 'Oleh', 'Catatan'],
      stock.moves.map((m) => h('tr', {}, h('td', {}, fmtDateTime(m.at)), h('td', {}, m.item), h('td', {}, (m.delta > 0 ? '+' : '') + m.delta),
        h('td', {}, String(m.balance)), h('td', {}, REASONS[m.reason] || m.reason), h('td', { class: 'mono' }, m.card_serial || '-'),
        h('td', {}, m.by), h('td', {}, m.note || '')))) : none());
    const c = q.counts || {};
    clear($('#ready')).append(q.ready.length ? table('ready-table', ['', 'Rekaman', 'NIK', 'Nama', 'Kecamatan', 'Jenis'],
      q.ready.map((r) => h('tr', { dataset: { record: r.id } }, h('td', {}, h('input', { type: 'checkbox', value: r.id, 'aria-label': `Pilih #${r.id}` })),
        h('td', {}, `#${r.id}`), ...person(r), h('td', {}, PACKET[r.kind] || KINDS[r.kind] || r.kind)))) : none());
    if (c.ready > q.ready.length) $('#ready').append(h('p', { class: 'muted' }, `${q.ready.length} dari ${c.ready} ditampilkan (terlama dulu).`));
    $('#btn-enqueue').disabled = !q.ready.length;
    clear($('#queued')).append(q.queued.length ? table('queue-table', ['Rekaman', 'NIK', 'Nama', 'Kecamatan', 'Nomor seri kartu', ''],
      q.queued.map((r) => {
        const serial = h('input', { class: 'serial', size: 18, placeholder: 'mis. 3671-0001234', 'aria-label': `Nomor seri kartu #${r.id}` });
        return h('tr', { dataset: { record: r.id } }, h('td', {}, `#${r.id}`), ...person(r), h('td', {}, serial),
          h('td', {}, h('button', { class: 'btn btn-small btn-ok', type: 'button', dataset: { print: r.id }, onclick: () => print(r, serial.value) }, 'Cetak')));
      })) : none());
    const waiting = ship.waiting || [];
    clear($('#to-ship')).append(waiting.length ? table('ship-table', ['Kecamatan', 'Kartu tercetak', ''], waiting.map((w) =>
      h('tr', { dataset: { kecamatan: w.kecamatan_code } }, h('td', {}, `${w.kecamatan_code}${w.name ? ' · ' + w.name : ''}`), h('td', {}, String(w.cards)),
        h('td', {}, h('button', { class: 'btn btn-small btn-ok', type: 'button', dataset: { ship: w.kecamatan_code }, onclick: () => makeShipment(w) }, 'Buat kiriman'))))) : none());
    const list = ship.shipments || [];
    clear($('#shipments')).append(list.length ? table('shipment-table', ['Nomor kiriman', 'Kecamatan', 'Kartu', 'Sudah diserahkan', 'Dibuat', 'Oleh', ''], list.map((s) =>
      h('tr', { dataset: { shipment: s.shipment_no } }, h('td', { class: 'mono' }, s.shipment_no), h('td', {}, s.kecamatan_code), h('td', {}, String(s.cards)),
        h('td', {}, String(s.issued)), h('td', {}, fmtDateTime(s.created_at)), h('td', {}, s.created_by),
        h('td', {}, h('button', { class: 'btn btn-small', type: 'button', onclick: () => showShipment(s.shipment_no) }, 'Rincian'))))) : none());
    $('#updated').textContent = 'Diperbarui ' + fmtTime(Date.now());
  } catch (e) { showError(msg, e); }
}

async function print(r, serial) {
  hideMsg(msg);
  try {
    const out = await post(`/api/pusat/records/${enc(r.id)}/print`, { card_serial: serial.trim().toUpperCase() });
    showInfo(msg, `Kartu ${out.card_serial} untuk NIK ${out.nik} tercetak.` + (out.stock_low ? ' Stok menipis.' : ''), out.stock_low ? 'warn' : 'ok');
  } catch (e) { showError(msg, e); }
  refresh();
}

async function makeShipment(w) {
  hideMsg(msg);
  try {
    const out = await post('/api/pusat/shipments', { kecamatan_code: w.kecamatan_code });
    showInfo(msg, `Kiriman ${out.shipment_no}: ${out.cards} kartu ke kecamatan ${out.kecamatan_code}. Kecamatan mengonfirmasi saat kartu tiba.`);
  } catch (e) { showError(msg, e); }
  refresh();
}

async function showShipment(no) {
  hideMsg(msg);
  try {
    const s = await get(`/api/pusat/shipments/${enc(no)}`);
    const box = $('#shipment-view');
    box.hidden = false;
    box.replaceChildren(h('h3', {}, `Kiriman ${s.shipment_no} · kecamatan ${s.kecamatan_code} · ${fmtDateTime(s.created_at)}`),
      table('shipment-records', ['Rekaman', 'NIK', 'Nama', 'Nomor seri', 'Status'], (s.records || []).map((r) =>
        h('tr', {}, h('td', {}, `#${r.id}`), h('td', { class: 'mono' }, r.nik), h('td', {}, r.name || '-'),
          h('td', { class: 'mono' }, r.card_serial), h('td', {}, CENTRAL_STATUS[r.status] || r.status)))));
  } catch (e) { showError(msg, e); }
}

$('#btn-enqueue').addEventListener('click', async () => {
  hideMsg(msg);
  const ids = [...document.querySelectorAll('#ready-table input[type=checkbox]:checked')].map((x) => Number(x.value));
  if (!ids.length) { showInfo(msg, 'Pilih rekaman yang akan dicetak.', 'warn'); return; }
  try {
    const out = await post('/api/pusat/print-queue', { record_ids: ids });
    showInfo(msg, `${out.queued} rekaman masuk antrian cetak.`);
  } catch (e) { showError(msg, e); }
  refresh();
});

if (me.role === 'admin') {
  $('#restock-form').hidden = false;
  $('#restock-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    hideMsg(msg);
    const body = { item: $('#restock-item').value };
    if ($('#restock-qty').value) body.quantity = Number($('#restock-qty').value);
    if ($('#restock-low').value) body.low_at = Number($('#restock-low').value);
    if ($('#restock-note').value.trim()) body.note = $('#restock-note').value.trim();
    try {
      await post('/api/pusat/stock', body);
      showInfo(msg, 'Stok disimpan.');
      $('#restock-qty').value = '';
      $('#restock-low').value = '';
      $('#restock-note').value = '';
    } catch (e) { showError(msg, e); }
    refresh();
  });
}
$('#btn-refresh').addEventListener('click', refresh);
refresh();
setInterval(refresh, 15000);
