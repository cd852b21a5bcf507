// signature.js - the signature pad on a canvas, with pointer events: a pen, a finger or a
// mouse. Where the device reports pressure (a signature pad's pen) the stroke width follows it.
export function signaturePad(canvas) {
  const ctx = canvas.getContext('2d');
  const scale = () => {
    const r = canvas.getBoundingClientRect();
    if (r.width && (canvas.width !== Math.round(r.width) || canvas.height !== Math.round(r.height))) {
      canvas.width = Math.round(r.width); canvas.height = Math.round(r.height);
      clearPad();
    }
  };
  let drawing = false, last = null, strokes = 0;
  function clearPad() {
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    strokes = 0;
    canvas.dataset.strokes = '0';
  }
  const pos = (ev) => {
    const r = canvas.getBoundingClientRect();
    return { x: ((ev.clientX - r.left) * canvas.width) / r.width, y: ((ev.clientY - r.top) * canvas.height) / r.height,
      p: ev.pressure && ev.pointerType === 'pen' ? ev.pressure : 0.5 };
  };
  canvas.addEventListener('pointerdown', (ev) => {
    scale();
    drawing = true; last = pos(ev);
    canvas.setPointerCapture(ev.pointerId);
  });
  canvas.addEventListener('pointermove', (ev) => {
    if (!drawing) return;
    const p = pos(ev);
    ctx.strokeStyle = '#0a1a3a'; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
    ctx.lineWidth = 1 + p.p * 4;
    ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
    last = p;
  });
  const end = () => { if (drawing) { strokes++; canvas.dataset.strokes = String(strokes); } drawing = false; };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  scale();
  clearPad();
  return { clear: clearPad, get empty() { return strokes === 0; } };
}
