import { describe, expect, it } from 'vitest';
import { MessageValidationError } from '../../runtime/errors.js';
import { AgentMessage, createMessage, MESSAGE_TYPES, parseMessage, replyTo } from '../../orchestration/Message.js';

describe('createMessage', () => {
  it('fills in id and timestamp', () => {
    const m = createMessage({ type: 'task', sender: 'alice', recipient: 'bob', content: 'Do this' }, () => 1234);
    expect(m.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.timestamp).toBe(1234);
    expect(m).toMatchObject({ type: 'task', sender: 'alice', recipient: 'bob', content: 'Do this' });
  });

  it('gives each message its own id', () => {
    const a = createMessage({ type: 'broadcast', sender: 'system', content: 'hi' });
    const b = createMessage({ type: 'broadcast', sender: 'system', content: 'hi' });
    expect(a.id).not.toBe(b.id);
  });

  it('accepts structured content, thread, session, tenant and metadata', () => {
    const m = createMessage({
      type: 'query',
      sender: 'a',
      content: { question: 'q', limits: [1, 2], extra: undefined },
      threadId: 't',
      sessionId: 's',
      tenantId: 'acme',
      metadata: { priority: 2 },
    });
    expect(AgentMessage.safeParse(m).success).toBe(true);
  });

  it('treats undefined optionals as absent', () => {
    const m = createMessage({ type: 'status', sender: 'a', content: 'ok', recipient: undefined });
    expect(Object.keys(m)).not.toContain('recipient');
  });

  it('covers the message types agents exchange', () => {
    expect(MESSAGE_TYPES).toEqual(['task', 'query', 'response', 'broadcast', 'error', 'status', 'handoff', 'handoff-return']);
  });

  it.each([
    [{ type: 'shout', sender: 'a', content: 'x' }, 'type'],
    [{ type: 'task', sender: '', content: 'x' }, 'sender'],
    [{ type: 'task', sender: 'a', content: () => 1 }, 'content'],
    [{ type: 'task', sender: 'a', content: new Date() }, 'content'],
    [{ type: 'task', sender: 'a', content: 'x', metadata: { n: Number.NaN } }, 'metadata.n'],
    [{ type: 'task', sender: 'a', content: 'x', colour: 'red' }, 'colour'],
  ])('rejects %j naming field %s', (init, field) => {
    let error: unknown;
    try {
      createMessage(init as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MessageValidationError);
    expect((error as MessageValidationError).message).toContain(field);
    expect((error as MessageValidationError).context.field).toBe(field);
  });
});

describe('parseMessage and replyTo', () => {
  it('round-trips a message through JSON', () => {
    const m = createMessage({ type: 'task', sender: 'a', content: { n: 1 } });
    expect(parseMessage(JSON.parse(JSON.stringify(m)))).toEqual(m);
  });

  it('rejects a message without timestamp', () => {
    expect(() => parseMessage({ id: 'x', type: 'task', sender: 'a', content: 'c' })).toThrow(/timestamp/);
  });

  it('addresses a reply to the sender on the same thread and tenant', () => {
    const q = createMessage({ type: 'query', sender: 'alice', recipient: 'bob', content: 'q?', threadId: 't1', tenantId: 'acme' });
    const r = replyTo(q, { sender: 'bob', content: 'a!' });
    expect(r).toMatchObject({ type: 'response', sender: 'bob', recipient: 'alice', threadId: 't1', tenantId: 'acme' });
    expect(r.metadata?.inReplyTo).toBe(q.id);
  });
});
