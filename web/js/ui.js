// ui.js - small DOM helpers shared by every page: element builder, messages, time formats.
// Times are stored in UTC ms; everything a person sees is Asia/Jakarta (docs/style.md).
// Never: innerHTML with data (the builder only makes text nodes), inline styles (CSP).

export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) {
    if (kid === undefined || kid === null || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

export function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

// Show an error in a message box: what, where (field) and why, as the server said it.
export function showError(box, err) {
  clear(box);
  box.className = 'msg msg-error';
  box.setAttribute('role', 'alert');
  box.append(h('strong', {}, 'Gagal: '), err.message || String(err));
  if (err.field) box.append(h('span', { class: 'msg-field' }, ` (kolom: ${err.field})`));
  box.hidden = false;
  markField(err.field);
}

export function showInfo(box, text, kind = 'ok') {
  clear(box);
  box.className = 'msg msg-' + kind;
  box.setAttribute('role', 'status');
  box.append(text);
  box.hidden = false;
}

export function hideMsg(box) { clear(box); box.hidden = true; }

// Highlight the input named by an error's field, if the page has one.
function markField(field) {
  document.querySelectorAll('.invalid').forEach((e) => e.classList.remove('invalid'));
  if (!field) return;
  const el = document.querySelector(`[name="${CSS.escape(field)}"]`);
  if (el) { el.classList.add('invalid'); el.focus(); }
}

const JKT_TIME = new Intl.DateTimeFormat('id-ID', { timeZone: 'Asia/Jakarta', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const JKT_DATE = new Intl.DateTimeFormat('id-ID', { timeZone: 'Asia/Jakarta', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const JKT_DAY = new Intl.DateTimeFormat('id-ID', { timeZone: 'Asia/Jakarta', day: 'numeric', month: 'long', year: 'numeric' });
const JKT_HM = new Intl.DateTimeFormat('id-ID', { timeZone: 'Asia/Jakarta', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

export const fmtTime = (ms) => (ms ? JKT_TIME.format(new Date(ms)) : '-');
export const fmtDate = (ms) => JKT_DATE.format(new Date(ms));
// "7 Desember 2026, 13.21 WIB": as people read a date, and as the PDFs write it (core/words.c).
export const fmtDateTime = (ms) => (ms ? `${JKT_DAY.format(new Date(ms))}, ${JKT_HM.format(new Date(ms)).replace(':', '.')} WIB` : '-');

// "12 Maret 1991" from a calendar day "1991-03-12" (a birth date, an expected pickup day).
const DAY_WORDS = new Intl.DateTimeFormat('id-ID', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
export const fmtDay = (ymd) => (/^\d{4}-\d{2}-\d{2}$/.test(ymd || '') ? DAY_WORDS.format(new Date(`${ymd}T00:00:00Z`)) : (ymd || '-'));

// "4 mnt 05 dtk" from milliseconds.
export function fmtDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '-';
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  return m ? `${m} mnt ${String(s % 60).padStart(2, '0')} dtk` : `${s} dtk`;
}

// A live clock in an element (Jakarta time).
export function clock(el) {
  const tick = () => { el.textContent = `${fmtDate(Date.now())}, ${fmtTime(Date.now())} WIB`; };
  tick();
  return setInterval(tick, 1000);
}

// Print one element: it is copied into the print area, which alone is visible on paper.
export function printElement(el, pageClass = '') {
  let area = document.getElementById('print-area');
  if (!area) {
    area = h('div', { id: 'print-area' });
    document.body.append(area);
  }
  clear(area).className = pageClass;
  area.append(el.cloneNode(true));
  window.print();
}

// Keyboard shortcuts: map of key name ("F2") to handler; ignored while a dialog is open.
export function shortcuts(map) {
  document.addEventListener('keydown', (ev) => {
    const fn = map[ev.key];
    if (!fn || document.querySelector('dialog[open]')) return;
    ev.preventDefault();
    fn(ev);
  });
}
