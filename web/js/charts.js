// charts.js - small SVG charts drawn here (no chart library, the LAN may be offline).
// barChart: horizontal bars with an optional standard mark per bar (the SOP's Mutu Baku).
const NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

// rows: [{label, value, mark?, color?, text?}]; value and mark in the same unit.
export function barChart(rows, { width = 560, barH = 22, labelW = 170, unit = '' } = {}) {
  const max = Math.max(1, ...rows.map((r) => Math.max(r.value || 0, r.mark || 0))) * 1.1;
  const height = rows.length * (barH + 8) + 10;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img' });
  const plotW = width - labelW - 70;
  rows.forEach((r, i) => {
    const y = 5 + i * (barH + 8);
    svg.append(s('text', { x: 0, y: y + barH * 0.7 }, r.label));
    svg.append(s('rect', { x: labelW, y, width: plotW, height: barH, fill: '#eef1f5' }));
    const w = Math.max(0, ((r.value || 0) / max) * plotW);
    svg.append(s('rect', { x: labelW, y, width: w, height: barH, fill: r.color || '#0b4f9c', rx: 2 }));
    if (r.mark) {
      const mx = labelW + (r.mark / max) * plotW;
      svg.append(s('line', { x1: mx, x2: mx, y1: y - 3, y2: y + barH + 3, stroke: '#b3261e', 'stroke-width': 2, 'stroke-dasharray': '4 2' }));
    }
    svg.append(s('text', { x: labelW + plotW + 6, y: y + barH * 0.7 }, r.text !== undefined ? r.text : `${r.value}${unit}`));
  });
  return svg;
}

// A 0..1 share as a ring with the percentage inside.
export function ring(share, label) {
  const svg = s('svg', { class: 'ring', viewBox: '0 0 120 120', width: 110, height: 110, role: 'img' });
  const r = 48, c = 2 * Math.PI * r;
  const p = Math.max(0, Math.min(1, share || 0));
  svg.append(s('circle', { cx: 60, cy: 60, r, fill: 'none', stroke: '#eef1f5', 'stroke-width': 14 }));
  svg.append(s('circle', { cx: 60, cy: 60, r, fill: 'none', stroke: p >= 0.8 ? '#1d7a3e' : p >= 0.5 ? '#8a5a00' : '#b3261e',
    'stroke-width': 14, 'stroke-dasharray': `${c * p} ${c}`, transform: 'rotate(-90 60 60)' }));
  svg.append(s('text', { x: 60, y: 64, 'text-anchor': 'middle', 'font-size': 20, 'font-weight': 'bold' }, `${Math.round(p * 100)}%`));
  if (label) svg.append(s('text', { x: 60, y: 84, 'text-anchor': 'middle', 'font-size': 11 }, label));
  return svg;
}
