// dashboard.js - the supervisor's dashboard (Camat / Kasi Pelayanan): live queue lengths and
// waiting times, each step's durations against the SOP standards (Mutu Baku) with the share
// within standard, throughput per officer, the day's outcomes, duplicates waiting for a
// decision, the Disdukcapil status updates (sent, print ready, printed), and a red banner when
// the audit trail is broken (GET /api/audit/status: the last verification, at most 10 minutes
// old, fetched when the page opens).
// The summary JSON is the service's (svc_day_summary); the renderer reads it tolerantly
// (objects or arrays) so a field added later does not break the page.
import { get, post, enc } from './api.js';
import { decodeToCanvas } from './image.js';
import { residentCard } from './resident.js';
import { $, h, clear, showError, showInfo, hideMsg, fmtDuration, fmtTime } from './ui.js';
import { SERVICES, STATES, KINDS, STEPS, REASONS, FINGERS, ACTIONS, ROLES } from './labels.js';
import { requireRole } from './session.js';
import { listen } from './events.js';
import { barChart, ring } from './charts.js';

const msg = $('#msg');
await requireRole(['supervisor']);

// The audit trail: edited or deleted records show here, not only in KONSOLIDASI.
async function auditCheck() {
  const box = $('#audit-alert');
  try {
    const r = await get('/api/audit/status');
    if (r.ok) { box.hidden = true; return; }
    clear(box).append(h('strong', {}, 'Jejak audit rusak: '), `${r.problem_count} catatan diubah atau dihapus di luar aplikasi. `,
      r.first_break ? r.first_break.message : '', ' ', h('a', { href: 'records.html#audit' }, 'Lihat rinciannya'));
    box.hidden = false;
  } catch (e) { /* the summary's error shows what is wrong with the server */ }
}
auditCheck();
const STANDARD = { call: 60000, intake: 300000, recording: 600000, receipt: 60000, handover: 180000 };

const num = (v) => (typeof v === 'number' ? v : Number(v) || 0);
// {a: x} or [{id: a, ...x}] -> [[a, x]]
function entries(v, key = 'step') {
  if (!v) return [];
  if (Array.isArray(v)) return v.map((x) => [x[key] || x.id || x.name || x.username || '', x]);
  return Object.entries(v);
}
const pick = (o, ...names) => { for (const n of names) if (o && o[n] !== undefined && o[n] !== null) return o[n]; return undefined; };

// Re-reads everything; messages stay (an action's result must remain readable).
async function refresh() {
  const date = $('#date').value;
  let sum = null;
  try {
    sum = await get('/api/summary' + (date ? `?date=${enc(date)}` : ''));
  } catch (e) { showError(msg, e); }
  try { renderQueue(await get('/api/queue/board')); } catch (e) { /* shown by the summary error */ }
  if (sum) renderSummary(sum);
  renderLists();
  $('#updated').textContent = 'Diperbarui ' + fmtTime(Date.now());
}

function renderQueue(b) {
  const box = clear($('#queue'));
  const rows = Object.entries(SERVICES).map(([id, s]) => ({ label: `${s.prefix} · ${s.label}`, value: num(b.waiting && b.waiting[id]) }));
  box.append(barChart(rows, { width: 420, labelW: 170, barH: 18 }));
  box.append(h('p', { class: 'muted' }, 'Sedang dilayani: ',
    (b.lokets || []).map((l) => `Loket ${l.loket}: ${l.ticket ? l.ticket.number : '—'}`).join(' · ')));
  $('#kpis').dataset.waiting = String(rows.reduce((a, r) => a + r.value, 0));
}

function kpi(k, v, id) { return h('div', { class: 'kpi', id }, h('div', { class: 'v' }, v), h('div', { class: 'k' }, k)); }

