import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { createLogger } from '../runtime/logger.js';
import { Store } from '../store/index.js';
import { parseCli } from './cliOptions.js';
import { write } from './output.js';
import { createProgress, type Progress } from './progress.js';
import { readSession, writeSession, type SessionBundle, type StepProgress } from './sessionBundle.js';
import { openExistingStore } from './storeAccess.js';

const RestoreArgs = z.object({
  session: z.string().min(1),
  store: z.string().min(1),
  into: z.string().min(1).optional(),
  out: z.string().min(1).optional(),
  json: z.boolean().optional(),
});

export type RestoreArgs = z.input<typeof RestoreArgs>;

export interface RestoreResult {
  session: string;
  messages: number;
  agents: number;
  snapshots: number;
  pending: number;
  into?: string;
  out?: string;
}

function stepProgress(): { report: StepProgress; done(): void } {
  let current: { step: string; bar: Progress } | undefined;
  return {
    report(step, done, total) {
      if (current?.step !== step) {
        current?.bar.stop();
        current = { step, bar: createProgress({ label: step, total }) };
      }
      current.bar.update(done);
    },
    done() { current?.bar.stop(); current = undefined; },
  };
}

export async function runRestore(input: RestoreArgs, out: NodeJS.WritableStream = process.stdout): Promise<RestoreResult> {
  const a = parseCli(RestoreArgs, input);
  const source = await openExistingStore(a.store);
  let bundle: SessionBundle;
  const reading = stepProgress();
  try {
    bundle = readSession(source, a.session, reading.report);
  } finally {
    reading.done();
    await source.close();
  }
  const result: RestoreResult = {
    session: a.session,
    messages: bundle.history.length,
    agents: bundle.agents.length,
    snapshots: Object.keys(bundle.snapshots).length,
    pending: Object.values(bundle.pending).reduce((n, list) => n + list.length, 0),
  };
  if (a.out !== undefined) {
    result.out = resolve(a.out);
    await writeFile(result.out, JSON.stringify(bundle, null, 2) + '\n');
  }
  if (a.into !== undefined) {
    const target = Store.open({ path: a.into, logger: createLogger({ level: process.env.TROUPE_LOG_LEVEL ?? 'warn' }) });
    result.into = target.path;
    const writing = stepProgress();
    try {
      await writeSession(target, bundle, writing.report);
      await target.flushed;
    } finally {
      writing.done();
      await target.close();
    }
  }
  if (a.json) {
    await write(JSON.stringify(result) + '\n', out);
  } else {
    const what = `${result.messages} messages, ${result.agents} agents, ${result.snapshots} snapshots, ${result.pending} pending messages`;
    const lines = [`session ${result.session}: ${what}`];
    if (result.out !== undefined) lines.push(`written to ${result.out}`);
    if (result.into !== undefined) lines.push(`restored into ${result.into}`);
    if (result.out === undefined && result.into === undefined) lines.push('checked; nothing written (use --into PATH or --out FILE)');
    await write(lines.join('\n') + '\n', out);
  }
  return result;
}
