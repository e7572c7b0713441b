import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import { ModelError } from '../../orchestration/errors.js';
import { LocalModel } from '../../orchestration/LocalModel.js';

const article =
  'Actors process messages one at a time. Each actor owns a mailbox. ' +
  'Supervisors restart actors that fail, and supervisors form trees. ' +
  'The weather was pleasant yesterday.';

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

describe('LocalModel', () => {
  const model = new LocalModel();

  it('summarises the last user message and extracts its keywords', async () => {
    const r = await model.complete({
      system: 'You are terse.',
      messages: [
        { role: 'user', content: 'ignored earlier turn about cooking' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: article },
      ],
    });
    expect(r.content).toBe(
      'Summary: Actors process messages one at a time. Supervisors restart actors that fail, and supervisors form trees.\n' +
        'Keywords: actors, supervisors, actor, fail, form',
    );
    expect(r.model).toBe('troupe-local');
    expect(r.usage!.totalTokens).toBe(r.usage!.promptTokens + r.usage!.completionTokens);
  });

  it('is deterministic', async () => {
    const req = { messages: [{ role: 'user' as const, content: article }] };
    const a = await model.complete(req);
    const b = await new LocalModel().complete(req);
    expect(a).toEqual(b);
  });

  it('answers empty input without failing', async () => {
    expect((await model.complete({ messages: [{ role: 'user', content: '  ' }] })).content).toBe('Summary: (nothing to summarise)\nKeywords: (none)');
  });

  it('streams the same answer in several chunks', async () => {
    const req = { messages: [{ role: 'user' as const, content: article }] };
    const chunks = await collect(new LocalModel({ chunkWords: 3 }).stream(req));
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.join('')).toBe((await model.complete(req)).content);
  });

  it('does work that grows with the input', async () => {
    const small = { messages: [{ role: 'user' as const, content: article }] };
    const large = { messages: [{ role: 'user' as const, content: article.repeat(2_000) }] };
    // The fastest of several runs: a run the OS preempted says nothing about the work.
    const time = async (req: typeof small): Promise<number> => {
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        await model.complete(req);
        best = Math.min(best, performance.now() - t);
      }
      return best;
    };
    expect(await time(large)).toBeGreaterThan(await time(small));
  });

  it('stops streaming when aborted', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const run = async (): Promise<void> => {
      for await (const chunk of new LocalModel({ chunkWords: 1 }).stream({ messages: [{ role: 'user', content: article }], signal: controller.signal })) {
        seen.push(chunk);
        if (seen.length === 2) controller.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ code: 'ERR_MODEL_ABORTED' });
    expect(seen).toHaveLength(2);
    await expect(model.complete({ messages: [], signal: AbortSignal.abort() })).rejects.toBeInstanceOf(ModelError);
  });

  it('validates its options', () => {
    expect(() => new LocalModel({ chunkWords: 0 })).toThrow(InvalidOptionError);
    expect(() => new LocalModel({ chunkWords: 0 })).toThrow(/LocalModel\.chunkWords/);
  });
});
