import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../store/index.js';
import { createLogger } from '../../index.js';
import { runCli } from './helpers.js';

const COMMANDS: [string, string][] = [
  ['demo', '--duration <seconds>'],
  ['bench', '--html [path]'],
  ['history', '--agent <id>'],
  ['inspect', '--store <path>'],
  ['restore', '--into <path>'],
];

describe('troupe CLI', () => {
  let dir: string;
  let storePath: string;
  let sessionId: string;
  const t0 = Date.UTC(2025, 0, 1, 12, 0, 0);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'troupe-cli-'));
    storePath = join(dir, 'store');
    const store = Store.open({ path: storePath, logger: createLogger({ level: 'silent' }) });
    sessionId = await store.sessions.create({ user: 'ann' });
    await store.history.appendMany([
      { time: t0, sender: 'acme/lead', recipient: 'acme/a1', type: 'job', threadId: 't1', sessionId, payload: { n: 1 } },
      { time: t0 + 1000, sender: 'acme/a1', recipient: 'acme/lead', type: 'result', threadId: 't1', sessionId, payload: { primes: 7 } },
      { time: t0 + 2000, sender: 'acme/lead', recipient: 'acme/a2', type: 'job', threadId: 't2', sessionId, payload: { n: 2 } },
      { time: t0 + 3000, sender: 'other', recipient: 'elsewhere', type: 'job', threadId: 't9', payload: 'not in the session' },
    ]);
    await store.snapshots.save('acme/a1', { state: { jobs: 1 }, seq: 3, behaviour: 'file:///x.js#Analyst' });
    await store.mailboxes.append('acme/a2', { message: 'pending-1' });
    await store.mailboxes.append('acme/a2', { message: 'pending-2' });
    await store.close();
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints --help for the program and every command', async () => {
    const runs = await Promise.all([runCli(['--help']), ...COMMANDS.map(([c]) => runCli([c, '--help']))]);
    expect(runs[0]!.code).toBe(0);
    for (const [c] of COMMANDS) expect(runs[0]!.stdout).toContain(c);
    COMMANDS.forEach(([command, flag], i) => {
      const r = runs[i + 1]!;
      expect({ command, code: r.code, stderr: r.stderr }).toEqual({ command, code: 0, stderr: '' });
      expect(r.stdout).toContain(`Usage: troupe ${command}`);
      expect(r.stdout).toContain(flag);
      expect(r.stdout).toContain('Examples:');
    });
  });

  it('exits 1 with one line naming the path for a missing or foreign store', async () => {
    const missing = join(dir, 'no-such-store');
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'hello');
    const [a, b, c] = await Promise.all([
      runCli(['history', '--store', missing]),
      runCli(['inspect', '--store', foreign]),
      runCli(['restore', 'some-session', '--store', join(foreign, 'notes.txt')]),
    ]);
    expect({ code: a.code, stdout: a.stdout }).toEqual({ code: 1, stdout: '' });
    expect(a.stderr).toBe(`troupe: no Troupe store at ${missing}: the path does not exist\n`);
    expect(b.code).toBe(1);
    expect(b.stderr).toBe(`troupe: ${foreign} is not a Troupe store: it has no data.mdb\n`);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain(`${join(foreign, 'notes.txt')} is not a Troupe store`);
    expect(existsSync(missing)).toBe(false);
  });

  it('history queries by agent, type, time and thread; as a table or JSON', async () => {
    const [byAgent, byThread, table, bad] = await Promise.all([
      runCli(['history', '--store', storePath, '--agent', 'acme/a1', '--json']),
      runCli(['history', '--store', storePath, '--type', 'job', '--thread', 't2', '--json']),
      runCli(['history', '--store', storePath, '--from', new Date(t0 + 500).toISOString(), '--to', String(t0 + 2500), '--order', 'desc']),
      runCli(['history', '--store', storePath, '--from', 'yesterday-ish']),
    ]);
    expect(byAgent.code).toBe(0);
    const records = JSON.parse(byAgent.stdout) as { type: string; time: number }[];
    expect(records.map((r) => [r.type, r.time])).toEqual([['job', t0], ['result', t0 + 1000]]);
    expect((JSON.parse(byThread.stdout) as { recipient: string }[]).map((r) => r.recipient)).toEqual(['acme/a2']);
    expect(table.code).toBe(0);
    const rows = table.stdout.split('\n').filter((l) => l.includes('acme/'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('acme/a2');
    expect(rows[1]).toContain('{"primes":7}');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("invalid --from: 'yesterday-ish' is not a time");
  });

  it('inspect shows sessions, actors, mailbox depths and snapshots', async () => {
    const [json, text] = await Promise.all([runCli(['inspect', '--store', storePath, '--json']), runCli(['inspect', '--store', storePath])]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { sessions: { id: string }[]; mailboxes: unknown[]; snapshots: { actor: string; seq: number }[]; actors: { id: string }[]; historyRecords: number };
    expect(report.sessions.map((s) => s.id)).toEqual([sessionId]);
    expect(report.mailboxes).toEqual([{ actor: 'acme/a2', depth: 2 }]);
    expect(report.snapshots).toMatchObject([{ actor: 'acme/a1', seq: 3, behaviour: 'file:///x.js#Analyst' }]);
    expect(report.actors.map((a) => a.id)).toEqual(['acme/a1', 'acme/a2']);
    expect(report.historyRecords).toBe(4);
    expect(text.stdout).toContain('Sessions (1)');
    expect(text.stdout).toContain('Mailbox depths (1 non-empty)');
    expect(text.stdout).toContain('Analyst');
  });

  it('restore copies a session into another store and into a JSON bundle', async () => {
    const into = join(dir, 'restored');
    const out = join(dir, 'bundle.json');
    const r = await runCli(['restore', sessionId, '--store', storePath, '--into', into, '--out', out, '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) as string });
    expect(JSON.parse(r.stdout)).toMatchObject({ session: sessionId, messages: 3, agents: 3, snapshots: 1, pending: 2 });
    const bundle = JSON.parse(readFileSync(out, 'utf8')) as { format: string; history: unknown[]; session: { data: unknown } };
    expect(bundle.format).toBe('troupe-session/1');
    expect(bundle.session.data).toEqual({ user: 'ann' });
    const [copied, inspect, unknown] = await Promise.all([
      runCli(['history', '--store', into, '--session', sessionId, '--json']),
      runCli(['inspect', '--store', into, '--json']),
      runCli(['restore', 'no-such-session', '--store', storePath]),
    ]);
    expect((JSON.parse(copied.stdout) as unknown[]).length).toBe(3);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ mailboxes: [{ actor: 'acme/a2', depth: 2 }], snapshots: [{ actor: 'acme/a1' }] });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`no session 'no-such-session' in the store at ${storePath}`);
  });

  it('bench --no-run --html writes a self-contained report of a results file', async () => {
    const results = join(dir, 'latest.json');
    const report = join(dir, 'report.html');
    writeFileSync(results, JSON.stringify([
      { suite: 'savina', name: 'ping-pong', metric: 'msgs/s', value: 2.4e6, unit: 'msgs/s', baseline: 'Erlang/OTP', baselineValue: 1.2e6, ratio: 2 },
      { suite: 'savina', name: 'counting', metric: 'msgs/s', value: 8e6, unit: 'msgs/s', baseline: 'Erlang/OTP', baselineValue: 9e6, ratio: 0.889 },
      { suite: 'pool', name: 'cpu <2 workers>', metric: 'tasks/s', value: 30, unit: 'tasks/s', baseline: 'raw piscina', baselineValue: 20, ratio: 1.5 },
    ]));
    const [r, missing] = await Promise.all([
      runCli(['bench', '--no-run', '--results', results, '--html', report]),
      runCli(['bench', '--no-run', '--results', join(dir, 'nope.json'), '--html', report + '.x']),
    ]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const html = readFileSync(report, 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('data-suite="savina"');
    expect(html).toContain('cpu &lt;2 workers&gt;');
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(join(dir, 'nope.json'));
  });
});
