import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fromRoot } from '../paths.js';

const run = promisify(execFile);

/** The benchmarks in bench/erlang/savina.erl. */
export type ErlangBenchName = 'pingpong' | 'counting' | 'threadring' | 'forkjoin' | 'spawn';

export interface ErlangParams {
  /**
   * pingpong: round trips (2 messages each); counting: messages; threadring: hops; forkjoin:
   * messages per actor; spawn: processes.
   */
  readonly n: number;
  /** threadring (default 503) and forkjoin (default 60) only. */
  readonly actors?: number;
  /** Scheduler threads (`+S`); 1 by default, to compare with one thread of Node. */
  readonly schedulers?: number;
  readonly timeoutMs?: number;
  /** Measure again even if this process already has a figure for the same benchmark and sizes. */
  readonly fresh?: boolean;
}

export interface ErlangResult {
  readonly name: ErlangBenchName;
  /** Messages per second (spawns per second for `spawn`). */
  readonly value: number;
  /** Messages (or spawns) in the timed window: pingpong counts 2 per round trip. */
  readonly messages: number;
  readonly elapsedUs: number;
}

const source = (): string => fromRoot('bench/erlang/savina.erl');

let version: Promise<string | undefined> | undefined;

/** The emulator's version, or undefined when `erl` is not on the PATH. `erl +V` does not boot a VM. */
function erlVersion(): Promise<string | undefined> {
  version ??= run('erl', ['+V'], { timeout: 10_000 }).then(
    ({ stdout, stderr }) => (stdout + stderr).trim(),
    () => undefined,
  );
  return version;
}

export async function erlangAvailable(): Promise<boolean> {
  return (await erlVersion()) !== undefined;
}

let compiled: Promise<string> | undefined;

/**
 * Compile savina.erl once per source and emulator version into a tmp dir and reuse the beam across
 * runs: compiling costs more than a quick benchmark. The key covers the emulator because a beam
 * from a newer OTP does not load in an older one.
 */
function beamDir(emulator: string): Promise<string> {
  compiled ??= (async () => {
    const src = source();
    const key = createHash('sha256').update(await readFile(src)).update(emulator).digest('hex').slice(0, 16);
    const dir = join(tmpdir(), 'troupe-bench-erlang', key);
    if (existsSync(join(dir, 'savina.beam'))) return dir;
    // Compile into a private dir and rename it into place, so two concurrent runs never load a
    // half-written beam.
    const staging = `${dir}.${process.pid}.tmp`;
    await mkdir(staging, { recursive: true });
    try {
      const expr = `case compile:file(${JSON.stringify(src)}, [{outdir, ${JSON.stringify(staging)}}, report]) of {ok, _} -> halt(0); _ -> halt(1) end.`;
      await run('erl', ['-noshell', '-eval', expr], { timeout: 60_000 });
      await rename(staging, dir).catch(async (e: NodeJS.ErrnoException) => {
        if (!existsSync(join(dir, 'savina.beam'))) throw e;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return dir;
  })();
  compiled.catch(() => {
    compiled = undefined;
  });
  return compiled;
}

function argsFor(name: ErlangBenchName, p: ErlangParams): string[] {
  const n = String(Math.max(1, Math.round(p.n)));
  switch (name) {
    case 'threadring':
      return [String(p.actors ?? 503), n];
    case 'forkjoin':
      return [String(p.actors ?? 60), n];
    default:
      return [n];
  }
}

/**
 * Run one Savina benchmark on BEAM (`erl +S 1 -noshell`) and return its figure, or undefined when
 * Erlang is not installed, so a suite can fall back to the plain-loop baseline. The timing is taken
 * inside the VM: boot and compile are not in it. The figure is remembered for the rest of the
 * process (see `fresh`).
 */
export function erlangBaseline(name: ErlangBenchName, params: ErlangParams): Promise<ErlangResult | undefined> {
  // Several suites compare against the same Erlang figure (savinaErlangParams); one measurement
  // per run serves them all and keeps a quick run quick. A failed run is not remembered.
  const key = [name, ...argsFor(name, params), params.schedulers ?? 1].join(' ');
  let figure = params.fresh ? undefined : measured.get(key);
  if (figure === undefined) {
    figure = measure(name, params);
    measured.set(key, figure);
    figure.catch(() => measured.delete(key));
  }
  return figure;
}

const measured = new Map<string, Promise<ErlangResult | undefined>>();

async function measure(name: ErlangBenchName, params: ErlangParams): Promise<ErlangResult | undefined> {
  const emulator = await erlVersion();
  if (emulator === undefined) return undefined;
  const dir = await beamDir(emulator);
  const args = [`+S`, String(params.schedulers ?? 1)];
  // The default process limit (262,144) is below what the spawn benchmark keeps alive at once.
  if (name === 'spawn') args.push('+P', String(Math.max(1 << 18, Math.ceil(params.n * 1.1) + 1024)));
  // erlang:halt rather than init:stop, which spends a second in an orderly shutdown.
  args.push('-noshell', '-pa', dir, '-run', 'savina', 'main', name, ...argsFor(name, params), '-s', 'erlang', 'halt');
  const { stdout, stderr } = await run('erl', args, {
    timeout: params.timeoutMs ?? 300_000,
    maxBuffer: 16 << 20,
  }).catch((e: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`erl ${name} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  });
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const r = JSON.parse(line) as { name: string; value: number; messages: number; elapsed_us: number };
    if (r.name === name) return { name, value: r.value, messages: r.messages, elapsedUs: r.elapsed_us };
  }
  throw new Error(`erl ${name} printed no result:\n${stdout}${stderr}`);
}

/**
 * The parameters the figures in reports are quoted for (full) and their quick variants, shared so
 * that a Troupe suite measuring the same benchmark uses the same sizes.
 */
export function savinaErlangParams(quick: boolean): Record<ErlangBenchName, ErlangParams> {
  // Quick sizes keep each Troupe run near 0.1 s or more: shorter ones read mostly JIT warm-up
  // and a shared machine's hiccups (a quick Counting at 1M read 1.6x where full size read 2.1x).
  return quick
    ? {
        pingpong: { n: 300_000 },
        counting: { n: 3_000_000 },
        threadring: { actors: 503, n: 1_000_000 },
        forkjoin: { actors: 60, n: 40_000 },
        spawn: { n: 100_000 },
      }
    : {
        pingpong: { n: 1_000_000 },
        counting: { n: 10_000_000 },
        threadring: { actors: 503, n: 10_000_000 },
        forkjoin: { actors: 60, n: 400_000 },
        spawn: { n: 1_000_000 },
      };
}
