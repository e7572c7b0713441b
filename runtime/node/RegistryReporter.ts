import { Kind } from '../transport/Frames.js';
import type { LocalNode } from '../LocalNode.js';
import { childId } from '../ChildId.js';

/*
 * The main thread keeps the registry of every actor (runtime/Registry.ts); a thread reports to it
 * what it spawned, stopped and moved. On the main thread itself a report is a direct call to the
 * system's control hook; a worker batches its reports and sends them when it flushes its rings.
 * Separate from LocalNode: this is bookkeeping for the main thread, not part of delivering messages.
 */

const RUN = 35; // '#'
const GONE = 95; // '_'

/** Registry updates per control frame. */
const REGISTRY_BATCH = 2048;

/**
 * Registry updates from a worker to the main thread, one record per index i: `ops[i]` is '+'
 * (registered), '#' (a run of numbered children), '-' (gone), '_' (a numbered child gone), '>'
 * (moved) or '=' (the previous '+' record's slot).
 *
 * - '+': `ids[i]` is the id; `info[i]` is worker + 256 * behaviour index + 2^20 * (parent index
 *   + 1, 0 for none) into `behaviours` and `parents`.
 * - '#': `ids[i]` is the first number n of the parent's numbered children `parent/n`, the next
 *   entry of `counts` how many follow in a row; `info[i]` as for '+'. A loop that spawns a million
 *   children sends a handful of these, not a million ids.
 * - '-': `ids[i]` is the id, `info[i]` its slot (0: none). '_': `ids[i]` is a numbered child's
 *   number, `info[i]` its parent's index + 1, the next entry of `counts` how many gone in a row:
 *   n, n + 1, ... for a positive count, n, n - 1, ... for a negative one.
 * - '>': `info[i]` is the new worker. '=': `info[i]` is the slot.
 *
 * A slot (a named child's number among its parent's children, see ActorCell.slot) tells two actors
 * of one id apart: a named child spawned again after its parent restarted, and its predecessor,
 * still stopping. Flat arrays of short strings decode on the main thread into separate flat
 * strings, which is what the registry keeps as keys (slices of one big string would pin it).
 */
export interface RegistryBatch {
  t: 'registry';
  ops: string;
  ids: (string | number)[];
  info: number[];
  counts: number[];
  behaviours: string[];
  parents: string[];
}

export class RegistryReporter {
  /**
   * Registry updates for the main thread, sent in batches at the end of the turn: spawning a million
   * children must not cost a million frames. See RegistryBatch for the layout.
   */
  private ops = '';
  /** The records waiting for the next flush (the node sends them first when it flushes). */
  ids: (string | number)[] = [];
  private info: number[] = [];
  private counts: number[] = [];
  private behaviours: string[] = [];
  private parents = new Map<string, number>();
  /**
   * The last record, while it is a run that may grow ('#' or '_'): its index (-1: none), op, key
   * (a '#' run's `info`, a '_' run's parent index) and last number. Only the last record grows: a
   * run grown behind later records could register a number after the main thread heard it stopped.
   */
  private open = -1;
  private openOp = 0;
  private openKey = 0;
  private openLast = 0;
  /** The parent of the last parentIndex call and its index (undefined after a send). */
  private lastParent: string | undefined = undefined;
  private lastParentIndex = 0;
  /** The behaviour of the last record and its index in `behaviours` (undefined after a send). */
  private lastBehaviour: string | undefined = undefined;
  private lastBehaviourIndex = 0;

  constructor(private readonly node: LocalNode) {}

  /**
   * `numbered`: n when the id is the parent's n-th numbered child (`parent/n`), else 0. A numbered
   * child's id may be left undefined: it is sent as its number and built on the main thread.
   */
  registered(id: string | undefined, node: number, behaviour: string, parent: string | undefined, numbered = 0, slot = 0): void {
    if (this.node.id === 0) {
      this.node.controlHook?.(0, { t: 'registered', id: id ?? childId(parent!, numbered), node, behaviour, parent, slot }, 0);
      return;
    }
    if (this.node.closed) return;
    let b = behaviour === this.lastBehaviour ? this.lastBehaviourIndex : this.behaviours.indexOf(behaviour);
    if (b < 0) b = this.behaviours.push(behaviour) - 1;
    this.lastBehaviour = behaviour;
    this.lastBehaviourIndex = b;
    const p = parent === undefined ? 0 : this.parentIndex(parent);
    // Multiplied, not shifted: the parent index may pass bit 31.
    const info = node + b * 0x100 + p * 0x100000;
    if (numbered !== 0 && p !== 0 && slot === 0) {
      // A numbered child: the next number of the same parent, behaviour and worker joins the run.
      if (!this.grow(RUN, info, numbered)) this.startRun('#', RUN, info, numbered, info);
      return;
    }
    // A slot record follows its '+' in the same batch (no flush between the two).
    this.add('+', id ?? childId(parent!, numbered), info, slot === 0);
    if (slot !== 0) this.add('=', 0, slot);
  }

