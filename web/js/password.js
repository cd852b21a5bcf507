// password.js - change one's own password (POST /api/me/password). Also the page a reset or
// demo account is sent to before anything else (must_change_password): the service refuses
// every other use case until the change is made. The rules are the service's; the page only
// checks that both new entries match.
// Never: keep a password after it was sent.
import { post } from './api.js';
import { $, showError, showInfo, hideMsg } from './ui.js';
import { requireLogin, homeOf } from './session.js';

const msg = $('#msg');
const form = $('#password-form');
const me = await requireLogin();
if (me.must_change_password) {
  $('#why').textContent = 'Kata sandi Anda adalah kata sandi awal atau hasil reset: ganti dulu sebelum mulai bekerja.';
  $('#why').className = 'msg msg-warn';
}

function wipe() { for (const f of ['current_password', 'new_password', 'confirm_password']) form[f].value = ''; }

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideMsg(msg);
  const body = { current_password: form.current_password.value, new_password: form.new_password.value };
  if (!body.current_password) return showError(msg, { message: 'Kata sandi sekarang wajib diisi', field: 'current_password' });
  if (!body.new_password) return showError(msg, { message: 'Kata sandi baru wajib diisi', field: 'new_password' });
  if (body.new_password !== form.confirm_password.value) {
    form.confirm_password.value = '';
    return showError(msg, { message: 'Ulangan kata sandi baru tidak sama', field: 'confirm_password' });
  }
  try {
    const r = await post('/api/me/password', body);
    wipe();
    showInfo(msg, `Kata sandi diganti${r.sessions_ended ? `; ${r.sessions_ended} sesi di komputer lain diakhiri` : ''}. Mengalihkan…`);
    setTimeout(() => location.replace(homeOf(me.role)), 800);
  } catch (e) { wipe(); showError(msg, e); }
});
