import { z, type ZodType } from 'zod';
import { InvalidOptionError } from '../runtime/errors.js';

/** Validate the options commander parsed: the error names the flag as the user typed it. */
export function parseCli<T>(schema: ZodType<T>, values: unknown): T {
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = issue.code === 'unrecognized_keys' ? String(issue.keys[0]) : String(issue.path[0] ?? '');
  const flag = key === '' ? 'arguments' : `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  throw new InvalidOptionError(`invalid ${flag}: ${issue.message}`, { option: flag });
}

/** An integer given as text on the command line. */
export const intArg = (min: number, max: number) =>
  // A preprocess rather than a union: a union's failure reads only "Invalid input".
  z.preprocess(
    (v) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v),
    z.number({ error: (issue) => (issue.code === 'invalid_type' ? 'must be a whole number' : undefined) })
      .int('must be a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
  );

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time: epoch milliseconds (`1712345678901`), an ISO date (`2024-05-01T10:00:00Z`,
 * `2024-05-01`) or a duration ago (`15m`, `2h`, `7d`).
 */
export const timeArg = z.string().trim().transform((text, ctx) => {
  if (/^\d{10,}$/.test(text)) return Number(text);
  const ago = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text);
  if (ago) return Date.now() - Number(ago[1]) * UNITS[ago[2]!]!;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `'${text}' is not a time (epoch ms, ISO date, or a duration ago like 15m, 2h, 7d)` });
    return z.NEVER;
  }
  return ms;
});
