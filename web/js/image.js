// image.js - image helpers for recording, all in the page with no library:
// - decodeToCanvas(): draws a picked file on a canvas; browsers show PNG/JPEG/BMP themselves,
//   the fingerprint scanners' uncompressed 8-bit grey TIFF (FVC sets) and binary PGM are decoded here.
// - backgroundHue(): the photo background check. The SOP's equipment lists red and blue
//   backgrounds; the rule used by Disdukcapil: red for odd birth years, blue for even ones.
//   We sample the image's border ring (where the backdrop is), keep the saturated pixels and
//   classify their mean hue.
// Never: send the image anywhere but the API, or use blob:/data: URLs (the CSP forbids them).

export function requiredBackground(birthDate) {
  const y = Number(String(birthDate || '').slice(0, 4));
  if (!y) return null;
  return y % 2 === 1 ? { id: 'merah', label: 'MERAH', year: y } : { id: 'biru', label: 'BIRU', year: y };
}

function rgbToHue(r, g, b) {
  const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
  if (d === 0) return { h: 0, s: 0, v: max / 255 };
  let hh;
  if (max === r) hh = ((g - b) / d) % 6;
  else if (max === g) hh = (b - r) / d + 2;
  else hh = (r - g) / d + 4;
  hh *= 60;
  if (hh < 0) hh += 360;
  return { h: hh, s: d / max, v: max / 255 };
}

// Returns {verdict: 'merah'|'biru'|'lain', share, hue} for the border ring of a canvas.
export function backgroundHue(canvas) {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const { width: w, height: hgt } = canvas;
  const ring = Math.max(2, Math.round(Math.min(w, hgt) * 0.06));
  const data = ctx.getImageData(0, 0, w, hgt).data;
  let red = 0, blue = 0, n = 0, sx = 0, sy = 0;
  const step = Math.max(1, Math.round(Math.min(w, hgt) / 120));
  for (let y = 0; y < hgt; y += step) {
    for (let x = 0; x < w; x += step) {
      if (x >= ring && x < w - ring && y >= ring && y < hgt - ring) continue;
      const i = (y * w + x) * 4;
      const c = rgbToHue(data[i], data[i + 1], data[i + 2]);
      n++;
      if (c.s < 0.35 || c.v < 0.2) continue;
      if (c.h < 20 || c.h > 340) red++;
      else if (c.h > 190 && c.h < 255) blue++;
      const rad = (c.h * Math.PI) / 180;
      sx += Math.cos(rad); sy += Math.sin(rad);
    }
  }
  let hue = (Math.atan2(sy, sx) * 180) / Math.PI;
  if (hue < 0) hue += 360;
  const redShare = n ? red / n : 0, blueShare = n ? blue / n : 0;
  if (redShare >= 0.6) return { verdict: 'merah', share: redShare, hue };
  if (blueShare >= 0.6) return { verdict: 'biru', share: blueShare, hue };
  return { verdict: 'lain', share: Math.max(redShare, blueShare), hue };
}

// Minimal baseline TIFF reader: uncompressed, 8-bit greyscale, strips (what FVC images are).
function decodeTiff(buf) {
  const dv = new DataView(buf);
  const le = dv.getUint16(0) === 0x4949;
  if (!le && dv.getUint16(0) !== 0x4d4d) throw new Error('bukan TIFF');
  const u16 = (o) => dv.getUint16(o, le), u32 = (o) => dv.getUint32(o, le);
  if (u16(2) !== 42) throw new Error('bukan TIFF');
  const ifd = u32(4);
  const n = u16(ifd);
  const tags = {};
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    const tag = u16(e), type = u16(e + 2), count = u32(e + 4);
    const size = type === 3 ? 2 : 4;
    const at = count * size > 4 ? u32(e + 8) : e + 8;
    const vals = [];
    for (let k = 0; k < count && k < 4096; k++) vals.push(type === 3 ? u16(at + k * 2) : u32(at + k * 4));
    tags[tag] = vals;
  }
  const w = tags[256][0], hgt = tags[257][0];
  const bits = tags[258] ? tags[258][0] : 1;
  const comp = tags[259] ? tags[259][0] : 1;
  if (comp !== 1 || bits !== 8) throw new Error(`TIFF terkompresi atau bukan 8-bit (kompresi ${comp}, ${bits} bit)`);
  const offs = tags[273], counts = tags[279];
  const gray = new Uint8Array(w * hgt);
  let p = 0;
  for (let s = 0; s < offs.length; s++) {
    const len = Math.min(counts[s], gray.length - p);
    gray.set(new Uint8Array(buf, offs[s], len), p);
    p += len;
  }
  const invert = tags[262] && tags[262][0] === 0; // WhiteIsZero
  return { w, h: hgt, gray, invert };
}

// "P5 <w> <h> 255 " then w*h bytes; null when the header is not that.
function decodePgm(buf) {
  const text = new TextDecoder('latin1').decode(new Uint8Array(buf, 0, Math.min(64, buf.byteLength)));
  const m = /^P5\s+(?:#[^\n]*\n\s*)*(\d+)\s+(\d+)\s+(\d+)\s/.exec(text);
  if (!m || Number(m[3]) !== 255) return null;
  const w = Number(m[1]), hgt = Number(m[2]);
  if (!w || !hgt || m[0].length + w * hgt > buf.byteLength) return null;
  return { w, h: hgt, gray: new Uint8Array(buf, m[0].length, w * hgt) };
}

export async function decodeToCanvas(file, canvas) {
  const buf = await file.arrayBuffer();
  const head = new Uint8Array(buf, 0, Math.min(4, buf.byteLength));
  const isTiff = (head[0] === 0x49 && head[1] === 0x49) || (head[0] === 0x4d && head[1] === 0x4d);
  const ctx = canvas.getContext('2d');
  // Binary PGM (P5, 8-bit), as many fingerprint scanners write it.
  const pgm = head[0] === 0x50 && head[1] === 0x35 ? decodePgm(buf) : null;
  if (pgm) {
    canvas.width = pgm.w; canvas.height = pgm.h;
    const img = ctx.createImageData(pgm.w, pgm.h);
    for (let i = 0; i < pgm.w * pgm.h; i++) {
      img.data[i * 4] = img.data[i * 4 + 1] = img.data[i * 4 + 2] = pgm.gray[i];
      img.data[i * 4 + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    return { type: 'image/x-portable-graymap', width: pgm.w, height: pgm.h };
  }
  if (isTiff) {
    const t = decodeTiff(buf);
    canvas.width = t.w; canvas.height = t.h;
    const img = ctx.createImageData(t.w, t.h);
    for (let i = 0; i < t.gray.length; i++) {
      const v = t.invert ? 255 - t.gray[i] : t.gray[i];
      img.data[i * 4] = img.data[i * 4 + 1] = img.data[i * 4 + 2] = v;
      img.data[i * 4 + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    return { type: 'image/tiff', width: t.w, height: t.h };
  }
  const bmp = await createImageBitmap(new Blob([buf], { type: file.type || 'application/octet-stream' }));
  canvas.width = bmp.width; canvas.height = bmp.height;
  ctx.drawImage(bmp, 0, 0);
  bmp.close();
  return { type: file.type || 'application/octet-stream', width: canvas.width, height: canvas.height };
}

export const canvasBlob = (canvas, type = 'image/jpeg', q = 0.92) =>
  new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('gambar kosong'))), type, q));
