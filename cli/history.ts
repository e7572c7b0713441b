import { z } from 'zod';
import type { HistoryQuery, HistoryRecord } from '../store/index.js';
import { intArg, parseCli, timeArg } from './cliOptions.js';
import { formatTime, preview, StreamingTable, table } from './format.js';
import { write } from './output.js';
import { createProgress } from './progress.js';
import { openExistingStore } from './storeAccess.js';

const HistoryArgs = z.object({
  store: z.string().min(1),
  agent: z.string().min(1).optional(),
  type: z.string().min(1).optional(),
  thread: z.string().min(1).optional(),
  session: z.string().min(1).optional(),
  tenant: z.string().min(1).optional(),
  from: timeArg.optional(),
  to: timeArg.optional(),
  order: z.enum(['asc', 'desc']),
  limit: intArg(1, 10_000_000),
  all: z.boolean().optional(),
  json: z.boolean().optional(),
});

export type HistoryArgs = z.input<typeof HistoryArgs>;

const PAGE = 1000;

/** Print the matching records (a table, or JSON with --json). Exported export: pages through the store. */
export async function runHistory(input: HistoryArgs, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const a = parseCli(HistoryArgs, input);
  const store = await openExistingStore(a.store);
  try {
    const filter: HistoryQuery = { order: a.order };
    if (a.agent !== undefined) filter.agent = a.agent;
    if (a.type !== undefined) filter.type = a.type;
    if (a.thread !== undefined) filter.threadId = a.thread;
    if (a.session !== undefined) filter.sessionId = a.session;
    if (a.tenant !== undefined) filter.tenantId = a.tenant;
    if (a.from !== undefined) filter.from = a.from;
    if (a.to !== undefined) filter.to = a.to;
    const wanted = a.all ? Infinity : a.limit;
    const total = Math.min(wanted, store.history.count(filter));
    const progress = total > PAGE ? createProgress({ label: 'history', total }) : undefined;
    const head = ['time', 'from', 'to', 'type', 'thread', 'session', 'payload'];
    const cells = (r: HistoryRecord): string[] =>
      [formatTime(r.time), r.sender ?? '', r.recipient, r.type, r.threadId ?? '', short(r.sessionId), preview(r.payload)];
    // One page fits cli-table3; a longer listing is written page by page as it is read.
    const streamed = wanted > PAGE ? new StreamingTable(head, [23, 20, 20, 12, 20, 13, 40]) : undefined;
    const rows: HistoryRecord[] = [];
    let written = 0;
    let cursor: string | undefined;
    if (a.json) await write('[', out);
    do {
      const page = store.history.query({ ...filter, limit: Math.min(PAGE, wanted - written), ...(cursor ? { cursor } : {}) });
      for (const r of page.entries) {
        if (a.json) await write(`${written === 0 ? '\n' : ',\n'}${JSON.stringify(r)}`, out);
        else if (streamed === undefined) rows.push(r);
        written++;
      }
      if (streamed !== undefined && !a.json && page.entries.length > 0) await write(streamed.page(page.entries.map(cells)), out);
      progress?.update(written);
      cursor = page.nextCursor;
    } while (cursor !== undefined && written < wanted);
    progress?.stop();
    if (a.json) {
      await write(written === 0 ? ']\n' : '\n]\n', out);
    } else if (written === 0) {
      await write(`no messages match in ${store.path}\n`, out);
    } else {
      await write(streamed !== undefined ? streamed.end() : table(head, rows.map(cells)) + '\n', out);
      if (cursor !== undefined) await write(`(first ${written} shown; --limit N or --all for more)\n`, out);
    }
    return written;
  } finally {
    await store.close();
  }
}

function short(id: string | undefined): string {
  return id === undefined ? '' : id.length > 13 ? `${id.slice(0, 12)}…` : id;
}
