import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../bench/paths.js';

const ab = fileURLToPath(new URL('../../bench/ab.js', import.meta.url));

describe('bench/ab (two builds in one process)', () => {
  it('runs a benchmark on both sides in pairs, prints the median ratio, and exits by itself', () => {
    const root = projectRoot();
    // The same build on both sides: the ratio is about 1.
    const r = spawnSync(process.execPath, [ab, root, root, 'counting', '200000', '3'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    const m = /counting \(200,000\), 3 pairs: A [\d.]+M\/s, B [\d.]+M\/s, B\/A median ([\d.]+) \(pairs: ([\d. ]+)\)/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    expect(m![2]!.trim().split(' ').length).toBe(3);
    expect(Number(m![1])).toBeGreaterThan(0.05); // loose: a loaded CI machine moves single runs a lot
    expect(Number(m![1])).toBeLessThan(20);
  });

  it('names its arguments when they are missing or wrong', () => {
    const r = spawnSync(process.execPath, [ab, '/nowhere', '/nowhere', 'fibonacci'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage: node dist/bench/ab.js ROOT_A ROOT_B [counting|pingpong|threadring|forkjoin|spawn] [N] [PAIRS]');
  });
});
