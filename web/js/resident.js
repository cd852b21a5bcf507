// resident.js - how a resident (SIAK biodata) and the NIK analysis are shown to an officer,
// with every warning first: NIK problems, age under 17, marital status, a card already held.
import { h, fmtDay } from './ui.js';
import { MARITAL, AGAMA, KTP_STATUS } from './labels.js';

const warnText = (w) => (typeof w === 'string' ? w : (w && (w.message || w.code)) || '');

// opts.eligibility false: no "Memenuhi syarat" badge (the handover loket asks about the card
// in hand, not about a new one).
export function residentCard(r, analysis, opts = {}) {
  const warnings = [];
  for (const w of r.warnings || []) warnings.push(warnText(w));
  for (const w of (analysis && analysis.warnings) || []) {
    const t = warnText(w);
    if (t && !warnings.includes(t)) warnings.push(t);
  }
  // The SOP's own warnings, visible even if the server words them differently.
  if (typeof r.age === 'number' && r.age < 17 && Number(r.marital_status) === 1) {
    warnings.push(`Umur ${r.age} tahun: belum 17 tahun dan belum pernah kawin (UU 23/2006 ps. 63)`);
  }
  if (Number(r.card_valid) === 1) warnings.push('Sudah memiliki KTP-el yang masih berlaku');
  if (r.nationality === 'WNA') warnings.push('WNA: wajib memiliki ITAP' + (r.itap_until ? ` (berlaku s.d. ${r.itap_until})` : ''));
  const uniq = [...new Set(warnings.filter(Boolean))];
  return h('div', { class: 'resident', id: 'resident-card' },
    h('h3', {}, r.name || '(tanpa nama)', ' ', opts.eligibility === false ? null
      : r.eligible === false ? h('span', { class: 'badge badge-red' }, 'TIDAK MEMENUHI SYARAT')
        : h('span', { class: 'badge badge-green' }, 'Memenuhi syarat')),
    uniq.length ? h('ul', { class: 'warnings', id: 'warnings' }, uniq.map((w) => h('li', {}, '⚠ ' + w))) : null,
    h('dl', { class: 'kv' },
      h('dt', {}, 'NIK'), h('dd', { class: 'mono' }, r.nik),
      h('dt', {}, 'No. KK'), h('dd', { class: 'mono' }, r.kk_number || '-'),
      h('dt', {}, 'Tempat, tgl lahir'), h('dd', {}, `${r.birth_place || '-'}, ${fmtDay(r.birth_date)}`),
      h('dt', {}, 'Umur'), h('dd', {}, r.age !== undefined ? `${r.age} tahun` : '-'),
      h('dt', {}, 'Jenis kelamin'), h('dd', {}, r.sex === 'L' ? 'Laki-laki' : r.sex === 'P' ? 'Perempuan' : '-'),
      h('dt', {}, 'Status perkawinan'), h('dd', {}, MARITAL[r.marital_status] || r.marital_status || '-'),
      h('dt', {}, 'Agama'), h('dd', {}, AGAMA[r.agama] || r.agama || '-'),
      h('dt', {}, 'Alamat'), h('dd', {}, `${r.address || '-'} RT ${r.rt || '-'} / RW ${r.rw || '-'}`,
        r.kelurahan_name ? `, ${r.kelurahan_name}` : ''),
      h('dt', {}, 'Status KTP-el'), h('dd', { id: 'ktp-status' }, KTP_STATUS[r.ktp_status] || r.ktp_status || '-', Number(r.card_valid) === 1 ? ' (kartu berlaku)' : '')));
}

export function analysisCard(a) {
  const ws = (a.warnings || []).map(warnText);
  return h('div', { class: 'resident', id: 'nik-analysis' },
    h('h3', {}, 'Analisis NIK'),
    ws.length ? h('ul', { class: 'warnings' }, ws.map((w) => h('li', {}, '⚠ ' + w))) : null,
    h('dl', { class: 'kv' },
      ...Object.entries(a).filter(([k, v]) => k !== 'warnings' && (typeof v !== 'object' || v === null))
        .map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]).flat()));
}
