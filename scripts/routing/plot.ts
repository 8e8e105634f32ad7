// A dependency-free SVG of accuracy against average cost per request: one polyline per strategy
// (points ordered along its parameter) and one marker per baseline.

export interface Series {
  name: string;
  points: Array<{ cost: number; accuracy: number; label?: string }>;
  /** A baseline is drawn as a lone marker; a strategy as a line through its points. */
  baseline?: boolean;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#7f7f7f'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function svgPlot(series: readonly Series[], title: string, xLabel: string): string {
  const W = 760, H = 480, L = 70, R = 230, T = 40, B = 55;
  const pts = series.flatMap((s) => s.points);
  const xMax = Math.max(...pts.map((p) => p.cost)) * 1.05;
  const yMin = Math.floor(Math.min(...pts.map((p) => p.accuracy)) * 20) / 20;
  const yMax = Math.ceil(Math.max(...pts.map((p) => p.accuracy)) * 20) / 20;
  const x = (v: number) => L + (v / xMax) * (W - L - R);
  const y = (v: number) => H - B - ((v - yMin) / (yMax - yMin || 1)) * (H - T - B);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="22" font-size="14">${esc(title)}</text>`];
  for (let i = 0; i <= 5; i++) {
    const xv = (xMax * i) / 5, yv = yMin + ((yMax - yMin) * i) / 5;
    out.push(`<line x1="${x(xv)}" y1="${T}" x2="${x(xv)}" y2="${H - B}" stroke="#eee"/><text x="${x(xv)}" y="${H - B + 16}" text-anchor="middle">${xv.toFixed(3)}</text>`);
    out.push(`<line x1="${L}" y1="${y(yv)}" x2="${W - R}" y2="${y(yv)}" stroke="#eee"/><text x="${L - 6}" y="${y(yv) + 4}" text-anchor="end">${yv.toFixed(2)}</text>`);
  }
  out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 14}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">accuracy</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    if (!s.baseline) out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${s.points.map((p) => `${x(p.cost).toFixed(1)},${y(p.accuracy).toFixed(1)}`).join(' ')}"/>`);
    for (const p of s.points) {
      out.push(s.baseline
        ? `<rect x="${x(p.cost) - 4}" y="${y(p.accuracy) - 4}" width="8" height="8" fill="${color}"/>`
        : `<circle cx="${x(p.cost)}" cy="${y(p.accuracy)}" r="2.5" fill="${color}"><title>${esc(p.label ?? '')}</title></circle>`);
    }
    const ly = T + 10 + i * 18;
    out.push(s.baseline ? `<rect x="${W - R + 12}" y="${ly - 8}" width="8" height="8" fill="${color}"/>` : `<line x1="${W - R + 8}" y1="${ly - 4}" x2="${W - R + 24}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${W - R + 30}" y="${ly}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
