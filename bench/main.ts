#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import type { BenchResult, BenchSuite } from './harness.js';
import { CpuSteal } from './CpuSteal.js';
import { fromRoot } from './paths.js';
import { listedBenchmarks, type RunnerContext } from './select.js';

export const DEFAULT_OUT = 'bench/results/latest.json';

export interface RunBenchOptions {
  /** Smaller parameters: every benchmark, in all, in under a minute. */
  readonly quick?: boolean;
  /** A suite name, a benchmark name, or `suite/benchmark`. */
  readonly only?: string;
  /** Print the JSON array on stdout; everything human-readable goes to stderr instead. */
  readonly json?: boolean;
  /**
   * Where to write the JSON array, relative to the project root (not to dist/) unless absolute.
   * Default `bench/results/latest.json`; `false` writes nothing.
   */
  readonly out?: string | false;
  /** The suites to run instead of the registry in bench/suites/index.ts (tests inject fakes). */
  readonly suites?: readonly BenchSuite[];
  /** `auto`: a bar when stderr is a terminal and CI is unset, plain lines otherwise. */
  readonly progress?: 'auto' | 'bar' | 'lines' | 'none';
  /** Where human-readable output goes; stdout by default (stderr with `json`). */
  readonly log?: NodeJS.WritableStream;
  /** Where `json` output goes; stdout by default. */
  readonly stdout?: NodeJS.WritableStream;
}

export interface SuiteFailure {
  readonly suite: string;
  readonly error: string;
}

export interface BenchRun {
  readonly results: BenchResult[];
  /** Suites that threw, and an `--only` that matched nothing. */
  readonly failures: SuiteFailure[];
  /** Absolute path of the JSON written, if any. */
  readonly outFile?: string;
}

interface Progress {
  suiteStart(suite: BenchSuite, index: number, count: number): void;
  step(step: string, done?: number, total?: number): void;
  suiteEnd(message: string): void;
  close(): void;
}

function lineProgress(log: (line: string) => void): Progress {
  let suite = '';
  let last = '';
  return {
    suiteStart(s, index, count) {
      suite = s.name;
      last = '';
      log(`[${index + 1}/${count}] ${s.name}: ${s.description}`);
    },
    step(step, done, total) {
      // Suites may report every iteration; a log line per change of step is what a CI log can use.
      if (step === last) return;
      last = step;
      log(`  ${suite}: ${step}${done !== undefined && total !== undefined ? ` (${done}/${total})` : ''}`);
    },
    suiteEnd: (message) => log(`  ${message}`),
    close() {},
  };
}

function barProgress(log: (line: string) => void): Progress {
  let bar: cliProgress.SingleBar | undefined;
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
  };
  return {
    suiteStart(s, index, count) {
      stop();
      bar = new cliProgress.SingleBar(
        {
          format: `[${index + 1}/${count}] {suite} |{bar}| {value}/{total} {step}`,
          hideCursor: true,
          clearOnComplete: true,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(1, 0, { suite: s.name, step: 'starting' });
    },
    step(step, done, total) {
      if (!bar) return;
      if (total !== undefined && total > 0) bar.setTotal(total);
      if (done !== undefined) bar.update(done, { step });
      else bar.update({ step });
    },
    suiteEnd(message) {
      stop();
      log(message);
    },
    close: stop,
  };
}

function isFiniteResult(r: BenchResult): boolean {
  return [r.value, r.baselineValue, r.ratio].every((x) => typeof x === 'number' && Number.isFinite(x));
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumSignificantDigits: 4 });
const plain = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });

function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100_000 ? compact.format(x) : plain.format(x);
}

