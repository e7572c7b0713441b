import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { result, type BenchContext, type BenchResult, type BenchSuite } from '../../bench/harness.js';
import { parseBenchArgs, runBench } from '../../bench/main.js';
import { wants } from '../../bench/select.js';

/** Collects what the runner prints, so the test output stays clean and can be inspected. */
class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const FIELDS = ['suite', 'name', 'metric', 'value', 'unit', 'baseline', 'baselineValue', 'ratio'];

/** A fake suite: two benchmarks, one where higher is better and one latency where lower is. */
function fakeSuite(name: string, seen: BenchContext[] = []): BenchSuite {
  return {
    name,
    description: `fake suite ${name}`,
    async run(ctx) {
      seen.push(ctx);
      const out: BenchResult[] = [];
      if (wants(ctx, `${name}-throughput`)) {
        ctx.progress(`${name}-throughput`, 0, 2);
        out.push(
          result({
            suite: name,
            name: `${name}-throughput`,
            metric: 'throughput',
            value: ctx.quick ? 300 : 3000,
            unit: 'msgs/s',
            baseline: 'raw',
            baselineValue: ctx.quick ? 200 : 2000,
          }),
        );
      }
      if (wants(ctx, `${name}-latency`)) {
        ctx.progress(`${name}-latency`, 1, 2);
        out.push(
          result(
            { suite: name, name: `${name}-latency`, metric: 'p50', value: 40, unit: 'us', baseline: 'raw', baselineValue: 10 },
            false,
          ),
        );
      }
      ctx.progress('done', 2, 2);
      return out;
    },
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'troupe-bench-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readResults(file: string): Promise<BenchResult[]> {
  return JSON.parse(await readFile(file, 'utf8')) as BenchResult[];
}

describe('runBench', () => {
  it('writes a JSON array of results with every field and the ratio oriented higher-is-better', async () => {
    const out = join(dir, 'nested', 'all.json');
    const log = new Sink();
    const run = await runBench({ suites: [fakeSuite('alpha'), fakeSuite('beta')], out, quick: true, progress: 'lines', log });
    expect(run.failures).toEqual([]);
    expect(run.outFile).toBe(out);

    const written = await readResults(out);
    expect(written).toEqual(run.results);
    expect(written.map((r) => r.name)).toEqual(['alpha-throughput', 'alpha-latency', 'beta-throughput', 'beta-latency']);
    for (const r of written) {
      expect(Object.keys(r).sort()).toEqual([...FIELDS].sort());
      for (const k of ['value', 'baselineValue', 'ratio'] as const) expect(Number.isFinite(r[k])).toBe(true);
    }
    const alpha = written.find((r) => r.name === 'alpha-throughput')!;
    expect(alpha).toMatchObject({ suite: 'alpha', value: 300, baselineValue: 200, ratio: 1.5 });
    // Latency: lower is better, so the ratio is baseline/value.
    expect(written.find((r) => r.name === 'alpha-latency')!.ratio).toBe(0.25);

    // Plain progress lines (not a TTY) and the table with all columns.
    expect(log.text).toContain('alpha: alpha-throughput (0/2)');
    for (const col of FIELDS) expect(log.text).toContain(col);
    expect(log.text).toContain('1.500');
  });

  it('--only SUITE runs just that suite', async () => {
    const out = join(dir, 'suite.json');
    const seenA: BenchContext[] = [];
    const seenB: BenchContext[] = [];
    const run = await runBench({
      ...parseBenchArgs(['--only', 'beta', '--out', out]),
      suites: [fakeSuite('alpha', seenA), fakeSuite('beta', seenB)],
      progress: 'none',
      log: new Sink(),
    });
    expect(seenA).toHaveLength(0);
    expect(seenB).toHaveLength(1);
    expect((await readResults(out)).map((r) => r.name)).toEqual(['beta-throughput', 'beta-latency']);
    expect(run.failures).toEqual([]);
  });

  it('--only BENCHMARK keeps one benchmark, and tells suites which so they can skip the rest', async () => {
    const out = join(dir, 'bench.json');
    const run = await runBench({
      ...parseBenchArgs(['--only=alpha-latency', `--out=${out}`]),
      suites: [fakeSuite('alpha'), fakeSuite('beta')],
      progress: 'none',
      log: new Sink(),
    });
    expect((await readResults(out)).map((r) => `${r.suite}/${r.name}`)).toEqual(['alpha/alpha-latency']);
    expect(run.results).toHaveLength(1);

    const viaSlash = await runBench({
      only: 'beta/beta-throughput',
      suites: [fakeSuite('alpha'), fakeSuite('beta')],
      out: false,
      progress: 'none',
      log: new Sink(),
    });
    expect(viaSlash.results.map((r) => r.name)).toEqual(['beta-throughput']);
  });

  it('--only BENCHMARK does not start a suite whose listed benchmarks lack it', async () => {
    const seen: BenchContext[] = [];
    const listed = { ...fakeSuite('listed', seen), benchmarks: ['listed-throughput', 'listed-latency'] };
    const run = await runBench({
      only: 'alpha-latency',
      suites: [listed, fakeSuite('alpha')],
      out: false,
      progress: 'none',
      log: new Sink(),
    });
    expect(seen).toHaveLength(0);
    expect(run.results.map((r) => r.name)).toEqual(['alpha-latency']);
  });

  it('--only with an unknown name fails instead of writing an empty success', async () => {
    const run = await runBench({ only: 'nope', suites: [fakeSuite('alpha')], out: false, progress: 'none', log: new Sink() });
    expect(run.results).toEqual([]);
    expect(run.failures).toHaveLength(1);
  });

  it('records a throwing suite as a failure and still writes the others', async () => {
    const out = join(dir, 'partial.json');
    const broken: BenchSuite = {
      name: 'broken',
      description: 'throws',
      run: () => Promise.reject(new Error('boom')),
    };
    const run = await runBench({ suites: [broken, fakeSuite('alpha')], out, progress: 'none', log: new Sink() });
    expect(run.failures.map((f) => f.suite)).toEqual(['broken']);
    expect(run.failures[0]!.error).toContain('boom');
    expect(await readResults(out)).toHaveLength(2);
  });

  it('--json prints the array on stdout and keeps the log off it', async () => {
    const stdout = new Sink();
    const log = new Sink();
    await runBench({ ...parseBenchArgs(['--json']), out: false, suites: [fakeSuite('alpha')], progress: 'lines', stdout, log });
    const printed = JSON.parse(stdout.text) as BenchResult[];
    expect(printed.map((r) => r.name)).toEqual(['alpha-throughput', 'alpha-latency']);
    expect(printed[0]!.value).toBe(3000);
    expect(log.text).toContain('alpha');
  });

  it('rejects unknown flags', () => {
    expect(() => parseBenchArgs(['--fast'])).toThrow();
  });
});
