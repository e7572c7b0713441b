import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { StorageError } from '../runtime/errors.js';
import { escapeXml, formatFigure, suiteChart, type ResultRow } from './benchChart.js';
import { NotFoundError } from './errors.js';

const ResultsSchema = z.array(z.object({
  suite: z.string(),
  name: z.string(),
  metric: z.string(),
  value: z.number(),
  unit: z.string(),
  baseline: z.string(),
  baselineValue: z.number(),
  ratio: z.number(),
}));

/** Read a results file (`bench/results/latest.json`); errors name the path. */
export async function readResults(path: string): Promise<ResultRow[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NotFoundError(`no benchmark results at ${path}: run \`troupe bench\` first`, { path });
    }
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StorageError('ERR_BENCH_RESULTS', `${path} is not JSON`, { path });
  }
  const parsed = ResultsSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new StorageError('ERR_BENCH_RESULTS', `${path} is not a benchmark results array: at ${i.path.join('.') || '(root)'}: ${i.message}`, { path });
  }
  return parsed.data;
}

export interface ReportMeta {
  source: string;
  generatedAt?: Date;
  machine?: string;
}

/**
 * A self-contained HTML page (no script, no external file): per suite an inline SVG chart of
 * Troupe against its baselines, then the full table.
 */
export function renderBenchReport(results: readonly ResultRow[], meta: ReportMeta): string {
  const suites = new Map<string, ResultRow[]>();
  for (const r of results) {
    const list = suites.get(r.suite) ?? [];
    list.push(r);
    suites.set(r.suite, list);
  }
  const at = (meta.generatedAt ?? new Date()).toISOString();
  const wins = results.filter((r) => r.ratio >= 1).length;
  const sections = [...suites].map(([suite, rows]) => `
  <section class="suite" id="suite-${escapeXml(slug(suite))}">
    <h2>${escapeXml(suite)} <small>${rows.length} benchmark${rows.length === 1 ? '' : 's'}</small></h2>
    ${suiteChart(suite, rows)}
  </section>`).join('');
  const tableRows = results.map((r) => `
      <tr class="${r.ratio >= 1 ? 'win' : 'loss'}"><td>${escapeXml(r.suite)}</td><td>${escapeXml(r.name)}</td><td>${escapeXml(r.metric)}</td><td class="num">${escapeXml(formatFigure(r.value))}</td><td>${escapeXml(r.unit)}</td><td>${escapeXml(r.baseline)}</td><td class="num">${escapeXml(formatFigure(r.baselineValue))}</td><td class="num ratio">${escapeXml(r.ratio.toFixed(3))}</td></tr>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Troupe benchmark report</title>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2430; background: #f6f7f9; margin: 0; padding: 20px 28px; }
  h1 { margin: 0 0 4px; font-size: 22px; }
  .meta { color: #6b7585; margin: 0 0 18px; }
  section { background: #fff; border: 1px solid #e2e6ec; border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; overflow-x: auto; }
  h2 { font-size: 16px; margin: 0 0 10px; }
  h2 small { color: #6b7585; font-weight: normal; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e2e6ec; }
  th { color: #6b7585; font-size: 12px; }
  td.num { text-align: right; }
  tr.win td.ratio { color: #1f9d55; font-weight: 700; }
  tr.loss td.ratio { color: #d64545; font-weight: 700; }
</style>
</head>
<body>
  <h1>Troupe benchmark report</h1>
  <p class="meta">${results.length} results in ${suites.size} suite${suites.size === 1 ? '' : 's'}; Troupe ahead of its baseline in ${wins}. Ratio = Troupe over the baseline, higher is better. From ${escapeXml(meta.source)}, ${escapeXml(at)}${meta.machine ? `, ${escapeXml(meta.machine)}` : ''}.</p>${sections}
  <section>
    <h2>All results</h2>
    <table id="results">
      <thead><tr><th>suite</th><th>name</th><th>metric</th><th>value</th><th>unit</th><th>baseline</th><th>baseline value</th><th>ratio</th></tr></thead>
      <tbody>${tableRows}
      </tbody>
    </table>
  </section>
</body>
</html>
`;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