// svc_day_summary: {date, applications, by_kind, by_state, by_reason, steps: [{step, label,
// count, mean_ms, p50_ms, p90_ms, max_ms, standard_ms, within, share_within}], waiting: {..},
// total: {.., standard_ms, share_within, steps_sum_standard_ms}, officers: [{username, role,
// actions: {action: n}}]}
function renderSummary(sum) {
  const counts = sum;
  const outcomeEntries = entries(pick(sum, 'by_state', 'outcomes') || {}, 'state')
    .filter(([, v]) => typeof v === 'number' || typeof (v && v.count) === 'number');
  const total = pick(sum, 'applications') ?? outcomeEntries.reduce((a, [, v]) => a + num(v.count ?? v), 0);
  const steps = entries(pick(sum, 'steps', 'durations'));
  const totalStep = pick(sum, 'total', 'total_service');
  const waiting = pick(sum, 'waiting', 'wait');
  const handed = num((sum.by_state || {}).handed_over);

  const k = clear($('#kpis'));
  k.append(kpi('Permohonan dibuka', String(typeof total === 'object' ? num(total.count) : num(total)), 'kpi-apps'),
    kpi('KTP-el diserahkan', String(handed), 'kpi-handed'),
    kpi('Menunggu sekarang', $('#kpis').dataset.waiting || '0', 'kpi-waiting'),
    kpi('Rata-rata tunggu', fmtDuration(num(pick(waiting || {}, 'mean_ms', 'mean', 'avg_ms'))), 'kpi-wait'),
    kpi('Total layanan dalam 15 mnt', totalStep && totalStep.count ? `${Math.round(num(totalStep.share_within) * 100)}%` : '-', 'kpi-std'));

  // tickets per service: taken, served, no-show (svc_day_summary.tickets)
  const tk = sum.tickets;
  const tbox = clear($('#tickets'));
  if (tk && tk.by_service) {
    tbox.append(h('table', { id: 'tickets-table' }, h('thead', {}, h('tr', {}, ['Layanan', 'Diambil', 'Dilayani', 'Tidak hadir', 'Menunggu'].map((t) => h('th', {}, t)))),
      h('tbody', {}, Object.entries(tk.by_service).map(([id, v]) => h('tr', { dataset: { service: id } },
        h('td', {}, SERVICES[id] ? `${SERVICES[id].prefix} · ${SERVICES[id].label}` : id), h('td', {}, String(num(v.taken))),
        h('td', {}, String(num(v.served))), h('td', {}, String(num(v.no_show))), h('td', {}, String(num(v.waiting))))),
      h('tr', {}, h('th', {}, 'Jumlah'), h('th', {}, String(num(tk.taken))), h('th', {}, String(num(tk.served))), h('th', {}, String(num(tk.no_show))), h('th', {}, String(num(tk.waiting)))))));
  } else tbox.append(h('p', { class: 'muted' }, 'Belum ada tiket.'));

  // outcomes
  const oc = clear($('#outcomes'));
  const ocRows = outcomeEntries.map(([id, v]) => ({ label: STATES[id] || KINDS[id] || id, value: num(v.count ?? v) }));
  oc.append(ocRows.length ? barChart(ocRows, { width: 420, labelW: 190, barH: 16 }) : h('p', { class: 'muted' }, 'Belum ada permohonan.'));
  const byKind = entries(pick(counts, 'by_kind'), 'kind');
  const byReason = entries(pick(counts, 'by_reason'), 'reason');
  if (byReason.length) oc.append(h('p', { class: 'muted' }, 'Alasan: ', byReason.map(([id, v]) => `${REASONS[id] || id}: ${num(v.count ?? v)}`).join(' · ')));
  if (byKind.length) oc.append(h('p', { class: 'muted' }, byKind.map(([id, v]) => `${KINDS[id] || id}: ${num(v.count ?? v)}`).join(' · ')));

  // waiting
  const w = clear($('#waiting'));
  w.append(h('dl', { class: 'kv' },
    h('dt', {}, 'Jumlah dipanggil'), h('dd', {}, String(num(pick(waiting || {}, 'count', 'n')))),
    h('dt', {}, 'Rata-rata'), h('dd', {}, fmtDuration(pick(waiting || {}, 'mean_ms', 'mean'))),
    h('dt', {}, 'Median'), h('dd', {}, fmtDuration(pick(waiting || {}, 'p50_ms', 'p50'))),
    h('dt', {}, 'P90'), h('dd', {}, fmtDuration(pick(waiting || {}, 'p90_ms', 'p90'))),
    h('dt', {}, 'Terlama'), h('dd', {}, fmtDuration(pick(waiting || {}, 'max_ms', 'max')))));

  // steps against the standard
  const rows = [];
  const tb = h('tbody', {});
  for (const [id, v] of steps) {
    const std = num(pick(v, 'standard_ms', 'standard')) || STANDARD[id] || 0;
    const mean = num(pick(v, 'mean_ms', 'mean'));
    const share = pick(v, 'within_share', 'share_within', 'within_standard_share', 'within_pct');
    const sh = share === undefined ? null : (share > 1 ? share / 100 : share);
    rows.push({ label: STEPS[id] || pick(v, 'label') || id, value: Math.round(mean / 1000), mark: Math.round(std / 1000),
      color: mean <= std ? '#1d7a3e' : '#b3261e', text: fmtDuration(mean) });
    tb.append(h('tr', { dataset: { step: id } }, h('td', {}, STEPS[id] || id), h('td', {}, String(num(v.count))),
      h('td', {}, fmtDuration(std)), h('td', {}, fmtDuration(mean)), h('td', {}, fmtDuration(pick(v, 'p90_ms', 'p90'))),
      h('td', {}, fmtDuration(pick(v, 'max_ms', 'max'))), h('td', {}, sh === null ? '-' : `${Math.round(sh * 100)}%`)));
  }
  const sc = clear($('#steps-chart'));
  if (rows.length) sc.append(barChart(rows, { width: 560, unit: ' dtk' }));
  else sc.append(h('p', { class: 'muted' }, 'Belum ada langkah yang selesai.'));
  if (totalStep && typeof totalStep === 'object') {
    const within = pick(totalStep, 'within_share', 'share_within');
    sc.append(h('div', { class: 'row' }, ring(within ?? 0, '≤ 15 mnt'),
      h('span', {}, `Total layanan rata-rata ${fmtDuration(pick(totalStep, 'mean_ms', 'mean'))} `,
        `(standar SOP 15 mnt; jumlah standar tiap langkah ${fmtDuration(num(totalStep.steps_sum_standard_ms) || 1200000)})`)));
  }
  clear($('#steps-table')).append(h('table', { id: 'steps' }, h('thead', {}, h('tr', {}, ['Langkah', 'Jumlah', 'Standar', 'Rata-rata', 'P90', 'Terlama', 'Dalam standar'].map((t) => h('th', {}, t)))), tb));

  // per officer
  const off = entries(pick(sum, 'officers', 'per_officer', 'by_officer'), 'username');
  const otb = h('tbody', {});
  const orows = [];
  for (const [name, v] of off) {
    const acts = v.actions && typeof v.actions === 'object' ? v.actions : {};
    const n = Object.keys(acts).length ? Object.values(acts).reduce((a, x) => a + num(x), 0) : num(pick(v, 'count', 'handled'));
    orows.push({ label: name, value: n });
    const durs = v.durations && typeof v.durations === 'object' ? v.durations : {};
    otb.append(h('tr', {}, h('td', {}, name), h('td', {}, ROLES[v.role] || v.role || ''), h('td', {}, String(n)),
      h('td', { class: 'busy' }, fmtDuration(v.busy_ms)),
      h('td', { class: 'muted' }, Object.entries(acts).map(([a, x]) => `${ACTIONS[a] || a} ${x}` + (durs[a] ? ` (rata-rata ${fmtDuration(durs[a].mean_ms)})` : '')).join(', '))));
  }
  clear($('#officers-chart')).append(orows.length ? barChart(orows, { width: 480, labelW: 120 }) : h('p', { class: 'muted' }, 'Belum ada.'));
  clear($('#officers')).append(h('table', { id: 'officer-table' }, h('thead', {}, h('tr', {}, ['Petugas', 'Peran', 'Tindakan', 'Waktu kerja', 'Rincian (rata-rata durasi)'].map((t) => h('th', {}, t)))), otb));
}

