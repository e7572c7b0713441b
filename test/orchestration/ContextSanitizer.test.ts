import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import { ContextSanitizer, passesLuhn } from '../../orchestration/ContextSanitizer.js';

const sanitizer = new ContextSanitizer();
const redact = (text: string): string => sanitizer.redact(text);

describe('ContextSanitizer: e-mail addresses', () => {
  it('redacts addresses and counts them', () => {
    const r = sanitizer.sanitize('Write to john.doe+work@example.co.uk or ops@acme.io.');
    expect(r.value).toBe('Write to [EMAIL] or [EMAIL].');
    expect(r.counts.email).toBe(2);
    expect(r.total).toBe(2);
  });

  it('leaves npm package specs, @mentions and hosts without a TLD alone', () => {
    for (const text of ['install lodash@4.17.21', 'ping @alice on chat', 'ssh root@localhost', 'see @types/node@20.1.0']) {
      expect(redact(text)).toBe(text);
    }
  });
});

describe('ContextSanitizer: phone numbers', () => {
  it.each([
    ['Call +1-202-555-0143 now', 'Call [PHONE] now'],
    ['London: +44 20 7946 0958.', 'London: [PHONE].'],
    ['office (555) 123-4567', 'office [PHONE]'],
    ['cell 555.123.4567', 'cell [PHONE]'],
    ['desk 555-123-4567, ext 2', 'desk [PHONE], ext 2'],
    ['E.164 +12025550143', 'E.164 [PHONE]'],
  ])('redacts %s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it.each([
    'Released on 2024-01-15 at 12:30',
    'Server 192.168.100.200 answered',
    'Order 1234567890 shipped',
    'Version 10.200.3000 is out',
    'It costs 1,234,567 dollars',
    'Add +5 - 3 = 2',
    'Timestamp 1700000000000',
    'Located at +40.712776, -74.005974',
    'ISBN 978-3-16-148410-0',
    'id 550e8400-e29b-41d4-a716-446655440000',
    'Total $1,234,567.89',
  ])('leaves "%s" alone', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe('ContextSanitizer: card numbers', () => {
  it('redacts Luhn-valid numbers with a card issuer prefix, grouped or not', () => {
    const r = sanitizer.sanitize('Visa 4111 1111 1111 1111, MC 5555-5555-5555-4444, Amex 378282246310005');
    expect(r.value).toBe('Visa [CARD], MC [CARD], Amex [CARD]');
    expect(r.counts.card).toBe(3);
  });

  it('leaves numbers failing Luhn alone', () => {
    expect(passesLuhn('4111111111111112')).toBe(false);
    expect(redact('Ref 4111 1111 1111 1112')).toBe('Ref 4111 1111 1111 1112');
  });

  it('leaves Luhn-valid numbers without an issuer prefix alone (ids, timestamps)', () => {
    // 1000000000009 passes Luhn but no card network issues numbers starting with 1.
    expect(passesLuhn('1000000000009')).toBe(true);
    expect(redact('Tracking 1000000000009')).toBe('Tracking 1000000000009');
  });

  it('does not redact part of a longer digit run', () => {
    const text = 'hash 41111111111111114111111111';
    expect(redact(text)).toBe(text);
  });
});

describe('ContextSanitizer: passwords', () => {
  it.each([
    ["User's email is john@example.com and password is MyP@ssw0rd", "User's email is [EMAIL] and password is [REDACTED]"],
    ['password: hunter2', 'password: [REDACTED]'],
    ['PASSWORD=s3cr3t!', 'PASSWORD=[REDACTED]'],
    ['mysql -u root pwd=abc123 -h db', 'mysql -u root pwd=[REDACTED] -h db'],
    ['{"password": "two words"}', '{"password": "[REDACTED]"}'],
    ['passwd: letmein.', 'passwd: [REDACTED].'],
  ])('redacts %s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it.each([
    'Password is required',
    'Your password reset link was sent',
    'passwords: 3 attempts left',
    'What is your password?',
    'the password field is empty',
  ])('leaves prose about passwords alone: "%s"', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe('ContextSanitizer: API keys and tokens', () => {
  const jwt =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

  it.each([
    ['key sk-proj-abcdefghijklmnopqrstuvwx1234', 'key [API_KEY]'],
    ['token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB here', 'token [API_KEY] here'],
    ['aws AKIAIOSFODNN7EXAMPLE', 'aws [API_KEY]'],
    ['slack xoxb-123456789012-abcdefghij', 'slack [API_KEY]'],
    ['slack xoxp-123456789012-abcdefghij', 'slack [API_KEY]'],
    [`jwt ${jwt}`, 'jwt [API_KEY]'],
    ['Authorization: Bearer abcdefghijklmnop1234', 'Authorization: Bearer [API_KEY]'],
    ['Authorization: Basic dXNlcjpwYXNzd29yZA==', 'Authorization: Basic [API_KEY]'],
    ['api_key=abc123def456', 'api_key=[API_KEY]'],
    ['"access_token": "zzz-yyy"', '"access_token": "[API_KEY]"'],
  ])('redacts %s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('counts a bearer JWT once', () => {
    const r = sanitizer.sanitize(`Authorization: Bearer ${jwt}`);
    expect(r.value).toBe('Authorization: Bearer [API_KEY]');
    expect(r.counts.apiKey).toBe(1);
  });

  it.each([
    'a risk-assessment-framework-2024-final report',
    'the task-sk-items list',
    'bearer of bad news',
    'max_tokens=512 and tokens: 42',
    'github ghp_short',
    'AKIA is a prefix',
    'sk-learn is a library',
  ])('leaves "%s" alone', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe('ContextSanitizer: structured content', () => {
  it('redacts deeply inside objects and arrays without touching the input', () => {
    const input = {
      user: { email: 'a@b.com', phones: ['+1 202 555 0143'], age: 42 },
      note: 'card 4111111111111111',
      password: 'plain',
      apiKey: 'anything',
      maxTokens: 100,
      token: null,
      nested: [{ authorization: 'xyz' }],
    };
    const snapshot = structuredClone(input);
    const r = sanitizer.sanitize(input);
    expect(r.value).toEqual({
      user: { email: '[EMAIL]', phones: ['[PHONE]'], age: 42 },
      note: 'card [CARD]',
      password: '[REDACTED]',
      apiKey: '[API_KEY]',
      maxTokens: 100,
      token: null,
      nested: [{ authorization: '[API_KEY]' }],
    });
    expect(r.counts).toEqual({ email: 1, phone: 1, card: 1, password: 1, apiKey: 2 });
    expect(r.total).toBe(6);
    expect(input).toEqual(snapshot);
  });

  it('handles cycles and leaves non-plain objects as they are', () => {
    const date = new Date(0);
    const a: Record<string, unknown> = { mail: 'x@y.org', date };
    a.self = a;
    const r = sanitizer.sanitize(a);
    const out = r.value as Record<string, unknown>;
    expect(out.mail).toBe('[EMAIL]');
    expect(out.self).toBe(out);
    expect(out.date).toBe(date);
  });

  it('replaces content nested beyond maxDepth instead of passing it unchecked', () => {
    const shallow = new ContextSanitizer({ maxDepth: 2 });
    expect(shallow.sanitize({ a: { b: { c: 'x@y.org' } } }).value).toEqual({ a: { b: '[TRUNCATED]' } });
  });

  it('passes through non-string primitives', () => {
    expect(sanitizer.sanitize(42).value).toBe(42);
    expect(sanitizer.sanitize(null).value).toBe(null);
  });
});

describe('ContextSanitizer: configuration', () => {
  it('honours per-kind switches and replacements', () => {
    const s = new ContextSanitizer({ kinds: { email: false }, replacements: { phone: '<phone>' } });
    const r = s.sanitize('a@b.com 555-123-4567');
    expect(r.value).toBe('a@b.com <phone>');
    expect(r.counts).not.toHaveProperty('email');
    expect(r.counts.phone).toBe(1);
  });

  it('applies custom patterns first, counted under their name', () => {
    const s = new ContextSanitizer({
      customPatterns: [
        { name: 'employeeId', pattern: /\bEMP-\d{4}\b/ },
        { name: 'project', pattern: 'Project (Falcon|Osprey)', replacement: '[CODENAME]' },
      ],
    });
    const r = s.sanitize('EMP-1234 and EMP-5678 work on Project Falcon');
    expect(r.value).toBe('[EMPLOYEEID] and [EMPLOYEEID] work on [CODENAME]');
    expect(r.counts.employeeId).toBe(2);
    expect(r.counts.project).toBe(1);
  });

  it('ignores zero-length matches of a custom pattern', () => {
    const s = new ContextSanitizer({ customPatterns: [{ name: 'x', pattern: /z*/ }] });
    expect(s.sanitize('abc').value).toBe('abc');
  });

  it('rejects invalid options naming the field', () => {
    expect(() => new ContextSanitizer({ customPatterns: [{ name: 'bad', pattern: '(' }] })).toThrow(
      /customPatterns\[0\]\.pattern/,
    );
    expect(() => new ContextSanitizer({ customPatterns: [{ name: 'email', pattern: 'x' }] })).toThrow(InvalidOptionError);
    expect(() => new ContextSanitizer({ kinds: { emial: false } } as never)).toThrow(/kinds\.emial/);
  });

  it('scans large inputs in linear time', () => {
    const big = `${'a'.repeat(200_000)} ${'1'.repeat(100_000)} ${'x.'.repeat(50_000)}@`;
    const started = performance.now();
    sanitizer.sanitize(big);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
