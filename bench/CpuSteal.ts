import { readFileSync } from 'node:fs';

/**
 * CPU time the hypervisor gave to other tenants (Linux's "steal" in /proc/stat), as a share of all
 * CPU time over an interval. On a shared VM this is what makes one run's figures differ from the
 * next; the harness prints it next to each suite, so a reader can tell a slow phase from a slow
 * change. Ratios are measured within one run and are less affected than absolute figures.
 */
export class CpuSteal {
  private readonly start = readCpuTimes();

  /** Steal as a fraction of CPU time since construction; undefined where /proc/stat is not there. */
  share(): number | undefined {
    const end = readCpuTimes();
    if (this.start === undefined || end === undefined) return undefined;
    const total = end.total - this.start.total;
    return total > 0 ? (end.steal - this.start.steal) / total : 0;
  }
}

function readCpuTimes(): { steal: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (f.length < 8 || f.some((x) => !Number.isFinite(x))) return undefined;
    return { steal: f[7]!, total: f.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}
