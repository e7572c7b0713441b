import { describe, expect, it } from 'vitest';
import { ChildRuns } from '../../runtime/ChildRuns.js';
import { Registry } from '../../runtime/Registry.js';

/** A reference model: the live numbers and their records, in a Map. */
function check(runs: ChildRuns<string>, model: Map<number, string>, upTo: number): void {
  expect(runs.size).toBe(model.size);
  for (let n = 0; n <= upTo; n++) expect([n, runs.get(n)]).toEqual([n, model.get(n)]);
  expect([...runs]).toEqual([...model].sort((a, b) => a[0] - b[0]));
}

describe('ChildRuns', () => {
  it('keeps a loop of spawns as one run and shortens it from either end', () => {
    const runs = new ChildRuns<string>();
    expect(runs.add(1, 1000, 'a')).toBe(true);
    expect(runs.add(1001, 500, 'a')).toBe(true);
    expect(runs.runs).toBe(1);
    expect(runs.add(1501, 10, 'b')).toBe(true); // another record: a run of its own
    expect(runs.runs).toBe(2);
    expect(runs.get(1500)).toBe('a');
    expect(runs.get(1501)).toBe('b');
    expect(runs.get(0)).toBeUndefined();
    expect(runs.get(1511)).toBeUndefined();
    for (let n = 1510; n >= 1400; n--) expect(runs.delete(n)).toBe(n > 1500 ? 'b' : 'a');
    expect(runs.runs).toBe(1);
    for (let n = 1; n <= 100; n++) runs.delete(n);
    expect(runs.size).toBe(1299);
    expect(runs.runs).toBe(1);
    expect(runs.delete(50)).toBeUndefined(); // gone already
  });

  it('matches a plain map under random adds and removals, and refuses overlapping adds', () => {
    let seed = 7;
    const rnd = (k: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % k; };
    const runs = new ChildRuns<string>();
    const model = new Map<number, string>();
    let next = 1;
    for (let step = 0; step < 3000; step++) {
      if (rnd(3) === 0) {
        const count = 1 + rnd(20);
        const e = rnd(2) === 0 ? 'a' : 'b';
        expect(runs.add(next, count, e)).toBe(true);
        for (let k = 0; k < count; k++) model.set(next + k, e);
        next += count + rnd(2); // sometimes a gap, as numbers skipped by named siblings leave
      } else if (next > 1) {
        const n = 1 + rnd(next - 1);
        expect(runs.delete(n)).toBe(model.get(n));
        model.delete(n);
      }
    }
    check(runs, model, next);
    // An add inside a held range changes nothing.
    const held = [...model.keys()][0]!;
    expect(runs.add(held, 1, 'c')).toBe(false);
    check(runs, model, next);
  });

  it('takes a run into a gap between runs, and refuses one that overlaps a run or its holes', () => {
    const runs = new ChildRuns<string>();
    runs.add(1, 5, 'a');
    runs.add(20, 5, 'a');
    runs.delete(3); // a hole inside [1, 5]
    expect(runs.add(3, 1, 'b')).toBe(false);
    expect(runs.add(10, 5, 'b')).toBe(true);
    expect(runs.add(14, 2, 'b')).toBe(false);
    expect(runs.add(18, 3, 'b')).toBe(false);
    expect(runs.add(15, 5, 'c')).toBe(true); // exactly fills 15..19
    expect([...runs].map(([n, e]) => `${n}${e}`).join(' ')).toBe('1a 2a 4a 5a 10b 11b 12b 13b 14b 15c 16c 17c 18c 19c 20a 21a 22a 23a 24a');
  });

  it('splits a run that is mostly holes, so holes do not pile up', () => {
    const runs = new ChildRuns<string>();
    runs.add(1, 10_000, 'a');
    // Child 1 lives on; every other one stops oldest first: each removal is inside the run.
    for (let n = 2; n < 9_000; n++) runs.delete(n);
    expect(runs.size).toBe(1_002);
    expect(runs.runs).toBe(2); // [1] and [9000, 10000]
    expect(runs.get(1)).toBe('a');
    expect(runs.get(9_000)).toBe('a');
    expect(runs.get(8_999)).toBeUndefined();
  });

  it('deleteWhere drops the runs of one record', () => {
    const runs = new ChildRuns<string>();
    runs.add(1, 5, 'w1');
    runs.add(6, 5, 'w2');
    runs.add(11, 5, 'w1');
    runs.delete(3);
    expect(runs.deleteWhere((e) => e === 'w1')).toBe(9);
    expect(runs.size).toBe(5);
    expect([...runs].map(([n]) => n)).toEqual([6, 7, 8, 9, 10]);
  });
});

describe('Registry: numbered children by runs', () => {
  it('finds, lists, moves and forgets numbered children without an entry each', () => {
    const registry = new Registry(3);
    registry.reportedChildren('p', 1, 100_000, 1, 'm#Idle');
    registry.reportedChildren('p', 100_001, 2, 2, 'm#Idle');
    expect(registry.size).toBe(100_002);
    expect(registry.perWorker).toEqual([0, 100_000, 2]);
    expect(registry.get('p/77')?.worker).toBe(1);
    expect(registry.get('p/100002')?.worker).toBe(2);
    expect(registry.get('p/100003')).toBeUndefined();
    expect(registry.get('p/077')).toBeUndefined(); // not a child number's spelling
    expect(registry.get('q/77')).toBeUndefined();
    expect(registry.get('p/77')?.ref('p/77').id).toBe('p/77');

    registry.goneChild('p', 77);
    expect(registry.has('p/77')).toBe(false);
    expect(registry.delete('p/78')?.worker).toBe(1);
    expect(registry.size).toBe(100_000);
    registry.move('p/79', 2);
    expect(registry.get('p/79')?.worker).toBe(2);
    expect(registry.perWorker).toEqual([0, 99_997, 3]);
    expect(registry.size).toBe(100_000);

    const listed = [...registry].map(([id]) => id);
    expect(listed.length).toBe(100_000);
    expect(listed).toContain('p/79');
    expect(listed).not.toContain('p/77');

    // A repeated report changes nothing.
    registry.reportedChildren('p', 100_001, 2, 2, 'm#Idle');
    expect(registry.size).toBe(100_000);

    expect(registry.dropWorker(1, true)).toEqual([]);
    expect(registry.size).toBe(3);
    expect(registry.perWorker).toEqual([0, 0, 3]);
    expect([...registry].map(([id]) => id).sort()).toEqual(['p/100001', 'p/100002', 'p/79']);
  });

  it('an explicit id of the same spelling is found first, and a removal of an unknown number is ignored', () => {
    const registry = new Registry(2);
    registry.reported('p/5', 1, 'm#A', undefined, 0);
    registry.reportedChildren('p', 1, 4, 1, 'm#B');
    expect(registry.get('p/5')?.behaviour).toBe('m#A');
    expect(registry.get('p/4')?.behaviour).toBe('m#B');
    registry.goneChild('p', 9);
    expect(registry.size).toBe(5);
  });
});
