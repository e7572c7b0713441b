import { describe, expect, it } from 'vitest';
import type { ActorRef, ActorSystem } from '../../index.js';
import { Brood, SlowKid, type BroodMsg, type KidWhere } from '../fixtures/runtime/children.js';
import { Children } from '../../runtime/Children.js';
import { CellIndex } from '../../runtime/node/CellIndex.js';
import { Registry } from '../../runtime/Registry.js';
import { ActorCell } from '../../runtime/ActorCell.js';
import { ActorRef as Ref } from '../../runtime/ActorRef.js';
import { childId, childNumberAt } from '../../runtime/ChildId.js';
import { hashChildId, hashId, workerForId } from '../../runtime/Placement.js';
import { collectDeadLetters, collectTopic, eventually, withSystem } from './helpers.js';

/*
 * A numbered child spawned on its parent's thread has no id string and no map entry of its own:
 * it is found through its parent (runtime/Children.ts, runtime/node/CellIndex.ts). These tests pin
 * down that it is still an ordinary actor to everyone else.
 */

const where = (r: ActorRef): Promise<KidWhere> => r.ask<KidWhere>('where', { timeoutMs: 3000 });

describe('numbered children on the parent\'s thread', () => {
  it('have ids parent/1..n and are reachable by ref, by id from the main thread and from another worker', async () => {
    await withSystem(async (system) => {
      const brood = await system.spawn(Brood, { id: 'brood', placement: { worker: 1 } });
      const kids = await brood.ask<ActorRef[]>({ type: 'spawn', count: 500 } satisfies BroodMsg);
      const ids = Array.from({ length: 500 }, (_, i) => `brood/${i + 1}`);
      expect(kids.map((k) => k.id)).toEqual(ids);
      const answers = await Promise.all(kids.map(where));
      expect(answers.map((a) => a.id)).toEqual(ids);
      expect(answers.every((a) => a.worker === 1 && a.parent === 'brood')).toBe(true);

      // By id: the main thread's registry, and a send from an actor on the other worker.
      await eventually(() => ids.filter((id) => system.exists(id)).length, (n) => n === 500, 2000);
      expect(system.list().filter((i) => i.parent === 'brood').length).toBe(500);
      expect((await where(system.lookup('brood/250')!)).id).toBe('brood/250');
      const other = await system.spawn(Brood, { id: 'other', placement: { worker: 2 } });
      const [remoteKid] = await other.ask<ActorRef[]>({ type: 'spawn', count: 1 } satisfies BroodMsg);
      expect((await where(remoteKid!)).worker).toBe(2);
      system.tell('brood/7', 'hello from main');
      const wire = system.lookup('brood/8')!;
      await other.ask({ type: 'tell', index: 0, message: 'x' } satisfies BroodMsg);
      // A ref that crossed threads (in a message) and came back still reaches the same actor.
      expect(await kids[7]!.ask('dump')).toEqual([]);
      await eventually(() => kids[6]!.ask<unknown[]>('dump'), (g) => g.length === 1, 2000);
      expect(await kids[6]!.ask('dump')).toEqual(['hello from main']);
      expect((await where(wire)).id).toBe('brood/8');

      const stats = await system.stats();
      expect(stats.find((s) => s.worker === 1)!.actors).toBeGreaterThanOrEqual(501);
    });
  });

  it('placed by hash (the default), land where workerForId puts their written-out ids', async () => {
    await withSystem(async (system) => {
      const brood = await system.spawn(Brood, { id: 'h', placement: { worker: 1 } });
      const kids = await brood.ask<ActorRef[]>({ type: 'spawn', count: 60, placement: 'hash' } satisfies BroodMsg);
      const answers = await eventually(() => Promise.all(kids.map((k) => where(k).catch(() => undefined))), (a) => a.every((x) => x !== undefined), 3000);
      expect(answers.map((a) => a?.id)).toEqual(kids.map((_, i) => `h/${i + 1}`));
      expect(answers.map((a) => a?.worker)).toEqual(kids.map((_, i) => workerForId(`h/${i + 1}`, 2)));
      // Both workers got some: the hash spreads them.
      expect(new Set(answers.map((a) => a?.worker)).size).toBe(2);
    });
  });

  it('are in the registry as soon as their parent has answered with them, wherever they were placed', async () => {
    await withSystem(async (system) => {
      const brood = await system.spawn(Brood, { id: 'reg', placement: { worker: 1 } });
      for (const placement of ['local', { worker: 2 }, 'hash'] as const) {
        const kids = await brood.ask<ActorRef[]>({ type: 'spawn', names: [`named-${typeof placement === 'string' ? placement : 'w2'}`], count: 3, placement } satisfies BroodMsg);
        expect(kids.map((k) => system.exists(k.id))).toEqual([true, true, true, true]);
      }
    });
  });

  it('never take an id held by a named sibling or by an actor spawned with an explicit id', async () => {
    await withSystem(async (system) => {
      await system.spawn(Brood, { id: 'b/2', placement: { worker: 1 } });
      const b = await system.spawn(Brood, { id: 'b', placement: { worker: 1 } });
      const kids = await b.ask<ActorRef[]>({ type: 'spawn', names: ['3'], count: 2 } satisfies BroodMsg);
      expect(kids.map((k) => k.id)).toEqual(['b/3', 'b/4', 'b/5']);
      const answers = await Promise.all(kids.map(where));
      expect(answers.map((a) => a.parent)).toEqual(['b', 'b', 'b']);
      // 'b/2' is still the top-level actor, not a child of 'b'.
      expect(system.list().find((i) => i.id === 'b/2')?.parent).toBeUndefined();
      const err = await b.ask({ type: 'spawn', names: ['4'], count: 0 } satisfies BroodMsg).then(() => undefined, (e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect(String((err as Error).message)).toMatch(/already has a child named '4'/);
    });
  });

  it('stop newest first when the parent stops, and a stopped child\'s messages become dead letters', async () => {
    await withSystem(async (system) => {
      const stopped = collectTopic(system, 'kids-stopped');
      const brood = await system.spawn(Brood, { id: 'p', placement: { worker: 1 } });
      const kids = await brood.ask<ActorRef[]>({ type: 'spawn', count: 5, topic: 'kids-stopped' } satisfies BroodMsg);
      await brood.ask({ type: 'stop', index: 1 } satisfies BroodMsg);
      await eventually(() => stopped.items.length, (n) => n === 1, 2000);
      expect(stopped.items.map((i) => i.message)).toEqual(['p/2']);

      const dead = collectDeadLetters(system);
      kids[1]!.tell('too late');
      await brood.ask({ type: 'tell', index: 1, message: 'too late from the parent\'s thread' } satisfies BroodMsg);
      await eventually(() => dead.letters.length, (n) => n >= 2, 2000);
      expect(dead.letters.map((l) => [l.target, l.message]).sort()).toEqual([['p/2', 'too late'], ['p/2', 'too late from the parent\'s thread']]);
      expect(() => system.tell('p/2', 'by id')).toThrow(/no actor named 'p\/2' is registered/);
      expect((await where(kids[2]!)).id).toBe('p/3');

      await system.stopActor(brood);
      await eventually(() => stopped.items.length, (n) => n === 5, 2000);
      expect(stopped.items.map((i) => i.message)).toEqual(['p/2', 'p/5', 'p/4', 'p/3', 'p/1']);
      await eventually(() => system.list().length, (n) => n === 0, 2000);
      expect(system.list().map((i) => i.id)).toEqual([]);
      stopped.off();
      dead.stop();
    });
  });

  it('a restarted parent does not hand its old children\'s numbers out again', async () => {
    await withSystem(async (system) => {
      const brood = await system.spawn(Brood, { id: 'r', placement: { worker: 1 } });
      const before = await brood.ask<ActorRef[]>({ type: 'spawn', count: 3 } satisfies BroodMsg);
      brood.tell({ type: 'crash' });
      // The restart stops the old incarnation's children.
      await eventually(() => before.filter((k) => system.exists(k.id)).length, (n) => n === 0, 3000);
      const after = await brood.ask<ActorRef[]>({ type: 'spawn', count: 2 } satisfies BroodMsg);
      expect(after.map((k) => k.id)).toEqual(['r/4', 'r/5']);
      expect((await Promise.all(after.map(where))).map((a) => a.id)).toEqual(['r/4', 'r/5']);
    });
  });

  it('a named child on another worker that stops late does not take its successor with it', async () => {
    await withSystem(async (system) => {
      const brood = await system.spawn(Brood, { id: 'n', placement: { worker: 1 } });
      await brood.ask({ type: 'spawn', names: ['x'], count: 0, placement: { worker: 2 } } satisfies BroodMsg);
      await eventually(() => system.exists('n/x'), (e) => e, 2000);
      // The restart stops the old 'n/x'; the new 'n/x' is asked for before that stop is reported back.
      brood.tell({ type: 'crash' });
      const [fresh] = await brood.ask<ActorRef[]>({ type: 'spawn', names: ['x'], count: 0, placement: { worker: 2 } } satisfies BroodMsg);
      const seen = await eventually(() => where(fresh!).catch(() => undefined), (w) => w !== undefined, 3000);
      expect(seen).toEqual({ id: 'n/x', worker: 2, parent: 'n' });
      await new Promise((r) => setTimeout(r, 100)); // the old child's stop has come back by now
      // The registry has the new one: the old one's removal, reported later, names its own slot.
      expect(system.list().find((i) => i.id === 'n/x')?.parent).toBe('n');
      await system.stopActor(brood);
      const probe = (): Promise<string> => fresh!.ask('where', { timeoutMs: 1000 }).then(() => 'alive', (e: Error) => e.name);
      expect(await eventually(probe, (r) => r !== 'alive', 3000)).toBe('ActorNotFoundError');
      // The parent still knew its new child, so stopping the parent stopped it.
      await eventually(() => system.list().length, (n) => n === 0, 3000);
      expect(system.list().map((i) => i.id)).toEqual([]);
    });
  });

  it('a named child still in its async postStop is replaced at once after its parent restarts, here or on another worker', async () => {
    await withSystem(async (system) => {
      for (const placement of ['local', { worker: 2 }] as const) {
        const brood = await system.spawn(Brood, { id: 'slow', placement: { worker: 1 } });
        await brood.ask({ type: 'spawn', names: ['x'], count: 0, placement, slowStopMs: 300 } satisfies BroodMsg);
        await eventually(() => system.exists('slow/x'), (e) => e, 2000);
        // The restart stops the old 'x', whose postStop then takes 300 ms; the new 'x' is spawned
        // meanwhile (it used to fail: "an actor with id 'slow/x' already runs").
        brood.tell({ type: 'crash' });
        const [fresh] = await brood.ask<ActorRef[]>({ type: 'spawn', names: ['x'], count: 0, placement, slowStopMs: 10 } satisfies BroodMsg);
        const seen = await eventually(() => where(fresh!).catch(() => undefined), (w) => w !== undefined, 3000);
        expect([placement, seen]).toEqual([placement, { id: 'slow/x', worker: placement === 'local' ? 1 : 2, parent: 'slow' }]);
        await new Promise((r) => setTimeout(r, 450)); // the old child has finished stopping
        // Its end took neither the new child's registry entry nor its place among the parent's children.
        expect([placement, system.exists('slow/x')]).toEqual([placement, true]);
        expect((await where(system.lookup('slow/x')!)).parent).toBe('slow');
        await system.stopActor(brood);
        await eventually(() => system.list().length, (n) => n === 0, 3000);
        expect([placement, system.list().map((i) => i.id)]).toEqual([placement, []]);
      }
    });
  });

  it('a second stop of an actor in its async postStop resolves when the actor has stopped, not before', async () => {
    await withSystem(async (system) => {
      const slow = await system.spawn(SlowKid, { id: 'slow-stop', placement: { worker: 1 }, args: 300 });
      const t0 = performance.now();
      const first = system.stopActor(slow);
      await new Promise((r) => setTimeout(r, 50));
      await system.stopActor(slow);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
      await first;
      await eventually(() => system.exists('slow-stop'), (e) => !e, 2000);
    });
  });

  it('a numbered child that migrates stays reachable by its old ref and by id, and still stops with its parent', async () => {
    await withSystem(async (system) => {
      const brood = await system.spawn(Brood, { id: 'm', placement: { worker: 1 } });
      const kids = await brood.ask<ActorRef[]>({ type: 'spawn', count: 3 } satisfies BroodMsg);
      kids[1]!.tell('before');
      await system.migrate(kids[1]!, 2);
      kids[1]!.tell('after');
      await brood.ask({ type: 'tell', index: 1, message: 'from parent' } satisfies BroodMsg);
      expect(await where(kids[1]!)).toEqual({ id: 'm/2', worker: 2, parent: 'm' });
      expect((await where(system.lookup('m/2')!)).worker).toBe(2);
      expect(await kids[1]!.ask('dump')).toEqual(['before', 'after', 'from parent']);
      // And back: two hops, and the parent's stop still finds it.
      await system.migrate(kids[1]!, 1);
      expect((await where(kids[1]!)).worker).toBe(1);
      // The parent can stop a child that has moved (its ref's cell is the one it left behind).
      await system.migrate(kids[2]!, 2);
      expect(await brood.ask({ type: 'stop', index: 2 } satisfies BroodMsg)).toBe('ok');
      await eventually(() => system.exists('m/3'), (e) => !e, 2000);
      await system.stopActor(brood);
      await eventually(() => system.list().length, (n) => n === 0, 3000);
      expect(system.list().map((i) => i.id)).toEqual([]);
    });
  });

  it('get broadcasts like any actor', async () => {
    await withSystem(async (system) => {
      const brood = await system.spawn(Brood, { id: 'bc', placement: { worker: 1 } });
      const kids = await brood.ask<ActorRef[]>({ type: 'spawn', count: 20 } satisfies BroodMsg);
      system.broadcast({ note: 'all' }, { except: 'bc/3' });
      const got = await eventually(() => Promise.all(kids.map((k) => k.ask<unknown[]>('dump'))), (g) => g.filter((x) => x.length === 1).length === 19, 2000);
      expect(got.map((g) => g.length)).toEqual(kids.map((_, i) => (i === 2 ? 0 : 1)));
    });
  });
});

describe('child numbers and ids', () => {
  it('hashChildId is hashId of the written-out id, so placement by hash needs no string', () => {
    for (const parent of ['', 'a', '$root/driver', 'brood/17', 'ünïcode']) {
      for (const n of [1, 2, 9, 10, 11, 99, 100, 101, 999_999, 1_000_000, 123_456_789, 2 ** 40 + 3]) {
        expect(hashChildId(hashId(parent), n)).toBe(hashId(`${parent}/${n}`));
      }
    }
  });

  it('childNumberAt reads a positive decimal child number and nothing else', () => {
    const at = (id: string): number => childNumberAt(id, id.lastIndexOf('/') + 1);
    expect([at('p/1'), at('p/42'), at('a/b/1000000')]).toEqual([1, 42, 1_000_000]);
    expect([at('p/0'), at('p/01'), at('p/1a'), at('p/'), at('p/-1'), at('p/1.5'), at('p/x')]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(childId('p', 7)).toBe('p/7');
  });

  it('Children.forgetNode forgets every child of a dead node, however many (removing compacts the list)', () => {
    const kids = new Children({ id: 'o' } as ActorCell);
    for (let i = 0; i < 300; i++) {
      const n = kids.nextNumber();
      kids.add(n, new Ref(`o/${n}`, i < 250 ? 2 : 1, 'B'));
    }
    kids.forgetNode(2);
    expect(kids.size).toBe(50);
    expect(kids.takeAll().map((c) => (c as Ref).id)).toEqual(Array.from({ length: 50 }, (_, i) => `o/${300 - i}`));
  });

  it('CellIndex: only ids that could be a numbered child of another parent make spawning check', () => {
    const index = new CellIndex();
    const cell = (id: string, parent?: string): ActorCell => ({ id, childNumber: 0, parent: parent === undefined ? undefined : new Ref(parent, 1, 'B') }) as unknown as ActorCell;
    index.add(cell('p/3', 'p')); // p's own child, placed here by hash
    index.add(cell('q/x', 'q'));
    expect(index.hasNumberLikeIds).toBe(false);
    const topLevel = cell('a/1');
    index.add(topLevel); // an explicit id that looks like a's first numbered child
    expect(index.hasNumberLikeIds).toBe(true);
    index.delete(topLevel);
    expect(index.hasNumberLikeIds).toBe(false);
    expect(index.get('p/3')?.id).toBe('p/3');
    expect(index.size).toBe(2);
  });

  it('Children spanning many chunks: finds by number across chunk edges, drops chunks that emptied, keeps order and gaps', () => {
    const kids = new Children({ id: 'o' } as ActorCell);
    const cell = (n: number): ActorCell => ({ childNumber: n, id: `o/${n}`, ref: new Ref(`o/${n}`, 1, 'B') }) as unknown as ActorCell;
    const byNumber = new Map<number, ActorCell>();
    for (let i = 0; i < 5000; i++) {
      const n = kids.nextNumber();
      // Every 700th number is taken by a spawn that failed: a gap in the list.
      if (n % 700 === 0) continue;
      const c = cell(n);
      byNumber.set(n, c);
      kids.add(n, c);
    }
    expect(kids.size).toBe(byNumber.size);
    for (const n of [1, 1023, 1024, 1025, 2048, 4999]) expect(kids.at(n)).toBe(byNumber.get(n));
    expect(kids.at(700)).toBeUndefined();
    // Oldest first, past three chunk edges: the emptied chunks go, the numbers stay where they were.
    for (let n = 1; n <= 3500; n++) if (byNumber.has(n)) { kids.remove(byNumber.get(n)!); byNumber.delete(n); }
    expect(kids.size).toBe(byNumber.size);
    expect(kids.at(3500)).toBeUndefined();
    for (const n of [3501, 4095, 4096, 4097, 5000]) expect(kids.at(n)).toBe(byNumber.get(n));
    expect(kids.numberOf('o/4097')).toBe(4097);
    // One from the middle, then a replacement by ref (the child moved to another thread).
    kids.remove(byNumber.get(4500)!);
    byNumber.delete(4500);
    const moved = new Ref('o/4501', 2, 'B');
    kids.replace(4501, moved);
    expect(kids.at(4501)).toBe(moved);
    const later = cell(kids.nextNumber());
    kids.add(later.childNumber, later);
    expect(kids.at(5001)).toBe(later);
    kids.forgetNode(2);
    const all = kids.takeAll();
    expect(all.map((c) => c.id)).toEqual([...byNumber.keys()].filter((n) => n !== 4501).concat(5001).reverse().map((n) => `o/${n}`));
    expect(kids.size).toBe(0);
    expect(kids.at(4000)).toBeUndefined();
  });

  it('Children.cells visits every child even when children stop (and chunks empty) during the loop', () => {
    const kids = new Children({ id: 'o' } as ActorCell);
    // Cells as the list sees them (a numbered cell answers its number from its key).
    const cells = Array.from({ length: 3000 }, (_, i) => Object.assign(Object.create(ActorCell.prototype) as object, { key: i + 1 }) as unknown as ActorCell);
    for (const c of cells) kids.add(kids.nextNumber(), c);
    const visited: number[] = [];
    for (const c of kids.cells()) {
      visited.push(c.childNumber);
      kids.remove(c); // oldest first: every 1,024th removal empties a chunk
    }
    expect(visited).toEqual(cells.map((c) => c.childNumber));
    expect(kids.size).toBe(0);
  });

  it('Children keeps spawn order, finds by number and id, and trims the window it no longer needs', () => {
    const owner = { id: 'o' } as ActorCell;
    const kids = new Children(owner);
    const cell = (n: number): ActorCell => ({ childNumber: n, id: `o/${n}`, ref: new Ref(`o/${n}`, 1, 'B') }) as unknown as ActorCell;
    const cells: ActorCell[] = [];
    for (let i = 0; i < 1000; i++) {
      const n = kids.nextNumber();
      cells.push(cell(n));
      kids.add(n, cells[i]!);
    }
    const named = new Ref('o/x', 2, 'B');
    kids.add(kids.nextNumber(), named, 'o/x');
    expect(kids.size).toBe(1001);
    expect(kids.numberOf('o/500')).toBe(500);
    expect(kids.numberOf('o/x')).toBe(1001);
    expect(kids.numberOf('o/1001')).toBe(0); // number 1001 is the named child, whose id is 'o/x'
    expect(kids.numberOf('q/5')).toBe(0);
    for (let i = 0; i < 900; i++) kids.remove(cells[i]!);
    expect(kids.size).toBe(101);
    expect(kids.at(1)).toBeUndefined();
    expect(kids.at(950)).toBe(cells[949]);
    kids.forgetNode(2);
    expect(kids.has('o/x')).toBe(false);
    const refs = kids.takeAll();
    expect(refs.map((r) => r.id)).toEqual(cells.slice(900).reverse().map((c) => c.id));
    expect(kids.size).toBe(0);
    expect(kids.nextNumber()).toBe(1002);
  });
});

describe('the main registry hears numbered children by runs', () => {
  const alive = (system: ActorSystem, parent: string): number[] =>
    system.list().filter((i) => i.parent === parent).map((i) => Number(i.id.slice(parent.length + 1))).sort((a, b) => a - b);

  it('agrees with what is alive after spawns and stops in every order within one turn', async () => {
    await withSystem(async (system) => {
      const brood = await system.spawn(Brood, { id: 'runs', placement: { worker: 1 } });
      // The last child stops, a child of another behaviour takes the next number and stops: its
      // stop must not be merged into an earlier run of stops ahead of its own registration.
      await brood.ask({ type: 'script', steps: [{ spawn: 10 }, { stop: [10] }, { spawn: 1, quiet: true }, { stop: [11] }] } satisfies BroodMsg);
      await eventually(() => alive(system, 'runs'), (a) => a.length === 9, 2000);
      expect(alive(system, 'runs')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      // Stops newest first, oldest first, and one alone.
      await brood.ask({ type: 'script', steps: [{ stop: [9, 8, 7] }, { stop: [1, 2, 3] }, { stop: [5] }, { spawn: 3 }, { stop: [13, 12] }] } satisfies BroodMsg);
      await eventually(() => alive(system, 'runs'), (a) => a.length === 3, 2000);
      expect(alive(system, 'runs')).toEqual([4, 6, 14]);
      expect(system.exists('runs/14')).toBe(true);
      expect(system.exists('runs/13')).toBe(false);
      expect(system.lookup('runs/6')?.id).toBe('runs/6');
    });
  });

  it('one child per turn: each turn\'s report goes out on its own and none is lost', async () => {
    await withSystem(async (system) => {
      const brood = await system.spawn(Brood, { id: 'turns', placement: { worker: 1 } });
      for (let i = 0; i < 5; i++) await brood.ask({ type: 'script', steps: [{ spawn: 1 }] } satisfies BroodMsg);
      await eventually(() => alive(system, 'turns').length, (n) => n === 5, 2000);
      expect(alive(system, 'turns')).toEqual([1, 2, 3, 4, 5]);
      for (let i = 5; i >= 1; i -= 2) await brood.ask({ type: 'script', steps: [{ stop: [i] }] } satisfies BroodMsg);
      await eventually(() => alive(system, 'turns').length, (n) => n === 2, 2000);
      expect(alive(system, 'turns')).toEqual([2, 4]);
    });
  });

  it('a turn with more records than one batch holds (every child a record of its own)', async () => {
    await withSystem(async (system) => {
      const brood = await system.spawn(Brood, { id: 'many', placement: { worker: 1 } });
      await brood.ask({ type: 'script', steps: [{ spawn: 5000, alternate: true }, { spawn: 3 }] } satisfies BroodMsg);
      await eventually(() => alive(system, 'many').length, (n) => n === 5003, 3000);
      expect(alive(system, 'many')).toEqual(Array.from({ length: 5003 }, (_, i) => i + 1));
      expect(system.list({ behaviour: 'Quiet' }).filter((i) => i.parent === 'many').length).toBe(2500);
    });
  });

  it('across batches: 5,000 spawned in one turn, every other one stopped in the next', async () => {
    await withSystem(async (system) => {
      const brood = await system.spawn(Brood, { id: 'big', placement: { worker: 2 } });
      await brood.ask({ type: 'script', steps: [{ spawn: 5000 }] } satisfies BroodMsg);
      await eventually(() => alive(system, 'big').length, (n) => n === 5000, 3000);
      const odd = Array.from({ length: 2500 }, (_, i) => 2 * i + 1);
      await brood.ask({ type: 'script', steps: [{ stop: odd }] } satisfies BroodMsg);
      await eventually(() => alive(system, 'big').length, (n) => n === 2500, 3000);
      expect(alive(system, 'big')).toEqual(odd.map((n) => n + 1));
      await system.stopActor('big');
      await eventually(() => alive(system, 'big').length, (n) => n === 0, 3000);
      expect(system.list().length).toBe(0);
    });
  });
});

describe('the main registry and a name reused after a restart', () => {
  it('keeps the newer of two actors with one id, whichever thread reports first', () => {
    for (const order of ['old-removal-first', 'new-registration-first'] as const) {
      const registry = new Registry(3);
      registry.reported('p/x', 2, 'B', 'p', 1); // the first 'x', child number 1 of p
      if (order === 'old-removal-first') {
        registry.gone('p/x', 1);
        registry.reported('p/x', 2, 'B', 'p', 5); // p restarted; its new 'x' is child number 5
      } else {
        registry.reported('p/x', 2, 'B', 'p', 5);
        registry.gone('p/x', 1); // the old one's removal, reported late by its thread
      }
      expect([order, registry.has('p/x')]).toEqual([order, true]);
      registry.reported('p/x', 2, 'B', 'p', 1); // a late duplicate of the old registration
      registry.gone('p/x', 5);
      expect([order, registry.has('p/x')]).toEqual([order, false]);
    }
  });
});
