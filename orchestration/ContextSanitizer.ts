/**
 * Redacts personal data and credentials from content before it is handed to another agent (which
 * may be a third-party model). Detection is pattern based and tuned against false positives:
 * ordinary numbers, dates, versions and prose about passwords are left alone, at the price of
 * missing secrets that look like prose (a password made only of lowercase letters, stated as
 * "password is ...").
 */
import { z } from 'zod';
import type { Logger } from '../runtime/logger.js';
import { defaultLoggerFor } from '../runtime/logger.js';
import { isPlainObject, parseOptions } from './parseOptions.js';

export const BUILTIN_REDACTION_KINDS = ['email', 'phone', 'card', 'password', 'apiKey'] as const;
export type BuiltinRedactionKind = (typeof BUILTIN_REDACTION_KINDS)[number];

const DEFAULT_REPLACEMENTS: Record<BuiltinRedactionKind, string> = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  card: '[CARD]',
  password: '[REDACTED]',
  apiKey: '[API_KEY]',
};

export interface CustomRedactionPattern {
  /** Counted under this name; must not be a built-in kind. */
  name: string;
  pattern: RegExp | string;
  /** Defaults to `[NAME]` in upper case. */
  replacement?: string;
}

export interface ContextSanitizerOptions {
  /** Per-kind switches; every built-in kind is on unless set to false. */
  kinds?: Partial<Record<BuiltinRedactionKind, boolean>>;
  replacements?: Partial<Record<BuiltinRedactionKind, string>>;
  /** Applied before the built-in kinds, so a custom rule can claim text first. */
  customPatterns?: CustomRedactionPattern[];
  /** Nesting beyond this depth is replaced whole rather than passed through unchecked. */
  maxDepth?: number;
  logger?: Logger;
}

export interface SanitizeResult<T> {
  value: T;
  /** One entry per enabled kind (built-in and custom), zero when nothing was found. */
  counts: Record<string, number>;
  total: number;
}

const kindSwitches = z.strictObject(
  Object.fromEntries(BUILTIN_REDACTION_KINDS.map((k) => [k, z.boolean().optional()])) as Record<
    BuiltinRedactionKind,
    z.ZodOptional<z.ZodBoolean>
  >,
);
const kindReplacements = z.strictObject(
  Object.fromEntries(BUILTIN_REDACTION_KINDS.map((k) => [k, z.string().optional()])) as Record<
    BuiltinRedactionKind,
    z.ZodOptional<z.ZodString>
  >,
);

const OptionsSchema = z.strictObject({
  kinds: kindSwitches.optional(),
  replacements: kindReplacements.optional(),
  customPatterns: z
    .array(
      z.strictObject({
        name: z
          .string()
          .regex(/^[A-Za-z][\w-]*$/, 'must start with a letter and hold only letters, digits, _ and -')
          .refine((n) => !(BUILTIN_REDACTION_KINDS as readonly string[]).includes(n), {
            message: 'must not reuse a built-in kind name',
          }),
        pattern: z.union([
          z.instanceof(RegExp),
          z.string().refine(
            (s) => {
              try {
                new RegExp(s);
                return true;
              } catch {
                return false;
              }
            },
            { message: 'is not a valid regular expression' },
          ),
        ]),
        replacement: z.string().optional(),
      }),
    )
    .refine((list) => new Set(list.map((p) => p.name)).size === list.length, {
      message: 'pattern names must be unique',
    })
    .optional(),
  maxDepth: z.number().int().positive().optional(),
  logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null).optional(),
});

/** Luhn check: what separates a card number from any other long number. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Issuer prefixes (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro). Luhn alone
 * passes one random number in ten; requiring a known issuer keeps ids and timestamps unredacted.
 */
const CARD_ISSUER = /^(?:4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|3(?:0[0-5]|[689])|6(?:011|5|4[4-9]|2)|35|5[06-9]|6[0-9])/;

function looksLikeCard(candidate: string): boolean {
  const digits = candidate.replace(/[ -]/g, '');
  return digits.length >= 13 && digits.length <= 19 && CARD_ISSUER.test(digits) && passesLuhn(digits);
}

/** A value stated as "password is X" is only taken for a secret when it does not read like a word. */
function looksLikeSecret(value: string): boolean {
  return /[\d\W_]/.test(value) || /[a-z][A-Z]/.test(value);
}

const ALREADY_REDACTED = /^\[[A-Z0-9_:]+\]$/;

/** Splits an unquoted value from sentence punctuation that merely follows it. */
function splitTrailingPunctuation(value: string): [string, string] {
  // `!` and `?` stay with the value: they are common in passwords and rare after one.
  const m = /^(.*?)([.,;:)\]]*)$/.exec(value)!;
  return m[1] ? [m[1], m[2]!] : [value, ''];
}

