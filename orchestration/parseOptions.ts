import type { z } from 'zod';
import { InvalidOptionError } from '../runtime/errors.js';

/** Renders a zod path the way a user writes it in code: `steps[2].retry.attempts`. */
export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** The field an issue is about. An unknown key is reported on its parent; name the key, as it is usually a typo. */
export function fieldOf(root: string, issue: z.core.$ZodIssue): string {
  const field = formatPath(root, issue.path);
  return issue.code === 'unrecognized_keys' && issue.keys.length > 0 ? formatPath(field, [issue.keys[0]!]) : field;
}

/**
 * Validates at the public edge so that a bad option fails at the call that passed it, naming the
 * field, instead of surfacing later as an odd failure deep inside a run.
 */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = fieldOf(what, issue);
  throw new InvalidOptionError(`Invalid option ${field}: ${issue.message}`, {
    option: field,
    issues: parsed.error.issues.map((i) => ({ path: formatPath(what, i.path), message: i.message })),
  });
}

/**
 * Data that survives structured cloning, JSON and msgpack alike: what may go into a message
 * crossing threads or into the store. `undefined` object properties are tolerated because
 * optional fields are routinely left undefined and simply disappear when serialised.
 */
export function isPlainData(value: unknown, seen: Set<object> = new Set()): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (seen.has(value)) return false;
      seen.add(value);
      try {
        if (Array.isArray(value)) return value.every((v) => isPlainData(v, seen));
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) return false;
        return Object.values(value).every((v) => v === undefined || isPlainData(v, seen));
      } finally {
        seen.delete(value);
      }
    }
    default:
      return false;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
