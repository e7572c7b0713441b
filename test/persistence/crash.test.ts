import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('../fixtures/persistence/crashChild.js', import.meta.url));

function runUntilKilled(path: string, killAfterMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, 'run', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let buf = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) if (l.startsWith('ack ')) acked.push(Number(l.slice(4)));
    });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    // Kill only once traffic flows, then at a random moment within the window.
    let timer: NodeJS.Timeout | undefined;
    p.stdout.once('data', () => { timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs); });
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited by itself (code ${code}): ${stderr}`));
      else resolve(acked);
    });
  });
}

function verify(path: string): Promise<{ ids: number[]; history: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, 'verify', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`verify failed (${code}): ${err}`))));
  });
}

describe('crash safety under SIGKILL', () => {
  for (let round = 1; round <= 3; round++) {
    it(`round ${round}: every acknowledged message is processed exactly once after a kill and restore`, async () => {
      const path = mkdtempSync(join(tmpdir(), 'troupe-crash-'));
      try {
        const acked1 = await runUntilKilled(path, 300 + Math.floor(Math.random() * 1500));
        expect(acked1.length).toBeGreaterThan(0);
        // Second life: restore, take more traffic, get killed again.
        const acked2 = await runUntilKilled(path, 300 + Math.floor(Math.random() * 1000));
        const { ids, history } = await verify(path);
        const acked = [...acked1, ...acked2];
        const seen = new Set(ids);
        // Nothing processed twice relative to the restored state...
        expect(seen.size).toBe(ids.length);
        // ...in order...
        for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);
        // ...and nothing acknowledged is missing.
        const missing = acked.filter((n) => !seen.has(n));
        expect(missing).toEqual([]);
        // The history holds each delivered message once (plus the asks for the state).
        expect(history).toBeGreaterThanOrEqual(ids.length);
      } finally {
        rmSync(path, { recursive: true, force: true });
      }
    }, 60_000);
  }
});