interface Rule {
  kind: string;
  regex: RegExp;
  /** Returns the replacement, or undefined to leave the match alone (it is not counted). */
  replace: (match: string, groups: (string | undefined)[], replacement: string) => string | undefined;
}

const whole: Rule['replace'] = (_m, _g, r) => r;

const PASSWORD_WORDS = 'password|passwd|passphrase|pwd';
const TOKEN_WORDS =
  'api[_-]?key|x-api-key|access[_-]?token|refresh[_-]?token|auth[_-]?token|id[_-]?token|session[_-]?token|client[_-]?secret|secret[_-]?key|private[_-]?key|secret|token';
const VALUE = `("[^"]*"|'[^']*'|[^\\s"',;]+)`;

/** `key: value`, `key=value`, `"key": "value"`; keeps the key and separator, redacts the value. */
function assignmentRule(kind: string, words: string, allowIs: boolean): Rule {
  const separator = allowIs ? `(\\s*[:=]\\s*|\\s+is\\s+)` : `(\\s*[:=]\\s*)`;
  return {
    kind,
    regex: new RegExp(`(?<![\\w-])((["']?)(?:${words})\\2)${separator}${VALUE}`, 'gi'),
    replace: (_m, [key, , sep, value], replacement) => {
      const raw = value!;
      const quote = raw[0] === '"' || raw[0] === "'" ? raw[0] : '';
      const inner = quote ? raw.slice(1, -1) : raw;
      const [secret, trailing] = quote ? [inner, ''] : splitTrailingPunctuation(inner);
      if (secret === '' || ALREADY_REDACTED.test(secret)) return undefined;
      if (/^\s+is\s+$/i.test(sep!) && !looksLikeSecret(secret)) return undefined;
      return `${key}${sep}${quote}${replacement}${quote}${trailing}`;
    },
  };
}

function builtinRules(kind: BuiltinRedactionKind): Rule[] {
  switch (kind) {
    case 'apiKey':
      return [
        { kind, regex: /(?<![\w-])sk-[A-Za-z0-9_-]{20,}/g, replace: whole },
        { kind, regex: /(?<!\w)(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})/g, replace: whole },
        { kind, regex: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g, replace: whole },
        { kind, regex: /(?<![\w-])xox[abprs]-[A-Za-z0-9-]{10,}/g, replace: whole },
        { kind, regex: /(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, replace: whole },
        {
          kind,
          // A real bearer token is long; "bearer of bad news" is not one.
          regex: /\b(bearer)\s+([A-Za-z0-9\-._~+/]{16,}=*)/gi,
          replace: (_m, [word], r) => `${word} ${r}`,
        },
        {
          kind,
          regex: /(?<![\w-])(authorization["']?\s*[:=]\s*["']?)(?:(bearer|basic|digest|token)\s+)?([^\s"',;]+)/gi,
          replace: (_m, [prefix, scheme, value], r) =>
            ALREADY_REDACTED.test(value!) ? undefined : `${prefix}${scheme ? `${scheme} ` : ''}${r}`,
        },
        assignmentRule(kind, TOKEN_WORDS, false),
      ];
    case 'password':
      return [assignmentRule(kind, PASSWORD_WORDS, true)];
    case 'email':
      return [
        {
          kind,
          // Anchored at the start of a run so that a long run of word characters is scanned once.
          regex: /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])/g,
          replace: whole,
        },
      ];
    case 'card':
      return [
        {
          kind,
          regex: /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/g,
          replace: (m, _g, r) => (looksLikeCard(m) ? r : undefined),
        },
      ];
    case 'phone':
      return [
        {
          kind,
          // International form: the leading + is what makes a digit run a phone number.
          regex: /(?<![\w+])\+\d[\d ().-]{5,20}\d(?!\d)/g,
          replace: (m, _g, r) => {
            // A signed decimal (+40.712776, a coordinate) is not a phone number.
            if (/^\+\d+\.\d+$/.test(m)) return undefined;
            const digits = m.replace(/\D/g, '').length;
            return digits >= 8 && digits <= 15 ? r : undefined;
          },
        },
        {
          kind,
          // National 3-3-4 form with separators; unseparated digit runs are ids, not phones.
          regex: /(?<![\w.+-])(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\w|[.-]\d)/g,
          replace: whole,
        },
      ];
  }
}

