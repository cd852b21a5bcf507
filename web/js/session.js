// session.js - who is logged in, and the page header every staff page shares.
// A page calls requireRole([...]); without a session it goes to the login page; with a role
// that may not use the page it says so (the server refuses the calls anyway).
// Never: keep the session token in JS (it is an HttpOnly cookie).

import { get, post } from './api.js';
import { h, clock } from './ui.js';
import { ROLES } from './labels.js';

export const PAGES = [
  { href: 'intake.html', label: 'Loket Penerima', roles: ['intake', 'admin'] },
  { href: 'operator.html', label: 'Operator', roles: ['operator', 'admin'] },
  { href: 'handover.html', label: 'Loket Penyerahan', roles: ['handover', 'admin'] },
  { href: 'dashboard.html', label: 'Dasbor', roles: ['supervisor', 'admin'] },
  { href: 'records.html', label: 'Arsip & Laporan', roles: ['supervisor', 'admin'] },
  { href: 'kiriman.html', label: 'Kiriman', roles: ['supervisor', 'admin'] },
  { href: 'admin.html', label: 'Admin', roles: ['admin'] },
  { href: 'display.html', label: 'Papan antrian', roles: null },
  { href: 'kiosk.html', label: 'Kios', roles: null },
];

// The city registry (`ktpel serve --role pusat`) has one page of its own.
const PUSAT_PAGES = [{ href: 'pusat.html', label: 'Disdukcapil', roles: ['supervisor', 'admin'] }];

export function homeOf(role) {
  const p = PAGES.find((x) => x.roles && x.roles.includes(role));
  return p ? p.href : 'index.html';
}

// The logged-in officer (GET /api/me) with the page header; the login page otherwise.
export async function requireLogin() {
  let me;
  try {
    me = await get('/api/me');
  } catch (e) {
    const next = encodeURIComponent(location.pathname.replace(/^\//, '') || 'index.html');
    location.replace('index.html?next=' + next);
    throw e;
  }
  renderHeader(me);
  return me;
}

export async function requireRole(roles) {
  const me = await requireLogin();
  // A reset or demo password first (the service refuses everything else until then).
  if (me.must_change_password) {
    location.replace('password.html');
    throw new Error('password');
  }
  if (!roles.includes(me.role) && me.role !== 'admin') {
    const main = document.querySelector('main');
    main.replaceChildren(h('section', { class: 'card' },
      h('h2', {}, 'Halaman ini bukan untuk peran Anda'),
      h('p', {}, `Anda masuk sebagai ${ROLES[me.role] || me.role}. `,
        h('a', { href: homeOf(me.role) }, 'Buka halaman Anda'))));
    throw new Error('role');
  }
  return me;
}

function renderHeader(me) {
  const bar = document.querySelector('header.topbar');
  if (!bar) return;
  const pages = location.pathname.endsWith('pusat.html') ? PUSAT_PAGES : PAGES;
  const nav = h('nav', {}, pages.filter((p) => p.roles && (p.roles.includes(me.role)))
    .map((p) => h('a', { href: p.href, class: location.pathname.endsWith(p.href) ? 'active' : '' }, p.label)));
  const clk = h('span', { class: 'clock' });
  clock(clk);
  const who = h('span', { class: 'who' }, `${me.username} · ${ROLES[me.role] || me.role}`,
    me.loket ? ` · Loket ${me.loket}` : '');
  const pw = h('a', { class: 'btn btn-small', href: 'password.html', id: 'change-password' }, 'Kata sandi');
  const out = h('button', { class: 'btn btn-small', type: 'button', id: 'logout', onclick: async () => {
    try { await post('/api/logout'); } catch (e) { /* the session is gone either way */ }
    location.href = 'index.html';
  } }, 'Keluar');
  bar.append(nav, clk, who, pw, out);
}
