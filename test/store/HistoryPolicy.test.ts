import { describe, expect, it } from 'vitest';
import { HistoryPolicy } from '../../store/index.js';

const m = (sender: string | undefined, recipient: string, type: string) => ({ ...(sender ? { sender } : {}), recipient, type });

describe('HistoryPolicy', () => {
  it('builds predicates over actors and types', () => {
    expect(HistoryPolicy.all()(m('a', 'b', 't'))).toBe(true);
    expect(HistoryPolicy.none()(m('a', 'b', 't'))).toBe(false);
    const billing = HistoryPolicy.actors('billing');
    expect(billing(m('billing', 'x', 't'))).toBe(true);
    expect(billing(m('x', 'billing', 't'))).toBe(true);
    expect(billing(m(undefined, 'x', 't'))).toBe(false);
    const p = HistoryPolicy.allOf(billing, HistoryPolicy.not(HistoryPolicy.types('tick')));
    expect(p(m('billing', 'x', 'charge'))).toBe(true);
    expect(p(m('billing', 'x', 'tick'))).toBe(false);
    expect(HistoryPolicy.anyOf(HistoryPolicy.types('a'), HistoryPolicy.types('b'))(m('x', 'y', 'b'))).toBe(true);
  });

  it('reads a serializable config', () => {
    const exceptTicks = HistoryPolicy.fromConfig({ record: 'all', types: ['tick'] });
    expect(exceptTicks(m('a', 'b', 'tick'))).toBe(false);
    expect(exceptTicks(m('a', 'b', 'work'))).toBe(true);
    const onlyAudit = HistoryPolicy.fromConfig({ record: 'none', actors: ['auditor'], types: ['login'] });
    expect(onlyAudit(m('auditor', 'b', 'x'))).toBe(true);
    expect(onlyAudit(m('a', 'b', 'login'))).toBe(true);
    expect(onlyAudit(m('a', 'b', 'x'))).toBe(false);
    expect(HistoryPolicy.fromConfig({ record: 'none' })(m('a', 'b', 'x'))).toBe(false);
  });
});
