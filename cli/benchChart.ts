import type { BenchResult } from '../bench/harness.js';

/** The fields of a benchmark result the report uses. */
export type ResultRow = BenchResult;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumSignificantDigits: 3 });
const plain = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });

export function formatFigure(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 10_000 ? compact.format(x) : plain.format(x);
}

const LABEL_W = 230;
const BAR_W = 420;
const RATIO_W = 90;
const ROW_H = 58;
const TOP = 28;
const WIDTH = LABEL_W + BAR_W + RATIO_W + 20;
const TROUPE = '#2f6fde';
/** Units of a latency or a duration: there the shorter bar wins (the ratio already says so). */
const TIME_UNITS = new Set(['ns', 'us', 'µs', 'ms', 's']);
const BASELINE = '#9aa5b4';

/**
 * One suite as an inline SVG: per benchmark, a bar for Troupe and one for its baseline, both on
 * that benchmark's own scale (units differ between rows), with the figures and the ratio (Troupe
 * over the baseline, higher is better) at the right.
 */
export function suiteChart(suite: string, rows: readonly ResultRow[]): string {
  const height = TOP + rows.length * ROW_H + 8;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="suite-chart" data-suite="${escapeXml(suite)}" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeXml(`${suite}: Troupe against baselines`)}">`,
    `<g font-family="system-ui, sans-serif" font-size="12" fill="#1d2430">`,
    `<rect x="${LABEL_W}" y="6" width="12" height="12" fill="${TROUPE}"/><text x="${LABEL_W + 18}" y="16">Troupe</text>`,
    `<rect x="${LABEL_W + 90}" y="6" width="12" height="12" fill="${BASELINE}"/><text x="${LABEL_W + 108}" y="16">baseline</text>`,
    `<text x="${LABEL_W + BAR_W + 12}" y="16" fill="#6b7585">ratio</text>`,
  ];
  rows.forEach((r, i) => {
    const y = TOP + i * ROW_H;
    const max = Math.max(r.value, r.baselineValue, Number.MIN_VALUE);
    const w = (v: number): number => (Number.isFinite(v) && v > 0 ? Math.max(1, (v / max) * (BAR_W - 120)) : 0);
    const good = r.ratio >= 1;
    parts.push(
      `<g class="bench-row" data-name="${escapeXml(r.name)}">`,
      `<text x="0" y="${y + 16}" font-weight="600">${escapeXml(r.name)}</text>`,
      `<text x="0" y="${y + 32}" fill="#6b7585" font-size="11">${escapeXml(truncate(r.metric + (TIME_UNITS.has(r.unit) ? ', lower is better' : ''), 38))}</text>`,
      `<text x="0" y="${y + 46}" fill="#6b7585" font-size="11">vs ${escapeXml(truncate(r.baseline, 36))}</text>`,
      `<rect x="${LABEL_W}" y="${y + 6}" width="${w(r.value).toFixed(1)}" height="16" rx="2" fill="${TROUPE}"><title>Troupe: ${escapeXml(`${formatFigure(r.value)} ${r.unit}`)}</title></rect>`,
      `<text x="${(LABEL_W + w(r.value) + 6).toFixed(1)}" y="${y + 18}">${escapeXml(`${formatFigure(r.value)} ${r.unit}`)}</text>`,
      `<rect x="${LABEL_W}" y="${y + 26}" width="${w(r.baselineValue).toFixed(1)}" height="16" rx="2" fill="${BASELINE}"><title>${escapeXml(`${r.baseline}: ${formatFigure(r.baselineValue)} ${r.unit}`)}</title></rect>`,
      `<text x="${(LABEL_W + w(r.baselineValue) + 6).toFixed(1)}" y="${y + 38}">${escapeXml(`${formatFigure(r.baselineValue)} ${r.unit}`)}</text>`,
      `<text x="${LABEL_W + BAR_W + 12}" y="${y + 30}" font-size="15" font-weight="700" fill="${good ? '#1f9d55' : '#d64545'}">×${escapeXml(formatFigure(r.ratio))}</text>`,
      `<line x1="0" x2="${WIDTH}" y1="${y + ROW_H - 4}" y2="${y + ROW_H - 4}" stroke="#e2e6ec"/>`,
      `</g>`,
    );
  });
  parts.push('</g></svg>');
  return parts.join('');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
