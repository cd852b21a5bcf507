// citizen.js - what the citizens' pages share: their header with the four services, and the
// reading of the token or code a QR put after "#" in the address (the fragment never reaches
// the server's logs).
// Never: keep a NIK, a phone number or a receipt number in storage (they live in the form).
import { h } from './ui.js';

const LINKS = [
  ['janji.html', 'Janji temu'], ['antrian.html', 'Antrian saya'], ['status.html', 'Status KTP-el'],
  ['ikm.html', 'Hasil survei'],
];

// The top bar of a citizens' page.
export function header(active) {
  document.body.prepend(h('header', { class: 'topbar' }, h('span', { class: 'brand' }, 'KTP-el · Kec. Neglasari'),
    h('nav', { class: 'pub' }, h('a', { href: 'publik.html' }, 'Beranda'),
      LINKS.map(([href, label]) => h('a', { href, class: href === active ? 'active' : '' }, label)))));
}

// The text after "#" (or after "#kode=" / "#t="), or "".
export function fragment(key) {
  const f = decodeURIComponent(location.hash.replace(/^#/, ''));
  if (!key) return f;
  const m = new RegExp(`(?:^|&)${key}=([^&]*)`).exec(f);
  return m ? m[1] : '';
}
