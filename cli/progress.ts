import cliProgress from 'cli-progress';

/** Progress of one long piece of work: a bar on a terminal, a plain line now and then otherwise. */
export interface Progress {
  update(done: number, detail?: string): void;
  setTotal(total: number): void;
  /** Finish: the bar is replaced by `line` (when given), or `line` is printed. */
  stop(line?: string): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  /** Where the progress goes (stderr by default: stdout stays clean for data). */
  stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Force a mode; by default a bar when stdout is a terminal and CI is unset. */
  mode?: 'bar' | 'lines' | 'none';
  /** Plain-line mode prints at most one line per this many ms (and always the last). */
  lineEveryMs?: number;
}

/** Whether a person is watching: stdout is a terminal and this is not CI. */
export function interactive(): boolean {
  return process.stdout.isTTY === true && !process.env.CI;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const mode = options.mode ?? (interactive() ? 'bar' : 'lines');
  if (mode === 'none') return { update() {}, setTotal() {}, stop() {} };
  return mode === 'bar' ? barProgress(options, stream) : lineProgress(options, stream);
}

function barProgress(options: ProgressOptions, stream: NodeJS.WritableStream): Progress {
  const bar = new cliProgress.SingleBar(
    {
      format: `${options.label} |{bar}| {percentage}% {value}/{total} {detail}`,
      hideCursor: true,
      clearOnComplete: true,
      stream: stream as NodeJS.WritableStream & { isTTY?: boolean },
      etaBuffer: 20,
      barsize: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(1, options.total), 0, { detail: '' });
  let stopped = false;
  return {
    update: (done, detail) => bar.update(done, { detail: detail ?? '' }),
    setTotal: (total) => bar.setTotal(Math.max(1, total)),
    stop(line) {
      if (stopped) return;
      stopped = true;
      bar.stop();
      if (line !== undefined) stream.write(line + '\n');
    },
  };
}

function lineProgress(options: ProgressOptions, stream: NodeJS.WritableStream): Progress {
  let total = options.total;
  let last = 0;
  let lastDone = -1;
  let stopped = false;
  const every = options.lineEveryMs ?? 1000;
  const write = (done: number, detail?: string): void => {
    lastDone = done;
    last = Date.now();
    stream.write(`${options.label}: ${done}/${total}${detail ? ` ${detail}` : ''}\n`);
  };
  return {
    update(done, detail) {
      if (Date.now() - last >= every || (done >= total && lastDone !== done)) write(done, detail);
    },
    setTotal(t) {
      total = t;
    },
    stop(line) {
      if (stopped) return;
      stopped = true;
      if (line !== undefined) stream.write(line + '\n');
    },
  };
}