// ---- decisions: duplicates and Disdukcapil status
async function renderLists() {
  await listDuplicates();
  // A kecamatan linked to Disdukcapil: the statuses come from the link (Kiriman page); the
  // buttons below are for an office that runs alone, and for "kartu tercetak" (card arrived).
  let linked = null;
  try { linked = await get('/api/kiriman'); } catch (e) { linked = null; }
  if (linked && linked.linked) {
    const box = $('#central');
    const c = linked.counts || {};
    const head = h('p', { id: 'link-summary' }, `Terhubung ke Disdukcapil (${linked.node_id}): menunggu kirim ${c.pending + c.ready},`,
      ` terkirim ${c.sent}, gagal ${c.failed}. `, h('a', { href: 'kiriman.html' }, 'Buka Kiriman'));
    const alert = linked.alert ? h('p', { class: 'msg msg-error', id: 'link-alert' }, 'Peringatan: ada paket yang menunggu terlalu lama atau ditolak Disdukcapil.') : '';
    const list = h('div');
    box.replaceChildren(head, alert, list);
    await listWith(list, ['print_ready'], (a) => [actBtn(a, 'print', 'Kartu tiba dari Disdukcapil', 'btn-ok')]);
    return;
  }
  await listWith($('#central'), ['receipt_issued', 'sent', 'print_ready'], (a) => {
    if (a.state === 'receipt_issued') return [actBtn(a, 'send', 'Kirim ke Disdukcapil')];
    if (a.state === 'sent') return [actBtn(a, 'print_ready', 'Siap cetak', 'btn-ok'), actBtn(a, 'central_duplicate', 'Duplikat dari pusat', 'btn-warn')];
    return [actBtn(a, 'print', 'Kartu tercetak', 'btn-ok')];
  });
}

