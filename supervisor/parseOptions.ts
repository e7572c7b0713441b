import type { z } from 'zod';
import { InvalidOptionError } from '../runtime/errors.js';

/** One failed check, with the option path spelled the way a user writes it (`children[1].restart`). */
export interface OptionIssue {
  readonly option: string;
  readonly message: string;
}

/**
 * Parses `input` with `schema` and returns the parsed value with defaults filled in, or throws an
 * `InvalidOptionError` naming the first failing option path. Every public constructor in this folder
 * goes through here so that bad configuration fails once, at the edge, with the same message shape.
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, subject: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: OptionIssue[] = result.error.issues.map((issue) => ({
    option: optionPath(issue.path, issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined),
    message: issue.message,
  }));
  const first = issues[0] ?? { option: '(root)', message: 'invalid' };
  throw new InvalidOptionError(`Invalid ${subject} option "${first.option}": ${first.message}`, {
    subject,
    option: first.option,
    issues,
  });
}

function optionPath(path: readonly PropertyKey[], unknownKey: string | undefined): string {
  const segments = unknownKey === undefined ? path : [...path, unknownKey];
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(root)' : out;
}