/** The results as a table: suite, name, metric, value, unit, baseline, baselineValue, ratio. */
export function formatTable(results: readonly BenchResult[], color = false): string {
  const table = new Table({
    head: ['suite', 'name', 'metric', 'value', 'unit', 'baseline', 'baselineValue', 'ratio'],
    colAligns: ['left', 'left', 'left', 'right', 'left', 'left', 'right', 'right'],
    style: color ? {} : { head: [], border: [] },
    // No rule between rows: a long run's table stays readable in a terminal and a CI log.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const r of results) {
    table.push([
      r.suite,
      r.name,
      r.metric,
      formatNumber(r.value),
      r.unit,
      r.baseline,
      formatNumber(r.baselineValue),
      r.ratio.toFixed(3),
    ]);
  }
  return table.toString();
}

/**
 * Run the suites and report. Never throws for a failing suite: its error is recorded, the other
 * suites still run, and the results gathered so far are still written.
 */
export async function runBench(options: RunBenchOptions = {}): Promise<BenchRun> {
  const stdout = options.stdout ?? process.stdout;
  const logStream = options.log ?? (options.json ? process.stderr : process.stdout);
  const log = (line: string): void => {
    logStream.write(line + '\n');
  };

  let suites: readonly BenchSuite[];
  if (options.suites) {
    suites = options.suites;
  } else {
    // Loaded lazily so that a caller injecting suites never pays for (or depends on) the registry.
    const registry = await import('./suites/index.js');
    for (const missing of registry.missingSuites) log(`note: skipping ${missing}`);
    suites = registry.suites;
  }

  // --only: a suite name runs that suite whole; `suite/bench` runs that suite told to want one
  // benchmark; anything else is a benchmark name that any suite may produce.
  const only = options.only;
  let selected = suites;
  let benchmark: string | undefined;
  if (only !== undefined) {
    const bySuite = suites.find((s) => s.name === only);
    const slash = only.indexOf('/');
    const prefixSuite = slash > 0 ? suites.find((s) => s.name === only.slice(0, slash)) : undefined;
    if (bySuite) {
      selected = [bySuite];
    } else if (prefixSuite) {
      selected = [prefixSuite];
      benchmark = only.slice(slash + 1);
    } else {
      benchmark = only;
      selected = suites.filter((s) => listedBenchmarks(s)?.includes(only) ?? true);
    }
  }

  const mode = options.progress ?? 'auto';
  const useBar = mode === 'bar' || (mode === 'auto' && process.stderr.isTTY === true && !process.env.CI);
  const progress: Progress =
    mode === 'none'
      ? { suiteStart() {}, step() {}, suiteEnd() {}, close() {} }
      : useBar
        ? barProgress(log)
        : lineProgress(log);

  const results: BenchResult[] = [];
  const failures: SuiteFailure[] = [];
  const quick = options.quick ?? false;
  try {
    for (const [index, suite] of selected.entries()) {
      progress.suiteStart(suite, index, selected.length);
      const ctx: RunnerContext = {
        quick,
        ...(benchmark !== undefined ? { only: benchmark } : {}),
        progress: (step, done, total) => progress.step(step, done, total),
      };
      const t0 = performance.now();
      const steal = new CpuSteal();
      try {
        let got = await suite.run(ctx);
        if (benchmark !== undefined) got = got.filter((r) => r.name === benchmark);
        for (const r of got) {
          if (!isFiniteResult(r)) log(`warning: ${suite.name}/${r.name} has a non-finite figure`);
        }
        results.push(...got);
        const secs = ((performance.now() - t0) / 1000).toFixed(1);
        const stolen = steal.share();
        const noisy = stolen === undefined ? '' : `, CPU steal ${(stolen * 100).toFixed(0)}%${stolen >= 0.05 ? ' (a shared machine in a slow phase: compare ratios, not absolute figures)' : ''}`;
        progress.suiteEnd(`${suite.name}: ${got.length} result${got.length === 1 ? '' : 's'} in ${secs} s${noisy}`);
      } catch (e) {
        const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
        failures.push({ suite: suite.name, error });
        progress.suiteEnd(`${suite.name}: FAILED\n${error}`);
      }
    }
  } finally {
    progress.close();
  }

  if (only !== undefined && results.length === 0 && failures.length === 0) {
    const names = suites.map((s) => s.name).join(', ');
    failures.push({ suite: only, error: `--only ${only}: no suite or benchmark of that name (suites: ${names})` });
    log(`error: ${failures[failures.length - 1]!.error}`);
  }

  if (results.length > 0) log(formatTable(results, logStream === process.stdout && process.stdout.isTTY === true));
  for (const f of failures) log(`failed: ${f.suite}`);

  let outFile: string | undefined;
  const json = JSON.stringify(results, null, 2) + '\n';
  if (options.out !== false) {
    outFile = fromRoot(options.out ?? DEFAULT_OUT);
    await mkdir(dirname(outFile), { recursive: true });
    await writeFile(outFile, json);
    log(`wrote ${results.length} result${results.length === 1 ? '' : 's'} to ${outFile}`);
  }
  if (options.json) stdout.write(json);
  return { results, failures, ...(outFile !== undefined ? { outFile } : {}) };
}

export const USAGE = `usage: node dist/bench/main.js [--quick] [--only NAME] [--json] [--out PATH]

  --quick       smaller parameters: every benchmark, in all, in under a minute
  --only NAME   run one suite (NAME), one benchmark (NAME or SUITE/NAME)
  --json        print the results as a JSON array on stdout (progress and table go to stderr)
  --out PATH    write the JSON array to PATH, relative to the project root
                (default ${DEFAULT_OUT})`;

/** Parse the CLI flags into options; throws on an unknown flag. */
export function parseBenchArgs(argv: readonly string[]): RunBenchOptions & { help: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    quick: values.quick ?? false,
    json: values.json ?? false,
    help: values.help ?? false,
    ...(values.only !== undefined ? { only: values.only } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
  };
}

async function cli(): Promise<void> {
  let options: ReturnType<typeof parseBenchArgs>;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  // A stray rejection in one suite (a worker's late error) would otherwise kill the whole run and
  // lose every figure gathered so far; it is reported and makes the exit code non-zero instead.
  let stray = false;
  process.on('unhandledRejection', (e) => {
    stray = true;
    process.stderr.write(`bench: unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  });
  const run = await runBench(options);
  process.exitCode = run.failures.length > 0 || stray ? 1 : 0;
  // Every baseline terminates its workers; if a suite leaks one the process would hang here
  // forever. Say so and exit instead, after giving a clean shutdown a chance.
  setTimeout(() => {
    process.stderr.write('bench: handles still open 5 s after the run (a suite leaked a worker or timer); exiting\n');
    process.exit(process.exitCode ?? 1);
  }, 5_000).unref();
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isMain()) await cli();