const listSeq = new Map();
async function listWith(box, states, buttons) {
  const seq = (listSeq.get(box) || 0) + 1;
  listSeq.set(box, seq);
  try {
    const lists = await Promise.all(states.map((s) => get(`/api/applications?state=${s}`)));
    if (listSeq.get(box) !== seq) return; // a newer reload is under way
    const apps = lists.flat();
    if (!apps.length) { box.replaceChildren(h('p', { class: 'muted' }, 'Tidak ada.')); return; }
    box.replaceChildren(h('table', {}, h('tbody', {}, apps.map((a) => h('tr', { dataset: { app: a.id } },
      h('td', {}, `#${a.id}`), h('td', {}, a.name || a.nik), h('td', {}, KINDS[a.kind] || a.kind),
      h('td', {}, h('span', { class: 'badge' }, STATES[a.state] || a.state)), h('td', {}, buttons(a)))))));
  } catch (e) { showError(msg, e); }
}

function actBtn(a, action, text, cls = '', reason) {
  return h('button', { class: `btn btn-small ${cls}`, type: 'button', dataset: { action }, onclick: async () => {
    hideMsg(msg);
    try {
      const r = await post(`/api/applications/${enc(a.id)}/actions/${action}`, reason ? { reason } : {});
      showInfo(msg, `Permohonan #${a.id}: ${STATES[r.state] || r.state}.`);
      refresh();
    } catch (e) { showError(msg, e); }
  } }, text);
}

