import { Kind } from '../transport/Frames.js';
import type { LocalNode } from '../LocalNode.js';
import { childId } from '../ChildId.js';

/*
 * The main thread keeps the registry of every actor (runtime/Registry.ts); a thread reports to it
 * what it spawned, stopped and moved. On the main thread itself a report is a direct call to the
 * system's control hook; a worker batches its reports and sends them when it flushes its rings.
 * Separate from LocalNode: this is bookkeeping for the main thread, not part of delivering messages.
 */

/** Registry updates per control frame. */
const REGISTRY_BATCH = 2048;

/**
 * Registry updates from a worker to the main thread, one record per index i: `ops[i]` is '+'
 * (registered), '-' (gone), '>' (moved) or '=' (the previous '+' record's slot), `ids[i]` the actor
 * (for '+', a number n stands for the parent's numbered child `parent/n`). `info[i]` is the new
 * worker for '>', the slot for '=' and '-' (0: none), and, for '+', worker + 256 * behaviour index
 * + 2^20 * (parent index + 1, 0 for none) into `behaviours` and `parents`. A slot (a named child's
 * number among its parent's children, see ActorCell.slot) tells two actors of one id apart: a
 * named child spawned again after its parent restarted, and its predecessor, still stopping.
 * Flat arrays of short strings decode on the main thread into separate
 * flat strings, which is what the registry keeps as keys (slices of one big string would pin it).
 */
export interface RegistryBatch {
  t: 'registry';
  ops: string;
  ids: (string | number)[];
  info: number[];
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
  private behaviours: string[] = [];
  private parents = new Map<string, number>();

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
    let b = this.behaviours.indexOf(behaviour);
    if (b < 0) b = this.behaviours.push(behaviour) - 1;
    let p = 0;
    if (parent !== undefined) {
      p = this.parents.get(parent) ?? 0;
      if (p === 0) this.parents.set(parent, p = this.parents.size + 1);
    }
    // Multiplied, not shifted: the parent index may pass bit 31. A numbered child travels as its
    // number: the main thread rebuilds `parent/n`, and a number packs far cheaper than a string.
    // A slot record follows its '+' in the same batch (no flush between the two).
    this.add('+', numbered !== 0 && p !== 0 ? numbered : id ?? childId(parent!, numbered), node + b * 0x100 + p * 0x100000, slot === 0);
    if (slot !== 0) this.add('=', 0, slot);
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
      t: 'registry', ops: this.ops, ids: this.ids, info: this.info,
      behaviours: this.behaviours, parents: [...this.parents.keys()],
    };
    this.ops = '';
    this.ids = [];
    this.info = [];
    this.behaviours = [];
    this.parents = new Map();
    const link = this.node.out[0]!;
    link.send(Kind.Control, undefined, undefined, 0, batch as unknown as Record<string, unknown>);
    this.node.markDirty(link);
  }
}
