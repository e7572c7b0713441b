import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError, type Orchestrator } from '../../orchestration/index.js';
import { HANDLERS } from '../fixtures/orchestration/handlers.js';
import { handler, startOrchestrator } from './helpers.actors.js';

/** A fake OpenAI-compatible server on loopback: answers completions and streams them as SSE. */
describe('agents with models and tools', () => {
  let server: Server;
  let baseUrl: string;
  const seen: { auth: string | undefined; body: { model: string; stream: boolean; messages: { role: string; content: string }[] } }[] = [];
  let ctx: Awaited<ReturnType<typeof startOrchestrator>>;
  let orch: Orchestrator;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as (typeof seen)[number]['body'];
        seen.push({ auth: req.headers.authorization, body });
        const last = body.messages[body.messages.length - 1]!.content;
        if (last === 'fail please') {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: 'overloaded' } }));
          return;
        }
        const answer = `You said: ${last}`;
        if (!body.stream) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ model: body.model, choices: [{ message: { role: 'assistant', content: answer }, finish_reason: 'stop' }] }));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const piece of answer.split(/(?<= )/)) res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: piece } }] })}\n\n`);
        res.end('data: [DONE]\n\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Worker threads copy the environment when they start: set the key before the system does.
    process.env.TROUPE_TEST_API_KEY = 'sk-test-123';
    ctx = await startOrchestrator({
      agents: [
        { id: 'gpt', model: { kind: 'openai-compatible', baseUrl, model: 'fake-gpt', apiKeyEnv: 'TROUPE_TEST_API_KEY' }, systemMessage: 'Be brief.', memory: 'conversation' },
        { id: 'tooled', handler: handler('toolUser'), model: 'local', tools: [{ name: 'wordCount', description: 'counts words', module: HANDLERS, export: 'wordCount' }] },
      ],
    });
    orch = ctx.orchestrator;
  });
  afterAll(async () => {
    await ctx.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('an agent on a worker talks to an OpenAI-compatible endpoint, with its system message, memory and key', async () => {
    expect(await orch.run('hello', { agent: 'gpt' })).toBe('You said: hello');
    expect(await orch.run('again', { agent: 'gpt' })).toBe('You said: again');
    expect(seen[0]!.auth).toBe('Bearer sk-test-123');
    expect(seen[1]!.body.messages.map((m) => [m.role, m.content])).toEqual([
      ['system', 'Be brief.'],
      ['user', 'hello'],
      ['assistant', 'You said: hello'],
      ['user', 'again'],
    ]);
    const chunks: string[] = [];
    for await (const c of orch.stream('stream me', { agent: 'gpt' })) chunks.push(c);
    expect(chunks).toEqual(['You ', 'said: ', 'stream ', 'me']);
    expect(seen[2]!.body.stream).toBe(true);
  });

  it("a model failure is the agent's typed error, with the model's code as cause", async () => {
    const err = await orch.run('fail please', { agent: 'gpt' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('ERR_AGENT_FAILED');
    expect((err as AgentError).context.causeCode).toBe('ERR_MODEL_HTTP');
    expect((err as AgentError).message).toContain('overloaded');
  });

  it('a handler uses its tools and its model', async () => {
    const out = (await orch.run('Actors keep state private. Workers host actors.', { agent: 'tooled' })) as { words: number; tools: string[]; summary: string };
    expect(out.words).toBe(7);
    expect(out.tools).toEqual(['wordCount']);
    expect(out.summary).toMatch(/^Summary: .*\nKeywords: actors/);
  });
});