// ---- AFIS duplicates: the waiting list, and one case side by side (both residents' biodata,
// face photos, each matched finger pair with its score), decided with a note.
let dupSeq = 0;
async function listDuplicates() {
  const seq = ++dupSeq;
  const box = $('#duplicates');
  try {
    const d = await get('/api/duplicates');
    if (seq !== dupSeq) return;
    const list = d.duplicates || [];
    if (!list.length) { box.replaceChildren(h('p', { class: 'muted' }, 'Tidak ada.')); return; }
    box.replaceChildren(h('table', {}, h('thead', {}, h('tr', {}, ['No.', 'Nama', 'NIK', 'Cocok dengan', 'Skor', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, list.map((a) => h('tr', { dataset: { app: a.id } },
        h('td', {}, `#${a.id}`), h('td', {}, a.name || '-'), h('td', { class: 'mono' }, a.nik),
        h('td', { class: 'mono' }, (a.matched_niks || []).join(', ')), h('td', {}, a.best_score !== undefined ? Number(a.best_score).toFixed(1) : '-'),
        h('td', {}, h('button', { class: 'btn btn-small', type: 'button', dataset: { compare: a.id }, onclick: () => compare(a.id) }, 'Bandingkan')))))));
  } catch (e) { showError(msg, e); }
}

// An image of the server (PNG, JPEG or an FVC TIFF) drawn on a canvas (CSP: no blob: URLs).
function bioCanvas(url, label) {
  const cv = h('canvas', { width: 160, height: 200, title: label });
  if (url) {
    fetch(url, { credentials: 'same-origin' }).then((r) => (r.ok ? r.blob() : null))
      .then((b) => (b ? decodeToCanvas(b, cv) : null)).catch(() => {});
  }
  return cv;
}

const fingerName = (slot) => { const m = /^finger_(\d+)$/.exec(slot || ''); return m ? FINGERS[Number(m[1]) - 1] || slot : slot; };

// Numbers as Indonesian readers write them (decimal comma, dot thousands).
const dec1 = (v) => num(v).toLocaleString('id-ID', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
// A rate as a chance: "1 banding 1.000" (below one in a trillion: said so).
function chance(p) {
  p = num(p);
  if (p >= 0.01) return `${(p * 100).toLocaleString('id-ID', { maximumFractionDigits: 1 })}%`;
  if (p < 1e-12) return 'kurang dari 1 banding 1 triliun';
  return `1 banding ${Math.round(1 / p).toLocaleString('id-ID')}`;
}

// The person-level decision (AFIS, docs/internals/afis-service.md): all fingers of the
// enrollee against one earlier record, fused into one evidence figure against the threshold
// that keeps unique new people from being flagged more often than the configured rate.
function evidenceBox(ev) {
  if (!ev) return null;
  return h('div', { class: 'dup-evidence', id: 'dup-evidence' },
    h('p', {}, h('strong', {}, `Bukti gabungan ${dec1(ev.evidence)}`), ` (ambang ${dec1(ev.threshold)}): `,
      `${ev.fingers_matched} dari ${ev.fingers_compared} jari cocok dengan rekaman NIK ${ev.matched_nik}.`),
    h('p', { class: 'muted' }, `Peluang rekaman orang lain sekuat ini di antara ${num(ev.persons).toLocaleString('id-ID')} rekaman: `,
      `${chance(ev.fpir)} (batas yang ditetapkan: ${chance(ev.fpir_target)} per perekaman).`),
    ev.swapped ? h('p', { class: 'warn', id: 'dup-swapped' }, 'Perhatian: sebagian besar jari cocok dengan jari di slot lain (tangan tertukar atau slot salah). Periksa cara perekaman: bisa jadi upaya menghindari pemeriksaan.') : null);
}

async function compare(id) {
  hideMsg(msg);
  let d;
  try { d = await get(`/api/applications/${enc(id)}/duplicate`); } catch (e) { return showError(msg, e); }
  const view = clear($('#dup-view'));
  const enr = d.enrollee || {};
  const other = (d.matched || [])[0] || {};
  const side = (title, p) => h('div', { class: 'dup-side' }, h('h3', {}, title),
    bioCanvas(p.face_url, 'foto'), p.resident ? residentCard(p.resident) : h('p', { class: 'mono' }, p.nik || '-'),
    p.state ? h('p', {}, 'Status: ', STATES[p.state] || p.state, p.receipt_no ? ` · ${p.receipt_no}` : '') : null);
  view.append(h('h3', {}, `Permohonan #${id}: ${enr.nik || ''} cocok dengan ${other.nik || '-'}`),
    h('div', { class: 'side' }, side('Pemohon sekarang', enr), side(`Rekaman sebelumnya (#${other.application_id || '-'})`, other)),
    evidenceBox((d.evidence || [])[0]),
    h('h3', {}, 'Sidik jari yang cocok'),
    h('div', { class: 'finger-pairs' }, (d.hits || []).map((x) => h('div', { class: 'finger-pair', dataset: { slot: x.slot } },
      bioCanvas(x.finger_url, x.slot), bioCanvas(x.matched_finger_url, x.matched_slot),
      h('div', {}, `${fingerName(x.slot)} ↔ ${fingerName(x.matched_slot)}`, h('br'), h('strong', { class: 'dup-score' }, `skor ${dec1(x.score)}`),
        ` · bukti ${dec1(x.evidence)}`, x.positional === false ? h('span', { class: 'warn dup-other-slot' }, ' · slot lain') : null)))),
    h('div', { class: 'field' }, h('label', { for: 'dup-note' }, 'Catatan keputusan (wajib)'), h('input', { id: 'dup-note', name: 'note' })),
    h('div', { class: 'row' },
      h('button', { class: 'btn btn-ok', type: 'button', id: 'btn-dup-clear', onclick: () => decide(id, 'clear_duplicate') }, 'Bukan orang yang sama: lanjutkan'),
      h('button', { class: 'btn btn-danger', type: 'button', id: 'btn-dup-confirm', onclick: () => decide(id, 'confirm_duplicate') }, 'Duplikat: tolak permohonan')));
  view.hidden = false;
}

async function decide(id, action) {
  hideMsg(msg);
  const note = $('#dup-note').value.trim();
  if (note.length < 5) return showError(msg, { message: 'Tulis catatan keputusan (paling sedikit 5 huruf): apa yang dibandingkan dan mengapa', field: 'note' });
  try {
    const r = await post(`/api/applications/${enc(id)}/actions/${action}`, action === 'confirm_duplicate' ? { reason: 'duplicate_biometric', note } : { note });
    showInfo(msg, `Permohonan #${id}: ${STATES[r.state] || r.state}.`);
    $('#dup-view').hidden = true;
    refresh();
  } catch (e) { showError(msg, e); }
}

$('#btn-refresh').addEventListener('click', () => { hideMsg(msg); refresh(); });
let pending = null;
listen(() => { clearTimeout(pending); pending = setTimeout(refresh, 400); }, $('#live'), { staff: true });
refresh();