/** The kind a key names when its whole value is a secret; keys are compared without case and `_`/`-`. */
const SENSITIVE_KEYS: ReadonlyMap<string, BuiltinRedactionKind> = new Map([
  ...['password', 'passwd', 'passphrase', 'pwd'].map((k) => [k, 'password'] as const),
  ...[
    'apikey',
    'xapikey',
    'secret',
    'clientsecret',
    'secretkey',
    'token',
    'accesstoken',
    'refreshtoken',
    'idtoken',
    'authtoken',
    'sessiontoken',
    'bearertoken',
    'authorization',
    'privatekey',
    'secretaccesskey',
    'awssecretaccesskey',
  ].map((k) => [k, 'apiKey'] as const),
]);

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[_\-\s]/g, '');
}

export class ContextSanitizer {
  private readonly rules: Rule[];
  private readonly replacements: Record<string, string>;
  private readonly enabled: ReadonlySet<string>;
  private readonly maxDepth: number;
  private readonly logger: Logger;

  constructor(options: ContextSanitizerOptions = {}) {
    const opts = parseOptions(OptionsSchema, options, 'ContextSanitizer');
    this.maxDepth = opts.maxDepth ?? 64;
    this.logger = (opts.logger ?? defaultLoggerFor()).child({ component: 'ContextSanitizer' });
    this.replacements = { ...DEFAULT_REPLACEMENTS, ...stripUndefined(opts.replacements ?? {}) };
    const rules: Rule[] = [];
    const enabled = new Set<string>();
    for (const custom of opts.customPatterns ?? []) {
      const source = custom.pattern;
      const flags = typeof source === 'string' ? 'g' : source.flags.includes('g') ? source.flags : `${source.flags}g`;
      rules.push({ kind: custom.name, regex: new RegExp(source, flags), replace: whole });
      this.replacements[custom.name] = custom.replacement ?? `[${custom.name.toUpperCase()}]`;
      enabled.add(custom.name);
    }
    // Credentials first: a JWT or key must not be half-eaten by the phone or card rules.
    for (const kind of ['apiKey', 'password', 'email', 'card', 'phone'] as const) {
      if (opts.kinds?.[kind] === false) continue;
      enabled.add(kind);
      rules.push(...builtinRules(kind));
    }
    this.rules = rules;
    this.enabled = enabled;
  }

  /** Redacts a string, or every string inside plain objects and arrays (a new value; the input is not modified). */
  sanitize<T>(value: T): SanitizeResult<T> {
    const counts: Record<string, number> = Object.fromEntries([...this.enabled].map((k) => [k, 0]));
    const out = this.walk(value, counts, 0, new Map()) as T;
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    return { value: out, counts, total };
  }

  /** Shorthand for when only the redacted text matters. */
  redact(text: string): string {
    return this.sanitize(text).value;
  }

  private walk(value: unknown, counts: Record<string, number>, depth: number, seen: Map<object, unknown>): unknown {
    if (typeof value === 'string') return this.sanitizeText(value, counts);
    if (typeof value !== 'object' || value === null) return value;
    if (!Array.isArray(value) && !isPlainObject(value)) return value;
    const known = seen.get(value);
    if (known !== undefined) return known;
    if (depth >= this.maxDepth) {
      this.logger.warn({ maxDepth: this.maxDepth }, 'content nested beyond maxDepth was replaced unchecked');
      return '[TRUNCATED]';
    }
    if (Array.isArray(value)) {
      const copy: unknown[] = [];
      seen.set(value, copy);
      for (const item of value) copy.push(this.walk(item, counts, depth + 1, seen));
      return copy;
    }
    const copy: Record<string, unknown> = {};
    seen.set(value, copy);
    for (const [key, item] of Object.entries(value)) {
      const keyKind = SENSITIVE_KEYS.get(normaliseKey(key));
      if (keyKind && this.enabled.has(keyKind) && isSecretValue(item)) {
        copy[key] = this.replacements[keyKind];
        counts[keyKind]! += 1;
      } else {
        copy[key] = this.walk(item, counts, depth + 1, seen);
      }
    }
    return copy;
  }

  private sanitizeText(text: string, counts: Record<string, number>): string {
    let out = text;
    for (const rule of this.rules) {
      rule.regex.lastIndex = 0;
      const replacement = this.replacements[rule.kind]!;
      out = out.replace(rule.regex, (...args: unknown[]) => {
        const match = args[0] as string;
        // Zero-length matches of a custom pattern would insert the replacement between characters.
        if (match === '') return match;
        const groups = args.slice(1, args.findIndex((a) => typeof a === 'number')) as (string | undefined)[];
        const replaced = rule.replace(match, groups, replacement);
        if (replaced === undefined) return match;
        counts[rule.kind] = (counts[rule.kind] ?? 0) + 1;
        return replaced;
      });
    }
    return out;
  }
}

/** `{ token: null }` or `{ password: false }` hold no secret; anything else under such a key does. */
function isSecretValue(value: unknown): boolean {
  return value !== null && value !== undefined && typeof value !== 'boolean' && value !== '';
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}
