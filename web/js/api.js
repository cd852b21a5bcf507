// api.js - the one way pages talk to the server (docs/api.md).
// Every call returns the parsed JSON or throws ApiError carrying the server's
// {"error": {code, message, field}} and, for SOP refusals, the "result" next to it.
// Never: build URLs from unchecked input without encodeURIComponent.

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `Permintaan gagal (HTTP ${status})`);
    this.status = status;
    this.code = e.code || 'http_' + status;
    this.field = e.field || '';
    this.result = body ? body.result : undefined;
  }
}

async function parse(res) {
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('application/json')) return res.json();
  const text = await res.text();
  return text ? { error: { code: 'http_' + res.status, message: text.slice(0, 200) } } : null;
}

// headers: more request headers (the kiosk's device secret, X-Ktpel-Kiosk).
export async function api(method, path, body, headers) {
  const opt = { method, headers: { ...(headers || {}) }, credentials: 'same-origin' };
  if (body !== undefined) {
    opt.headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, opt);
  } catch (e) {
    throw new ApiError(0, { error: { code: 'network', message: 'Server tidak dapat dihubungi. Periksa jaringan kantor.' } });
  }
  const data = await parse(res);
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// Upload raw bytes (biometric files): PUT with the file's own content type.
export const putBytes = (path, blob, type) => sendBytes('PUT', path, blob, type);

// Send raw bytes (an upload, a camera frame) with the given method.
export async function sendBytes(method, path, blob, type) {
  let res;
  try {
    res = await fetch(path, { method, body: blob, credentials: 'same-origin',
      headers: { 'Content-Type': type || blob.type || 'application/octet-stream' } });
  } catch (e) {
    throw new ApiError(0, { error: { code: 'network', message: 'Server tidak dapat dihubungi.' } });
  }
  const data = await parse(res);
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export const get = (p) => api('GET', p);
export const post = (p, b) => api('POST', p, b === undefined ? {} : b);
export const enc = encodeURIComponent;
