import { z } from 'zod';
import { intArg, parseCli } from './cliOptions.js';
import { runDemo, type DemoSummary } from './demo.js';

const DemoArgs = z.object({
  workers: intArg(1, 64).optional(),
  duration: z.union([z.number(), z.string().trim().regex(/^\d+(\.\d+)?$/, 'must be a number of seconds').transform(Number)]).pipe(z.number().min(1).max(3600)),
  teams: intArg(1, 1000).optional(),
  analysts: intArg(1, 100),
  data: z.union([z.string().min(1), z.literal(false)]),
  serve: z.boolean().optional(),
  port: intArg(0, 65_535),
  host: z.string().min(1),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
});

/** `troupe demo`: validate the flags, run the demo, wind it down on Ctrl-C (twice quits at once). */
export async function runDemoCommand(opts: unknown): Promise<DemoSummary> {
  const a = parseCli(DemoArgs, opts);
  const abort = new AbortController();
  const onSignal = (): void => {
    if (abort.signal.aborted) process.exit(130);
    process.stdout.write('\nstopping… (Ctrl-C again to quit at once)\n');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await runDemo({
      ...(a.workers !== undefined ? { workers: a.workers } : {}),
      ...(a.teams !== undefined ? { teams: a.teams } : {}),
      duration: a.duration,
      analysts: a.analysts,
      data: a.data,
      serve: a.serve ?? false,
      port: a.port,
      host: a.host,
      logLevel: a.logLevel,
    }, { signal: abort.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
