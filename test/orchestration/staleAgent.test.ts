import { describe, expect, it } from 'vitest';
import { ActorSystem } from '../../index.js';
import { Agent } from '../../orchestration/AgentBehaviour.js';
import { CancellationRelay } from '../../orchestration/CancellationRelay.js';
import { createMessage, type AgentMessage } from '../../orchestration/index.js';
import { AgentPair } from '../fixtures/orchestration/staleAgent.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('an agent restarted while it waits on another agent', () => {
  it('a cancellation of its old request afterwards does not take the worker down', async () => {
    const system = await ActorSystem.start({ workers: 1, askTimeoutMs: 5000, logLevel: 'silent' });
    try {
      const here = new URL('../fixtures/orchestration/staleAgent.js', import.meta.url).href;
      const relay = await system.spawn(CancellationRelay, { id: 'relay', args: { topic: 'cancels' }, placement: { worker: 1 } });
      await system.spawn(Agent, { id: 'B', args: { definition: { id: 'B', handler: { module: here, export: 'slow' } } }, placement: { worker: 1 } });
      await system.spawn(AgentPair, { id: 'sup', placement: { worker: 1 } });
      for (let i = 0; i < 100 && !system.exists('sup/x'); i++) await sleep(10);
      const a = system.lookup<AgentMessage>('sup/A')!;
      const request = createMessage({ type: 'task', sender: 'main', recipient: 'A', content: 'go' });
      const answer = a.ask(request).then(() => 'answered', (e: Error) => e.name);
      await sleep(100);
      system.tell('sup/x', 'boom'); // one-for-all: A is restarted while it waits for B
      expect(await answer).toBe('ActorFailedError');
      system.publish('cancels', { type: 'cancel', agentId: 'A', messageId: request.id, reason: 'the caller gave up' });
      await sleep(300);
      const events = system.events.recent();
      expect(events.filter((e) => e.type === 'worker-died')).toEqual([]);
      // The relay heard the cancellation, and the worker still serves.
      expect(await relay.ask<{ cancelled: number }>({ type: 'stats' })).toMatchObject({ cancelled: 1 });
      expect(await system.lookup<'ping'>('sup/x')!.ask('ping')).toBe('pong');
    } finally {
      await system.stop();
    }
  });
});
