import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../store/index.js';
import { createLogger } from '../../index.js';
import { StreamingTable } from '../../cli/format.js';
import { runCli } from './helpers.js';

describe('troupe history on a long listing', () => {
  let dir: string;
  let storePath: string;
  const N = 3500;
  const t0 = Date.UTC(2025, 0, 1, 12, 0, 0);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'troupe-history-'));
    storePath = join(dir, 'store');
    const store = Store.open({ path: storePath, logger: createLogger({ level: 'silent' }) });
    await store.history.appendMany(Array.from({ length: N }, (_, i) => ({
      time: t0 + i, sender: i === N - 1 ? 'a-sender-with-a-rather-long-name-that-does-not-fit' : `s${i % 7}`, recipient: `r${i % 5}`, type: 'job', payload: { n: i },
    })));
    await store.close();
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // cli-table3 lays out all rows at once and slows down faster than linearly: --all over 54,000
  // records took more than ten minutes. Pages are now written as they are read.
  it('--all writes every record, oldest first, as one table whose lines all line up', async () => {
    const r = await runCli(['history', '--store', storePath, '--all']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]!.startsWith('┌')).toBe(true);
    expect(lines[1]).toMatch(/^│ time +│ from +│ to +│ type +│ thread +│ session +│ payload +│$/);
    expect(lines.at(-1)!.startsWith('└')).toBe(true);
    const rows = lines.slice(2, -1);
    expect(rows).toHaveLength(N);
    expect(rows.map((l) => Number(/"n":(\d+)/.exec(l)![1]))).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    // A cell wider than its column (set by the first page) is cut, not spilled.
    expect(rows.at(-1)).toContain('a-sender-with-a-rat…');
  }, 60_000);

  it('StreamingTable: widths from the header, minimums and the first page; later long cells are cut', () => {
    const t = new StreamingTable(['id', 'name'], [0, 6]);
    const first = t.page([['1', 'ann']]);
    const second = t.page([['22', 'a-very-long-name']]);
    expect(first + second + t.end()).toBe([
      '┌────┬────────┐',
      '│ id │ name   │',
      '│ 1  │ ann    │',
      '│ 22 │ a-ver… │',
      '└────┴────────┘',
      '',
    ].join('\n'));
    expect(new StreamingTable(['x']).end()).toBe('');
  });
});
