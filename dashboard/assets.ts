import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A static file the page needs, read once and kept. */
export interface Asset {
  body: Buffer;
  type: string;
}

const require = createRequire(import.meta.url);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The page's own files live in dashboard/assets/ (tsc does not copy them to dist/, so they are
 * looked up next to this module first, then in the source tree); the chart library comes from
 * node_modules.
 */
const SOURCES: Record<string, () => string> = {
  '/': () => ownAsset('index.html'),
  '/assets/dashboard.js': () => ownAsset('dashboard.js'),
  '/assets/dashboard.css': () => ownAsset('dashboard.css'),
  '/assets/uplot.js': () => require.resolve('uplot/dist/uPlot.iife.min.js'),
  '/assets/uplot.css': () => require.resolve('uplot/dist/uPlot.min.css'),
};

const here = dirname(fileURLToPath(import.meta.url));

function ownAsset(name: string): string {
  const candidates = [join(here, 'assets', name), join(here, '..', '..', 'dashboard', 'assets', name)];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`dashboard asset '${name}' not found (looked in ${candidates.join(', ')})`);
  return found;
}

const cache = new Map<string, Asset>();

/** The asset served at `path`, or undefined for any other path. */
export function assetFor(path: string): Asset | undefined {
  const source = SOURCES[path];
  if (source === undefined) return undefined;
  let asset = cache.get(path);
  if (asset === undefined) {
    const file = source();
    asset = { body: readFileSync(file), type: TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' };
    cache.set(path, asset);
  }
  return asset;
}
