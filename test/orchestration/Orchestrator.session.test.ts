import { describe, expect, it } from 'vitest';
import { Orchestrator } from '../../orchestration/index.js';
import { handler, removePath, startPersistentSystem, tempStorePath } from './helpers.actors.js';

describe('Orchestrator: sessions', () => {
  it('saves a session and restores its agents, with their state, into a new system on the same store', async () => {
    const path = tempStorePath();
    try {
      const system1 = await startPersistentSystem(path);
      const first = await Orchestrator.start({
        system: system1,
        agents: [
          { id: 'assistant', memory: 'conversation', systemMessage: 'You summarise.' },
          { id: 'echo', handler: handler('echo') },
        ],
        defaultAgent: 'echo',
      });
      await first.run('Actors keep private state.', { agent: 'assistant' });
      await first.run('Workers host many actors.', { agent: 'assistant' });
      const memory = await first.agentMemory('assistant');
      expect(memory).toHaveLength(4);
      const sessionId = await first.saveSession();
      await first.stop();
      await system1.stop();

      const system2 = await startPersistentSystem(path);
      const second = await Orchestrator.start({ system: system2 });
      try {
        expect(second.listAgents()).toEqual([]);
        const restored = await second.restoreSession(sessionId);
        expect(restored.map((a) => [a.id, a.kind])).toEqual([
          ['assistant', 'model'],
          ['echo', 'handler'],
        ]);
        expect(second.defaultAgent).toBe('echo');
        expect(await second.agentMemory('assistant')).toEqual(memory);
        expect((await second.describeAgent('assistant')).handled).toBe(2);
        await second.run('Supervisors restart actors.', { agent: 'assistant' });
        expect(await second.agentMemory('assistant')).toHaveLength(6);
        expect(await second.run('still here')).toBe('echo got: still here');
        // The history of the first life is still there.
        await second.system.flushHistory();
        expect(second.history({ agent: 'assistant', type: 'task' }).map((e) => e.message.content)).toEqual([
          'Actors keep private state.',
          'Workers host many actors.',
          'Supervisors restart actors.',
        ]);
        await expect(second.restoreSession('no-such-session')).rejects.toMatchObject({ code: 'ERR_SESSION_NOT_FOUND' });
        await second.clearHistory();
        expect(second.history({})).toEqual([]);
      } finally {
        await second.stop();
        await system2.stop();
      }
    } finally {
      removePath(path);
    }
  });

  it('an orchestrator that starts its own system stops it; history needs persistence', async () => {
    const orch = await Orchestrator.start({ systemOptions: { workers: 1, logLevel: 'silent' }, agents: [{ id: 'echo', handler: handler('echo') }] });
    expect(await orch.run('x')).toBe('echo got: x');
    expect(() => orch.history({})).toThrow(/persistence/);
    await expect(orch.saveSession()).rejects.toMatchObject({ code: 'ERR_PERSISTENCE_REQUIRED' });
    await orch.stop();
    expect(orch.system.running).toBe(false);
  });
});
