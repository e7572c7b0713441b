import { ActorRef } from './ActorRef.js';
import { UnserializableMessageError } from './errors.js';

const plainProtos = new Set<unknown>([Object.prototype, null, Array.prototype]);
const cloneable = [Date, Set, RegExp, ArrayBuffer, DataView, Buffer];

/**
 * Refuse what cannot cross a thread boundary unchanged: functions, symbols, and class instances
 * (their methods would be lost silently). Checked for every message, local or not, so that moving
 * an actor to another worker never changes what its senders may send.
 */
export function assertTransferable(value: unknown, context: { actor: string; messageType: string }): void {
  const bad = findUntransferable(value, '', 0);
  if (bad !== undefined) {
    throw new UnserializableMessageError(
      `message '${context.messageType}' to actor '${context.actor}' cannot cross threads: ${bad}`,
      { ...context },
    );
  }
}

function findUntransferable(v: unknown, path: string, depth: number): string | undefined {
  switch (typeof v) {
    case 'function': return `${path || 'the payload'} is a function`;
    case 'symbol': return `${path || 'the payload'} is a symbol`;
    case 'bigint': return `${path || 'the payload'} is a bigint (send it as a string)`;
    case 'object': break;
    default: return undefined;
  }
  if (v === null || v instanceof ActorRef) return undefined;
  if (depth > 64) return `${path} nests deeper than 64 levels`;
  const proto = Object.getPrototypeOf(v);
  if (v instanceof Map) return `${path || 'the payload'} is a Map (send Object.fromEntries(map) or its entries)`;
  if (v instanceof Set) {
    // A Set crosses by value: what it holds must cross too (a function inside would arrive as undefined).
    let i = 0;
    for (const item of v) {
      const r = findUntransferable(item, `${path || 'the payload'} (a Set) item ${i++}`, depth + 1);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  if (!plainProtos.has(proto)) {
    if (ArrayBuffer.isView(v) || cloneable.some((C) => v instanceof C)) return undefined;
    const name = (proto?.constructor?.name as string | undefined) ?? 'unknown';
    return `${path || 'the payload'} is an instance of class ${name}`;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = findUntransferable(v[i], `${path}[${i}]`, depth + 1);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  for (const k in v as Record<string, unknown>) {
    const r = findUntransferable((v as Record<string, unknown>)[k], path ? `${path}.${k}` : k, depth + 1);
    if (r !== undefined) return r;
  }
  return undefined;
}

/** The `type` of a message for errors and history: its `type` field, or what kind of value it is. */
export function messageTypeOf(m: unknown): string {
  if (typeof m === 'object' && m !== null) {
    const t = (m as { type?: unknown }).type;
    if (typeof t === 'string') return t;
    return Array.isArray(m) ? 'array' : 'object';
  }
  if (typeof m === 'string' && m.length <= 64) return m;
  return typeof m;
}
