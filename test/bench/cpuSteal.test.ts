import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CpuSteal } from '../../bench/CpuSteal.js';

describe('CpuSteal (printed next to each bench suite)', () => {
  it('is a share of CPU time between 0 and 1 where /proc/stat exists, undefined elsewhere', () => {
    const steal = new CpuSteal();
    const until = Date.now() + 30;
    while (Date.now() < until) { /* let the kernel's counters move */ }
    const share = steal.share();
    if (existsSync('/proc/stat')) {
      expect(typeof share).toBe('number');
      expect(share).toBeGreaterThanOrEqual(0);
      expect(share).toBeLessThanOrEqual(1);
    } else {
      expect(share).toBeUndefined();
    }
  });
});
