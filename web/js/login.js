// login.js - the login page: POST /api/login, then the page of the officer's role.
import { post, get } from './api.js';
import { $, showError } from './ui.js';
import { homeOf } from './session.js';

const form = $('#login-form');
const msg = $('#msg');
const next = new URLSearchParams(location.search).get('next');

function target(me) {
  // A reset or demo password is changed before anything else.
  if (me.must_change_password) return 'password.html';
  // Only a page of this site, never an outside address.
  if (next && /^[a-z]+\.html$/.test(next)) return next;
  return homeOf(me.role);
}

// The lokets with their SOP role names (GET /api/lokets, public); the static three stay when
// the server cannot say.
get('/api/lokets').then((l) => {
  const sel = form.loket;
  const keep = sel.value;
  [...sel.options].filter((o) => o.value).forEach((o) => o.remove());
  for (const x of l.lokets || []) {
    const o = document.createElement('option');
    o.value = String(x.loket);
    o.textContent = `Loket ${x.loket} · ${x.role_name}`;
    sel.append(o);
  }
  sel.value = keep;
}).catch(() => {});

// Already logged in: go straight on.
get('/api/me').then((me) => location.replace(target(me))).catch(() => {});

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username) return showError(msg, { message: 'Nama pengguna wajib diisi', field: 'username' });
  if (!password) return showError(msg, { message: 'Kata sandi wajib diisi', field: 'password' });
  const body = { username, password };
  if (form.loket.value) body.loket = Number(form.loket.value);
  try {
    const me = await post('/api/login', body);
    location.href = target(me);
  } catch (e) {
    showError(msg, e);
    form.password.value = '';
  }
});
