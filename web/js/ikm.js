// ikm.js - the published result of the satisfaction survey (UU 25/2009 asks the office to
// publish it): the latest month's IKM and grade, the nine elements, the respondents against
// the sample the regulation's table asks, and the year so far. The same module fills the short
// summary on the citizens' home page (publik.html). Figures are the service's exact decimals.
// Never: suggestions or respondents' profiles (the public answer does not carry them).
import { get } from './api.js';
import { $, h, clear, showError } from './ui.js';
import { GRADES } from './labels.js';
import { header } from './citizen.js';

const page = document.body.dataset.page;
header(page === 'ikm' ? 'ikm.html' : '');

// The service's exact decimals ("88.89") as Indonesian writes them ("88,89").
const comma = (v) => (v ? String(v).replace('.', ',') : '-');

const headline = (r, title) => [
  h('h3', {}, title),
  h('div', { class: 'row' }, h('span', { class: 'grade', id: page === 'ikm' ? null : 'ikm-value' }, comma(r.ikm)),
    h('span', {}, r.grade ? h('strong', {}, `Mutu ${r.grade} (${GRADES[r.grade]})`) : 'Belum ada responden')),
  h('p', { class: 'muted' }, `${r.respondents} responden dari ${r.population} penerima layanan; sampel minimal ${r.sample_required} (${r.sample_met ? 'terpenuhi' : 'belum terpenuhi'}).`),
];

function elements(r) {
  if (!r.elements || !r.elements.length) return null;
  const weak = new Set(r.weakest || []);
  return h('table', { id: 'ikm-elements' }, h('thead', {}, h('tr', {}, ['Unsur', 'NRR', 'Nilai', 'Mutu'].map((t) => h('th', {}, t)))),
    h('tbody', {}, r.elements.map((e) => h('tr', { dataset: { element: e.id } }, h('td', {}, e.label, weak.has(e.id) ? h('span', { class: 'badge badge-amber' }, ' perlu perbaikan') : null),
      h('td', {}, comma(e.nrr)), h('td', {}, h('strong', {}, comma(e.value))), h('td', {}, e.grade)))));
}

try {
  const r = await get('/api/public/ikm');
  if (page === 'ikm') {
    const box = clear($('#latest'));
    if (!r.latest) box.append(h('p', {}, 'Belum ada hasil survei.'));
    else box.append(...headline(r.latest, `Bulan ${r.latest.label}`), elements(r.latest));
    if (r.year) {
      $('#ikm-year').hidden = false;
      clear($('#ikm-year')).append(...headline(r.year, `${r.year.label} sampai saat ini`));
    }
  } else if (r.latest) {
    const box = $('#ikm-short');
    box.hidden = false;
    box.append(...headline(r.latest, `Kepuasan masyarakat, ${r.latest.label}`));
  }
} catch (e) {
  const m = $('#msg');
  if (m) showError(m, e);
}