  private parentIndex(parent: string): number {
    // A loop that spawns children reports the same parent each time: no map lookup for it.
    if (parent === this.lastParent) return this.lastParentIndex;
    let p = this.parents.get(parent) ?? 0;
    if (p === 0) this.parents.set(parent, p = this.parents.size + 1);
    this.lastParent = parent;
    this.lastParentIndex = p;
    return p;
  }

  /** The numbered child `parent/n` (a cell keyed by its number) is gone: no id is written out. */
  unregisteredChild(parent: string, n: number, reason: string): void {
    if (this.node.id === 0) { this.unregistered(childId(parent, n), reason, n); return; }
    if (this.node.closed) return;
    const p = this.parentIndex(parent);
    // Children stopped in a row (a parent's, newest first; a loop's, oldest first) make one run.
    if (!this.grow(GONE, p, n)) this.startRun('_', GONE, p, n, p);
  }

  /**
   * Add n to the run in the last record, if that is a run of `op` for `key` and n comes next: one
   * up, or (for '_', whose count's sign gives the direction) one down. True when it did.
   */
  private grow(op: number, key: number, n: number): boolean {
    if (this.open < 0 || this.open !== this.ids.length - 1 || this.openOp !== op || this.openKey !== key) return false;
    const step = n - this.openLast;
    const last = this.counts.length - 1;
    const c = this.counts[last]!;
    if (!(step === 1 || (step === -1 && op === GONE)) || !(c === 1 || Math.sign(c) === step)) return false;
    this.counts[last] = (Math.abs(c) + 1) * step;
    this.openLast = n;
    return true;
  }

  /** A new run record of one number, which later numbers may join. */
  private startRun(opChar: string, op: number, key: number, n: number, info: number): void {
    this.counts.push(1);
    this.add(opChar, n, info);
    // add() may have sent the batch: then there is nothing left to grow.
    this.open = this.ids.length - 1;
    this.openOp = op;
    this.openKey = key;
    this.openLast = n;
  }

  unregistered(id: string, reason: string, slot = 0): void {
    if (this.node.id === 0) { this.node.controlHook?.(0, { t: 'unregistered', id, reason, slot }, 0); return; }
    if (!this.node.closed) this.add('-', id, slot);
  }

  moved(id: string, node: number): void {
    if (this.node.id === 0) { this.node.controlHook?.(0, { t: 'moved', id, node }, 0); return; }
    if (!this.node.closed) this.add('>', id, node);
  }

  private add(op: string, id: string | number, info: number, mayFlush = true): void {
    this.ops += op;
    this.ids.push(id);
    this.info.push(info);
    if (this.ids.length === 1) this.node.markDirty(this.node.out[0]!);
    if (mayFlush && this.ids.length >= REGISTRY_BATCH) this.send();
  }

  /** Put the waiting records on the ring to the main thread, as one control frame. */
  send(): void {
    if (this.ids.length === 0) return;
    const batch: RegistryBatch = {
      t: 'registry', ops: this.ops, ids: this.ids, info: this.info, counts: this.counts,
      behaviours: this.behaviours, parents: [...this.parents.keys()],
    };
    this.ops = '';
    this.ids = [];
    this.info = [];
    this.counts = [];
    this.open = -1;
    this.behaviours = [];
    this.parents = new Map();
    this.lastParent = undefined;
    this.lastBehaviour = undefined;
    const link = this.node.out[0]!;
    link.send(Kind.Control, undefined, undefined, 0, batch as unknown as Record<string, unknown>);
    this.node.markDirty(link);
  }
}
