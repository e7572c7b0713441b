import { existsSync } from 'node:fs';
import type { BenchSuite } from '../harness.js';
import { baselinesSuite } from './baselines.js';
import { transportSuite } from './transport.js';

/**
 * Suites written by other parts of the project, loaded only if their file exists, so the runner
 * works while they are still being written. To register a new one, add a line here: the module
 * (relative to this file, as compiled .js) and the name of the BenchSuite it exports.
 */
const OPTIONAL: readonly { readonly module: string; readonly exportName: string }[] = [
  { module: './store.js', exportName: 'storeSuite' },
  { module: './savina.js', exportName: 'savinaSuite' },
  { module: './pool.js', exportName: 'poolSuite' },
  { module: './recovery.js', exportName: 'recoverySuite' },
  { module: './orchestration.js', exportName: 'orchestrationSuite' },
];

function isSuite(x: unknown): x is BenchSuite {
  const s = x as Partial<BenchSuite> | undefined;
  return typeof s?.name === 'string' && typeof s.run === 'function';
}

async function loadOptional(): Promise<{ loaded: BenchSuite[]; missing: string[] }> {
  const loaded: BenchSuite[] = [];
  const missing: string[] = [];
  for (const { module, exportName } of OPTIONAL) {
    const url = new URL(module, import.meta.url);
    if (!existsSync(url)) {
      missing.push(`${exportName} (bench/suites/${module.replace(/^\.\//, '').replace(/\.js$/, '.ts')} not written yet)`);
      continue;
    }
    // A specifier in a variable: tsc must not resolve a file that may not exist at compile time.
    // An import that exists but fails is a real error and is left to propagate.
    const mod = (await import(url.href)) as Record<string, unknown>;
    const suite = mod[exportName];
    if (!isSuite(suite)) throw new Error(`${module} does not export a BenchSuite named ${exportName}`);
    loaded.push(suite);
  }
  return { loaded, missing };
}

const optional = await loadOptional();

/** Every registered suite, in run order: the raw baselines first, then the Troupe suites. */
export const suites: BenchSuite[] = [baselinesSuite, transportSuite, ...optional.loaded];

/** Optional suites skipped because their file does not exist yet; the runner prints these. */
export const missingSuites: readonly string[] = optional.missing;
